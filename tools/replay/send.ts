/**
 * Replay, step 3: sending the plan through `POST /v1/events` as a client would, in request-sized batches with a
 * few requests in flight, retrying what the server asks to be retried and checkpointing the acknowledged prefix.
 */
import { MAX_EVENTS_PER_REQUEST, MAX_REQUEST_BYTES } from '../../core/events/schema.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import type { ReplayPlan } from './plan.js';
import { ProgressBar } from './progress.js';
import { sleep } from '../../core/platform/sleep.js';

export interface Batch {
  /** Index of the first event of the batch in the plan. */
  start: number;
  end: number;
}

/**
 * Cuts `[from, events.length)` into request-sized batches (at most `maxEvents` events and `maxBytes` of body).
 * Batches are cut from the end backwards so the last batch is a full one: its users are the sentinels that
 * tell when the tagger has caught up (see {@link sentinelsOf}).
 *
 * @example
 * ```ts
 * batchesOf(plan.events, 0); // [{ start: 0, end: 170 }, { start: 170, end: 670 }, …]
 * ```
 */
export function batchesOf(events: string[], from: number, maxEvents = MAX_EVENTS_PER_REQUEST, maxBytes = Math.floor(MAX_REQUEST_BYTES * 0.9)): Batch[] {
  const out: Batch[] = [];
  let end = events.length;
  while (end > from) {
    let start = end;
    let bytes = 12; // {"events":[]}
    while (start > from && end - start < maxEvents && bytes + Buffer.byteLength(events[start - 1]!) + 1 <= maxBytes) {
      bytes += Buffer.byteLength(events[start - 1]!) + 1;
      start--;
    }
    if (start === end) throw new Error(`event ${start - 1} does not fit in a request`);
    out.push({ start, end });
    end = start;
  }
  return out.reverse();
}

export interface SendOptions {
  /** Base URL of the stack, for example `http://127.0.0.1:4000`. */
  url: string;
  apiKey: string;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Where progress is kept; none when absent (every run starts at 0). */
  checkpointPath?: string;
  /** Ignore an existing checkpoint and send everything again. */
  restart?: boolean;
  /** Draw a progress bar on stderr. Default true. */
  progress?: boolean;
  /** When aborted, no new batch starts; the ones in flight finish and the checkpoint is written. */
  signal?: AbortSignal;
  /** Attempts per batch before the replay gives up. Default 10. */
  maxAttempts?: number;
  /** Called after each acknowledged batch with the checkpointed position (events) and the total. */
  onBatch?: (position: number, total: number) => void;
}

export interface SendResult {
  total: number;
  /** Where this run started (events already sent by an earlier run). */
  resumedFrom: number;
  /** Events acknowledged in this run. */
  sent: number;
  /** Contiguous prefix of the plan acknowledged so far (what the checkpoint holds). */
  position: number;
  accepted: number;
  /** Items the server refused for good (not retryable), with reasons. */
  rejected: Array<{ eventId: string; code: string; message: string }>;
  retries: number;
  seconds: number;
  interrupted: boolean;
}

/** Thrown when the server answers in a way that retrying cannot fix (bad key, malformed request). */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

const backoff = (attempt: number) => Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);

interface IngestAnswer {
  accepted: number;
  rejected: Array<{ index: number; code: string; message: string }>;
}

function parseAnswer(text: string): IngestAnswer | null {
  try {
    const v = JSON.parse(text) as { accepted?: unknown; rejected?: unknown };
    if (typeof v.accepted !== 'number' || !Array.isArray(v.rejected)) return null;
    const rejected = v.rejected.filter(
      (r): r is { index: number; code: string; message: string } =>
        !!r && typeof r === 'object' && typeof (r as { index?: unknown }).index === 'number' && typeof (r as { code?: unknown }).code === 'string',
    );
    return { accepted: v.accepted, rejected };
  } catch {
    return null;
  }
}

/**
 * Sends events `[batch.start, batch.end)`: retries the whole request on 429, 5xx and network errors (event ids make
 * the resend harmless) and the `STREAM_UNAVAILABLE` items alone; other per-item rejections are final.
 */
