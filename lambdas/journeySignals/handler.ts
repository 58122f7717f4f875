import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { engineContext } from '../../core/journeyEngine/context.js';
import { processJourneyChanges } from '../../core/journeyEngine/onChanges.js';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.journeySignals);
const ctx = engineContext(o.logger);

/** Kinesis `changes` → enrollments on segment and tag triggers. Metrics: `Enrolled`, `FailedRecords`. */
async function journeySignalsHandler(event: KinesisStreamEvent, { logger, measures }: Invocation): Promise<KinesisStreamBatchResponse> {
  const r = await processJourneyChanges(ctx, event.Records);
  measures.count('Enrolled', r.enrolled).count('FailedRecords', r.failed.length);
  logger.info('batch processed', { records: event.Records.length, enrolled: r.enrolled, failed: r.failed.length });
  return earliestFailure(event.Records, r.failed);
}

export const handler = instrument(FUNCTIONS.journeySignals, journeySignalsHandler, o);
