import type { ScheduledEvent } from 'aws-lambda';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';
import { archiveFilesOf } from '../../core/analyticsEngine/archiveFiles.js';
import { deadLetterSourceOf } from '../../core/deadLetters/sourceOf.js';
import { runQueuedErasures, type ErasureStores } from '../../core/privacyEngine/erasure.js';

const o = observability(FUNCTIONS.privacy);
const stores: ErasureStores = {
  deadLetters: deadLetterSourceOf(requireEnv('DEAD_LETTER_STORE')),
  archive: archiveFilesOf(requireEnv('ARCHIVE_STORE')),
  tables: {
  profiles: requireEnv('PROFILES_TABLE'),
  identities: requireEnv('IDENTITIES_TABLE'),
  memberships: requireEnv('MEMBERSHIPS_TABLE'),
  enrollments: requireEnv('ENROLLMENTS_TABLE'),
  outbox: requireEnv('OUTBOX_TABLE'),
  experiments: requireEnv('EXPERIMENTS_TABLE'),
  experimentUnits: requireEnv('EXPERIMENT_UNITS_TABLE'),
  aggregates: requireEnv('AGGREGATES_TABLE'),
  audit: requireEnv('AUDIT_TABLE'),
  jobs: requireEnv('JOBS_TABLE'),
  consent: requireEnv('CONSENT_TABLE'),
  contacts: requireEnv('CONTACTS_TABLE'),
  },
};

/** Each tick: runs the queued erasure jobs to their end. Metric: `ErasuresCompleted`. */
async function privacyHandler(_event: ScheduledEvent, { logger, measures }: Invocation): Promise<{ completed: number }> {
  const completed = await runQueuedErasures(stores, new Date());
  if (completed) {
    measures.count('ErasuresCompleted', completed);
    logger.info('erasures completed', { completed });
  }
  return { completed };
}

export const handler = instrument(FUNCTIONS.privacy, privacyHandler, o);