async function sendBatch(
  plan: ReplayPlan,
  batch: Batch,
  options: SendOptions,
  stats: { retries: number },
): Promise<{ accepted: number; rejected: SendResult['rejected'] }> {
  const endpoint = new URL('/v1/events', options.url).href;
  const maxAttempts = options.maxAttempts ?? 10;
  let pending: number[] = [];
  for (let i = batch.start; i < batch.end; i++) pending.push(i);
  let accepted = 0;
  const rejected: SendResult['rejected'] = [];
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > maxAttempts) {
      throw new ReplayError(`gave up on events ${pending[0]}…${pending[pending.length - 1]} after ${maxAttempts} attempts`);
    }
    if (attempt > 1) stats.retries++;
    const body = `{"events":[${pending.map((i) => plan.events[i]).join(',')}]}`;
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
        body,
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      // Connection refused or reset: the server may be restarting.
      await sleep(backoff(attempt));
      if (attempt === maxAttempts) throw new ReplayError(`cannot reach ${endpoint}: ${(err as Error).message}`);
      continue;
    }
    if (status === 429 || status >= 500) {
      const wait = retryAfter && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : backoff(attempt);
      await sleep(wait);
      continue;
    }
    if (status === 401 || status === 403) throw new ReplayError(`${endpoint} answered ${status}: ${text.slice(0, 300)}`);
    const answer = parseAnswer(text);
    if (!answer || (status !== 200 && status !== 400)) throw new ReplayError(`${endpoint} answered ${status}: ${text.slice(0, 300)}`);
    const whole = answer.rejected.find((r) => r.index < 0);
    if (whole) throw new ReplayError(`${endpoint} refused the request: ${whole.code} ${whole.message}`);
    accepted += answer.accepted;
    const retry: number[] = [];
    for (const r of answer.rejected) {
      const planIndex = pending[r.index];
      if (planIndex === undefined) continue;
      if (r.code === 'STREAM_UNAVAILABLE') retry.push(planIndex);
      else rejected.push({ eventId: plan.eventIds[planIndex]!, code: r.code, message: r.message });
    }
    pending = retry;
    if (pending.length) await sleep(backoff(attempt));
  }
  return { accepted, rejected };
}

/**
 * Sends a plan through `POST /v1/events`, resuming from the checkpoint when it matches the plan. Batches go out
 * `concurrency` at a time; the final batch waits for all others (so its users can serve as sentinels).
 *
 * @example
 * ```ts
 * const result = await sendPlan(plan, { url: 'http://127.0.0.1:4000', apiKey, checkpointPath: '.data/replay.json' });
 * ```
 */
export async function sendPlan(plan: ReplayPlan, options: SendOptions): Promise<SendResult> {
  const total = plan.events.length;
  let resumedFrom = 0;
  if (options.checkpointPath && !options.restart) {
    const checkpoint = await readCheckpoint(options.checkpointPath, plan.fingerprint);
    if (checkpoint) resumedFrom = checkpoint.sent;
  }
  const batches = batchesOf(plan.events, resumedFrom);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const bar = options.progress === false ? null : new ProgressBar(total, 'replay', process.stderr, resumedFrom);
  const startedAt = Date.now();
  const counters = { retries: 0 };
  const result: SendResult = {
    total, resumedFrom, sent: 0, position: resumedFrom, accepted: 0, rejected: [], retries: 0, seconds: 0, interrupted: false,
  };

  // Completed batches, to advance the contiguous prefix the checkpoint records.
  const done = new Set<number>();
  let nextToCommit = 0;
  let checkpointWrite: Promise<void> = Promise.resolve();
  const commit = () => {
    let moved = false;
    while (done.has(nextToCommit)) {
      result.position = batches[nextToCommit]!.end;
      nextToCommit++;
      moved = true;
    }
    if (moved && options.checkpointPath) {
      const checkpoint: Checkpoint = { fingerprint: plan.fingerprint, total, sent: result.position, updatedAt: new Date().toISOString() };
      const path = options.checkpointPath;
      checkpointWrite = checkpointWrite.then(() => writeCheckpoint(path, checkpoint));
    }
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  bar?.update(resumedFrom, true);
  for (let b = 0; b < batches.length; b++) {
    if (options.signal?.aborted || failure) break;
    const isLast = b === batches.length - 1;
    while (inFlight.size >= concurrency || (isLast && inFlight.size > 0)) {
      await Promise.race(inFlight);
      if (failure) break;
    }
    if (options.signal?.aborted || failure) break;
    const batch = batches[b]!;
    const p: Promise<void> = sendBatch(plan, batch, options, counters)
      .then((r) => {
        result.accepted += r.accepted;
        result.rejected.push(...r.rejected);
        result.sent += batch.end - batch.start;
        done.add(b);
        commit();
        bar?.update(resumedFrom + result.sent);
        options.onBatch?.(result.position, total);
      })
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  await checkpointWrite;
  result.retries = counters.retries;
  result.seconds = (Date.now() - startedAt) / 1000;
  result.interrupted = Boolean(options.signal?.aborted) && result.position < total;
  bar?.done(resumedFrom + result.sent, result.interrupted ? `interrupted; ${result.position} of ${total} events checkpointed` : '');
  if (failure) throw failure;
  return result;
}
