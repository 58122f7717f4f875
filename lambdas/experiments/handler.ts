import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { ExperimentCache } from '../../core/experimentEngine/experimentCache.js';
import { processExperimentEvents } from '../../core/experimentEngine/onEvents.js';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.experiments);
const ctx = {
  units: requireEnv('EXPERIMENT_UNITS_TABLE'),
  identities: requireEnv('IDENTITIES_TABLE'),
  consent: requireEnv('CONSENT_TABLE'),
  cache: new ExperimentCache(requireEnv('EXPERIMENTS_TABLE'), Number(requireEnv('RULES_TTL_SECONDS'))),
};

/**
 * Kinesis `events` → experiment exposures and metric values (core/experimentEngine/onEvents.ts); partial batch
 * response from the earliest failed record.
 *
 * Metrics: `UnitsUpdated`, `FailedRecords` (counts per batch).
 */
async function experimentsHandler(event: KinesisStreamEvent, { logger, measures }: Invocation): Promise<KinesisStreamBatchResponse> {
  const r = await processExperimentEvents(ctx, event.Records);
  measures.count('UnitsUpdated', r.updated).count('FailedRecords', r.failed.length);
  logger.info('batch processed', { records: event.Records.length, updated: r.updated, failed: r.failed.length });
  return earliestFailure(event.Records, r.failed);
}

export const handler = instrument(FUNCTIONS.experiments, experimentsHandler, o);
