import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';
import { processBatch } from '../../core/tagging/processBatch.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { profileEngineTables } from '../../core/tagging/tables.js';

const o = observability(FUNCTIONS.tagger);
const rules = new RuleCache(requireEnv('RULES_TABLE'), Number(requireEnv('RULES_TTL_SECONDS')), o.logger);

/**
 * Event-to-profile lag of a batch, in milliseconds: `now` minus the Kinesis `approximateArrivalTimestamp` of the
 * oldest record that was processed (not failed), so an upper bound for every record of the batch. Arrival, not
 * the event's own `timestamp`: event time is the client's (a replay of 2011 orders would report years), while
 * arrival measures what the freshness target is about, the time from ingest to an up-to-date profile.
 * Undefined when no record was processed.
 */
export function eventToProfileLagMs(records: readonly KinesisStreamRecord[], failed: readonly string[], now: number): number | undefined {
  const failedSet = new Set(failed);
  let oldest = Infinity;
  for (const r of records) {
    if (!failedSet.has(r.kinesis.sequenceNumber)) oldest = Math.min(oldest, r.kinesis.approximateArrivalTimestamp * 1000);
  }
  return Number.isFinite(oldest) ? Math.max(0, now - oldest) : undefined;
}

/**
 * Kinesis `events` → profiles, tags, segments; partial batch response from the earliest failed record.
 *
 * Metrics (namespace `opsgraph`, dimensions `service`, `stage`): `BatchSize`, `FailedRecords`, `ProfilesWritten`
 * (counts per batch) and `EventToProfileLag` (milliseconds, {@link eventToProfileLagMs}).
 */
async function taggerHandler(event: KinesisStreamEvent, { logger, measures }: Invocation): Promise<KinesisStreamBatchResponse> {
  const result = await processBatch(event.Records, profileEngineTables(), await rules.get());
  const lagMs = eventToProfileLagMs(event.Records, result.failed, Date.now());
  measures.count('BatchSize', event.Records.length).count('FailedRecords', result.failed.length).count('ProfilesWritten', result.profilesWritten);
  if (lagMs !== undefined) measures.milliseconds('EventToProfileLag', lagMs);
  for (const e of result.commitErrors) logger.error('profile commit failed', e);
  const summary = { records: event.Records.length, failed: result.failed.length, profilesWritten: result.profilesWritten, lagMs };
  if (result.failed.length) logger.warn('batch processed with failed records', summary);
  else logger.info('batch processed', summary);
  return earliestFailure(event.Records, result.failed);
}

export const handler = instrument(FUNCTIONS.tagger, taggerHandler, o);
