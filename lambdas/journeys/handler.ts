import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { engineContext } from '../../core/journeyEngine/context.js';
import { processJourneyEvents } from '../../core/journeyEngine/onEvents.js';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.journeys);
const ctx = engineContext(o.logger);

/**
 * Kinesis `events` → journey steps and enrollments; partial batch response from the earliest failed record.
 *
 * Metrics: `Enrolled`, `Stepped`, `FailedRecords` (counts per batch) and `TriggerToEnrollment` (ms from the
 * trigger's Kinesis arrival to its enrollment, the oldest of the batch).
 */
async function journeysHandler(event: KinesisStreamEvent, { logger, measures }: Invocation): Promise<KinesisStreamBatchResponse> {
  const r = await processJourneyEvents(ctx, event.Records);
  measures.count('Enrolled', r.enrolled).count('Stepped', r.stepped).count('FailedRecords', r.failed.length);
  if (r.enrolledArrivals.length) measures.milliseconds('TriggerToEnrollment', Date.now() - Math.min(...r.enrolledArrivals));
  logger.info('batch processed', { records: event.Records.length, enrolled: r.enrolled, stepped: r.stepped, failed: r.failed.length });
  return earliestFailure(event.Records, r.failed);
}

export const handler = instrument(FUNCTIONS.journeys, journeysHandler, o);
