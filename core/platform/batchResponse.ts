import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';

/**
 * The partial batch response for a Kinesis batch: only the earliest failed record is reported, because Lambda
 * retries a shard from the earliest reported sequence number anyway (docs/architecture.md: coalesced writes, earliest failure).
 *
 * @example
 * return earliestFailure(event.Records, ['4959…']);
 */
export function earliestFailure(records: KinesisStreamRecord[], failed: readonly string[]): KinesisStreamBatchResponse {
  if (failed.length === 0) return { batchItemFailures: [] };
  const set = new Set(failed);
  const first = records.find((r) => set.has(r.kinesis.sequenceNumber));
  return { batchItemFailures: first ? [{ itemIdentifier: first.kinesis.sequenceNumber }] : [] };
}
