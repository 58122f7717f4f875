import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { processAggregates } from '../../core/analyticsEngine/onEvents.js';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.aggregator);
const ctx = { table: requireEnv('AGGREGATES_TABLE'), identities: requireEnv('IDENTITIES_TABLE'), consent: requireEnv('CONSENT_TABLE') };

/**
 * Kinesis `events` → real-time analytics counters and sketches (core/analyticsEngine/onEvents.ts); partial batch
 * response from the earliest failed record.
 *
 * Metrics: `AggregateWrites`, `EventsAggregated`, `FailedRecords` (counts per batch); writes per event is their ratio.
 */
async function aggregatorHandler(event: KinesisStreamEvent, { logger, measures }: Invocation): Promise<KinesisStreamBatchResponse> {
  const r = await processAggregates(ctx, event.Records);
  measures.count('AggregateWrites', r.writes).count('EventsAggregated', r.events).count('FailedRecords', r.failed.length);
  logger.info('batch aggregated', { records: event.Records.length, events: r.events, writes: r.writes, failed: r.failed.length });
  return earliestFailure(event.Records, r.failed);
}

export const handler = instrument(FUNCTIONS.aggregator, aggregatorHandler, o);
