import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { archiveEvents } from '../../core/analyticsEngine/archiveEvents.js';
import { archiveFilesOf } from '../../core/analyticsEngine/archiveFiles.js';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.archiver);
const ctx = { identities: requireEnv('IDENTITIES_TABLE'), consent: requireEnv('CONSENT_TABLE'), files: archiveFilesOf(requireEnv('ARCHIVE_STORE')) };

/**
 * Kinesis `events` → the event archive (core/analyticsEngine/archiveEvents.ts); partial batch response from the
 * earliest poison record. Metrics: `EventsArchived`, `ArchiveFiles` (counts per batch).
 */
async function archiverHandler(event: KinesisStreamEvent, { logger, measures }: Invocation): Promise<KinesisStreamBatchResponse> {
  const r = await archiveEvents(ctx, event.Records);
  measures.count('EventsArchived', r.archived).count('ArchiveFiles', r.files);
  logger.info('batch archived', { records: event.Records.length, archived: r.archived, files: r.files, failed: r.failed.length });
  return earliestFailure(event.Records, r.failed);
}

export const handler = instrument(FUNCTIONS.archiver, archiverHandler, o);
