import { PutRecordsCommand, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { kinesis } from '../aws/kinesis.js';
import { sleep } from '../platform/sleep.js';

/** Kinesis takes at most 500 records per PutRecords call. */
const MAX_PER_CALL = 500;
/** Backoff between attempts: exponential from this base, capped, with jitter (×0.5 to ×1.5). */
const BASE_DELAY_MS = 50;
const MAX_DELAY_MS = 1_000;
/** An attempt is not started with less than this left before the deadline: it could not finish in time. */
const MIN_ATTEMPT_MS = 100;

/** What {@link putRecordsWithRetry} stored and what it gave up on, by index into its entries. */
export interface PutOutcome {
  /** Indexes (into `entries`) that Kinesis stored. */
  stored: number[];
  /** Indexes that still failed after every attempt, with the last error code. */
  failed: Array<{ index: number; code: string }>;
}

/** One PutRecords call; the shared Kinesis client unless a caller passes its own (unit tests of the loop). */
export type PutRecordsSender = (
  input: { StreamName: string; Records: PutRecordsRequestEntry[] },
  abortSignal?: AbortSignal,
) => Promise<Pick<PutRecordsCommandOutput, 'Records' | 'FailedRecordCount'>>;

export interface PutRecordsOptions {
  /** Most calls per chunk of records (default 5). */
  attempts?: number;
  /**
   * Epoch milliseconds after which no call is started or waited for: whatever is still pending then fails with
   * its last error code. The ingest handler passes its function timeout minus a margin, so the answer (with the
   * records not stored) is sent before Lambda stops the function.
   */
  deadline?: number;
  send?: PutRecordsSender;
  /** For tests: the clock and the pause between attempts. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSend: PutRecordsSender = (input, abortSignal) =>
  kinesis().send(new PutRecordsCommand(input), abortSignal ? { abortSignal } : undefined);

/** Errors of a whole call that a retry cannot fix (a missing stream, no permission, a malformed request). */
const PERMANENT_CALL_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'ValidationException',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
  'UnrecognizedClientException',
]);

/** The backoff before attempt `attempt + 1`: exponential, capped, with jitter so retries of many callers spread. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)) * (0.5 + random());
}

/**
 * PutRecords with per-record retry: throttled or failed entries (ProvisionedThroughputExceeded, InternalFailure)
 * are resent with exponential backoff and jitter; the rest of the call is not repeated. Retries stop at the
 * attempt limit, at the deadline, or at once for a permanent error (the stream does not exist); every entry not
 * stored by then is in `failed`. Never throws. Shared by ingest (the
 * `events` stream), the `changes` publisher and the dead-letter replay.
 *
 * @example
 * const { stored, failed } = await putRecordsWithRetry('opsgraph-local-events', entries, { deadline: Date.now() + 8_000 });
 */
export async function putRecordsWithRetry(
  streamName: string,
  entries: PutRecordsRequestEntry[],
  options: PutRecordsOptions | number = {},
): Promise<PutOutcome> {
  const { attempts = 5, deadline = Infinity, send = defaultSend, now = Date.now, sleep: wait = sleep } =
    typeof options === 'number' ? { attempts: options } : options;
  const outcome: PutOutcome = { stored: [], failed: [] };
  for (let start = 0; start < entries.length; start += MAX_PER_CALL) {
    let pending = entries.slice(start, start + MAX_PER_CALL).map((entry, i) => ({ entry, index: start + i, code: 'DeadlineExceeded' }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const left = deadline - now();
      if (left < MIN_ATTEMPT_MS) break;
      let codes: Array<string | undefined>;
      let permanent = false;
      // The call itself is bounded by the deadline too (the SDK's own retries included).
      const abort = Number.isFinite(deadline) ? AbortSignal.timeout(Math.max(1, Math.floor(left))) : undefined;
      try {
        const res = await send({ StreamName: streamName, Records: pending.map((p) => p.entry) }, abort);
        const records = res.Records ?? [];
        // One result per entry, in order; a missing result is a failure, never a success.
        codes = pending.map((_, i) => (records[i] ? records[i].ErrorCode : 'MissingResult'));
      } catch (err) {
        // The whole call failed (network, throttled call, stream missing): every pending entry failed with it.
        const name = (err as Error).name || 'PutRecordsFailed';
        permanent = PERMANENT_CALL_ERRORS.has(name);
        codes = pending.map(() => name);
      }
      const retry: typeof pending = [];
      pending.forEach((p, i) => {
        const code = codes[i];
        if (code === undefined) outcome.stored.push(p.index);
        else retry.push({ ...p, code });
      });
      pending = retry;
      if (pending.length === 0 || permanent || attempt >= attempts) break;
      const pause = backoffMs(attempt);
      if (now() + pause + MIN_ATTEMPT_MS > deadline) break;
      await wait(pause);
    }
    for (const p of pending) outcome.failed.push({ index: p.index, code: p.code });
  }
  return outcome;
}
