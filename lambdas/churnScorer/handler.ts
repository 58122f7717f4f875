import type { KinesisStreamBatchResponse, KinesisStreamEvent, ScheduledEvent } from 'aws-lambda';
import { churnModel, rescoreAll, scoreChanges, type ChurnScorerTables, type RescoreResult } from '../../core/churn/scorer.js';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';

const tables: ChurnScorerTables = {
  profiles: requireEnv('PROFILES_TABLE'),
  memberships: requireEnv('MEMBERSHIPS_TABLE'),
  changesStream: requireEnv('CHANGES_STREAM'),
};
const jobsTable = requireEnv('JOBS_TABLE');
const o = observability(FUNCTIONS.churnScorer);
const rules = new RuleCache(requireEnv('RULES_TABLE'), Number(requireEnv('RULES_TTL_SECONDS')), o.logger);
// Load and validate the bundled model once per container, at cold start: a bad artifact fails loudly here.
const model = churnModel();

const isKinesisEvent = (event: unknown): event is KinesisStreamEvent =>
  Array.isArray((event as KinesisStreamEvent | null)?.Records) &&
  (event as KinesisStreamEvent).Records.every((r) => r?.kinesis !== undefined);

const isScheduledEvent = (event: unknown): event is ScheduledEvent =>
  (event as ScheduledEvent | null)?.['detail-type'] === 'Scheduled Event' && typeof (event as ScheduledEvent).time === 'string';

/**
 * Two triggers, one handler: the `changes` stream (rescore the changed profiles at the changes' event time; partial
 * batch response from the earliest failed record) and the daily schedule (rescore every profile at the schedule's
 * time, resumable by the event id).
 *
 * Metrics: for a changes batch `BatchSize`, `FailedRecords`, `ProfilesScored`; for the daily rescore
 * `ProfilesScanned`, `ProfilesScored`, `ProfilesWritten`, `FailedProfiles`.
 */
async function churnScorerHandler(event: KinesisStreamEvent | ScheduledEvent, { logger, measures }: Invocation): Promise<KinesisStreamBatchResponse | RescoreResult> {
  if (isKinesisEvent(event)) {
    // A band crossing into or out of HIGH re-evaluates that profile's segments here and now. That write can race
    // the tagger's next write of the same profile; both are version-checked, and crossings are rare.
    const r = await scoreChanges(event.Records, tables, { model, rules: await rules.get() });
    measures.count('BatchSize', event.Records.length).count('FailedRecords', r.failedRecords.length).count('ProfilesScored', r.scored);
    if (r.failedRecords.length) {
      logger.warn('records failed', { failed: r.failedRecords.length, of: event.Records.length, users: r.failed.slice(0, 10) });
    }
    return earliestFailure(event.Records, r.failedRecords);
  }
  if (isScheduledEvent(event)) {
    const r = await rescoreAll(
      event.time,
      {
        model,
        rules: await rules.get(),
        totalSegments: 4,
        jobsTable,
        runId: event.id,
        onProgress: (p) => logger.debug('rescore progress', p),
      },
      tables,
    );
    measures.count('ProfilesScanned', r.scanned).count('ProfilesScored', r.scored).count('ProfilesWritten', r.written).count('FailedProfiles', r.failed);
    logger.info('daily rescore finished', { ...r, asOf: event.time, runId: event.id, modelVersion: model.version });
    return r;
  }
  throw new Error('churnScorer: unsupported event (expected a Kinesis batch or a Scheduled Event)');
}

export const handler = instrument(FUNCTIONS.churnScorer, churnScorerHandler, o);
