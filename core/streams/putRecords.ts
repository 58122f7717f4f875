import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { kinesis } from '../aws/clients.js';
import { sleep } from '../platform/sleep.js';

/** Kinesis takes at most 500 records per PutRecords call. */
const MAX_PER_CALL = 500;

/** What {@link putRecordsWithRetry} stored and what it gave up on, by index into its entries. */
export interface PutOutcome {
  /** Indexes (into `entries`) that Kinesis stored. */
  stored: number[];
  /** Indexes that still failed after every attempt, with the last error code. */
  failed: Array<{ index: number; code: string }>;
}

/**
 * PutRecords with per-record retry: throttled or failed entries (ProvisionedThroughputExceeded, InternalFailure)
 * are resent with exponential backoff and jitter; the rest of the call is not repeated. Shared by ingest (the
 * `events` stream) and the `changes` publisher.
 *
 * @example
 * const { stored, failed } = await putRecordsWithRetry('opsgraph-local-events', entries);
 */
export async function putRecordsWithRetry(
  streamName: string,
  entries: PutRecordsRequestEntry[],
  attempts = 5,
): Promise<PutOutcome> {
  const outcome: PutOutcome = { stored: [], failed: [] };
  for (let start = 0; start < entries.length; start += MAX_PER_CALL) {
    let pending = entries.slice(start, start + MAX_PER_CALL).map((entry, i) => ({ entry, index: start + i }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      let codes: Array<string | undefined>;
      try {
        const res = await kinesis().send(
          new PutRecordsCommand({ StreamName: streamName, Records: pending.map((p) => p.entry) }),
        );
        codes = (res.Records ?? []).map((r) => r.ErrorCode);
      } catch (err) {
        // The whole call failed (network, throttled call): every pending entry is retried.
        codes = pending.map(() => (err as Error).name || 'PutRecordsFailed');
      }
      const retry: typeof pending = [];
      pending.forEach((p, i) => {
        const code = codes[i];
        if (code === undefined) outcome.stored.push(p.index);
        else if (attempt >= attempts) outcome.failed.push({ index: p.index, code });
        else retry.push(p);
      });
      pending = retry;
      if (pending.length) await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
  return outcome;
}
