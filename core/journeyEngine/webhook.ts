/**
 * Webhook delivery for the journey engine's `WEBHOOK` action: one signed JSON POST, retried with backoff, that
 * answers DELIVERED or FAILED and never throws. A FAILED answer is final: the caller records it (the outbox row,
 * the dead-letter) instead of retrying again.
 *
 * Each attempt carries these headers:
 *
 * - `Idempotency-Key`: the same on every attempt of one delivery, so a receiver can drop a repeat (an attempt
 *   that timed out on our side may still have been processed on theirs).
 * - `X-Opsgraph-Timestamp`: unix seconds when the attempt was signed (fresh on each attempt).
 * - `X-Opsgraph-Signature`: `v1=<hex>`, hex HMAC-SHA256 with the shared secret of `${timestamp}.${rawBody}`.
 *
 * Verifying on the receiving side (the Stripe-style scheme): read the raw body bytes before any JSON parsing
 * (re-serialised JSON need not match byte for byte), compute HMAC-SHA256(secret, `${timestamp}.${rawBody}`),
 * compare it with the `v1=` value in constant time, and reject a timestamp more than a few minutes from your
 * clock, so a captured request cannot be replayed later. {@link verifyWebhook} does exactly that:
 *
 * ```ts
 * const ok = verifyWebhook(secret, req.headers['x-opsgraph-timestamp'], rawBody, req.headers['x-opsgraph-signature'], Date.now());
 * if (!ok) return res.writeHead(401).end();
 * ```
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sleep } from '../platform/sleep.js';

export interface WebhookRequest {
  /** An http: or https: URL; anything else is FAILED without a request. */
  url: string;
  /** The JSON payload. */
  body: Record<string, unknown>;
  /** Sent as `Idempotency-Key`, the same on every attempt, so a receiver can drop a repeat. */
  idempotencyKey: string;
  /** The HMAC key shared with the receiver. */
  secret: string;
}

export interface WebhookResult {
  status: 'DELIVERED' | 'FAILED';
  /** Requests started (0 when the request was refused before sending, or the deadline had already passed). */
  attempts: number;
  /** HTTP status of the last attempt, if any response came. */
  httpStatus?: number;
  /** Why it failed (last error), or 'delivered'. */
  detail: string;
}

export interface DeliverOptions {
  /** Most requests to send (default 4). */
  attempts?: number;
  /** Per attempt, response body included (default 5000). */
  timeoutMs?: number;
  /** First backoff (default 200): doubled per retry, with jitter, capped at 5 s. */
  baseDelayMs?: number;
  /**
   * Epoch ms after which no new attempt starts, and which also bounds the running attempt: the Lambda timeout
   * minus a margin, so the outcome is recorded before Lambda stops the function.
   */
  deadline?: number;
  /** Injectable for tests only; default global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const USER_AGENT = 'opsgraph-webhooks/1';
/** Longest pause between attempts, Retry-After included: a receiver cannot park a Lambda for minutes. */
const MAX_DELAY_MS = 5_000;
/** Bytes of a response body read (for the detail); the rest is discarded so the socket is released. */
const BODY_READ_LIMIT = 1_024;
/** Characters of a response body kept in `detail` (it ends up in an outbox row). */
const DETAIL_SNIPPET = 200;
/** Retryable 4xx: request timeout, too early, too many requests. Every other 4xx is the receiver's final no. */
const RETRYABLE_4XX = new Set([408, 425, 429]);
/** Visible ASCII only: anything else is refused by fetch as a header value or mangled by proxies. */
const HEADER_TOKEN = /^[\x21-\x7e]{1,255}$/;

/**
 * The hex HMAC-SHA256 of `${timestamp}.${body}` under `secret`: the `v1=` value of `X-Opsgraph-Signature`.
 *
 * @example
 * signWebhook('key', '1700000000', '{"a":1}') // 'a438e398…e22e6ad03' (64 hex characters)
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * Whether a delivery is authentic and fresh: `signatureHeader` holds a `v1=` signature of `${timestamp}.${body}`
 * under `secret` (compared in constant time), and `timestamp` is within `toleranceSeconds` of `nowMs` either way.
 * The header may list several comma-separated `v1=` values (as during a secret rotation); one match is enough.
 *
 * @example
 * verifyWebhook(secret, headers['x-opsgraph-timestamp'], rawBody, headers['x-opsgraph-signature'], Date.now()) // true
 */
export function verifyWebhook(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signatureHeader: string | undefined,
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  if (typeof timestamp !== 'string' || typeof signatureHeader !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body), 'hex');
  let ok = false;
  for (const part of signatureHeader.split(',')) {
    const [scheme, value] = part.trim().split('=', 2);
    if (scheme !== 'v1' || !value || !/^[0-9a-f]{64}$/i.test(value)) continue;
    // No early exit: every candidate is compared, so timing does not say which one matched.
    if (timingSafeEqual(Buffer.from(value, 'hex'), expected)) ok = true;
  }
  return ok;
}

/** One attempt's outcome, before the loop decides whether to try again. */
interface Attempt {
  delivered: boolean;
  retryable: boolean;
  detail: string;
  httpStatus?: number;
  /** From a Retry-After header, already capped. */
  retryAfterMs?: number;
}

/**
 * POSTs `req.body` as signed JSON to `req.url`. A 2xx is DELIVERED. Network errors, timeouts, 408, 425, 429 and
 * 5xx are retried with exponential backoff and jitter (a `Retry-After` in seconds or as an HTTP date is honoured,
 * capped at 5 s); any other 4xx, and any 3xx (redirects are never followed: one could point the signed payload
 * at an internal address), is FAILED at once. Retries stop at `attempts` or at `deadline`. Never throws: a bad
 * URL, secret, key or body is FAILED with 0 attempts and says why.
 *
 * @example
 * const result = await deliverWebhook(
 *   { url: 'https://hooks.example.com/x', body: { reason: 'payment_failed' }, idempotencyKey: effect.key, secret },
 *   { deadline: Date.now() + context.getRemainingTimeInMillis() - 2_000 },
 * );
 * if (result.status === 'FAILED') await deadLetter(effect, result.detail);
 */
export async function deliverWebhook(req: WebhookRequest, options: DeliverOptions = {}): Promise<WebhookResult> {
  const {
    attempts = 4,
    timeoutMs = 5_000,
    baseDelayMs = 200,
    deadline = Infinity,
    fetch: send = globalThis.fetch,
    sleep: wait = sleep,
    now = Date.now,
  } = options;
  const refused = checkRequest(req) ?? checkOptions(attempts, timeoutMs, baseDelayMs, deadline);
  if (refused) return { status: 'FAILED', attempts: 0, detail: refused };
  let rawBody: string;
  try {
    rawBody = JSON.stringify(req.body);
  } catch (err) {
    return { status: 'FAILED', attempts: 0, detail: `body is not JSON-serialisable: ${errorText(err)}` };
  }
  if (typeof rawBody !== 'string') return { status: 'FAILED', attempts: 0, detail: 'body serialises to nothing' };

  let last: Attempt | undefined;
  let made = 0;
  const failed = (detail: string): WebhookResult => ({
    status: 'FAILED',
    attempts: made,
    ...(last?.httpStatus !== undefined ? { httpStatus: last.httpStatus } : {}),
    detail,
  });
  while (made < attempts) {
    const left = deadline - now();
    if (left <= 0) return failed(last ? `${last.detail} (deadline reached, not retried)` : 'deadline passed before the first attempt');
    made++;
    last = await attemptOnce(send, req, rawBody, Math.min(timeoutMs, Math.ceil(left)), now);
    if (last.delivered) return { status: 'DELIVERED', attempts: made, httpStatus: last.httpStatus, detail: 'delivered' };
    if (!last.retryable || made >= attempts) break;
    const pause = last.retryAfterMs ?? backoffMs(made, baseDelayMs);
    // A pause that ends past the deadline would only lead to the check above: stop now and say why.
    if (now() + pause >= deadline) return failed(`${last.detail} (deadline reached, not retried)`);
    await wait(pause);
  }
  return failed(last!.detail);
}

/** Why a request cannot be sent at all, or undefined. Programmer errors: FAILED, never thrown. */
function checkRequest(req: WebhookRequest): string | undefined {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return `invalid webhook URL: ${JSON.stringify(String(req.url)).slice(0, DETAIL_SNIPPET)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `webhook URL must be http: or https:, not ${url.protocol}`;
  // fetch refuses these anyway, as a TypeError that would look like a retryable network error.
  if (url.username || url.password) return 'webhook URL must not carry credentials';
  if (typeof req.secret !== 'string' || req.secret.length === 0) return 'webhook secret is empty';
  if (typeof req.idempotencyKey !== 'string' || !HEADER_TOKEN.test(req.idempotencyKey)) {
    return 'idempotency key must be 1 to 255 visible ASCII characters';
  }
  if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) return 'webhook body must be a JSON object';
  return undefined;
}

function checkOptions(attempts: number, timeoutMs: number, baseDelayMs: number, deadline: number): string | undefined {
  if (!Number.isInteger(attempts) || attempts < 1) return `attempts must be a positive integer, not ${attempts}`;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) return `timeoutMs must be a positive number, not ${timeoutMs}`;
  if (!(baseDelayMs >= 0) || !Number.isFinite(baseDelayMs)) return `baseDelayMs must be a number >= 0, not ${baseDelayMs}`;
  if (typeof deadline !== 'number' || Number.isNaN(deadline)) return `deadline must be epoch milliseconds, not ${deadline}`;
  return undefined;
}

/** The pause after attempt `attempt`: exponential, jittered ×0.5 to ×1.5 so many senders do not retry in step, capped. */
function backoffMs(attempt: number, baseDelayMs: number): number {
  return Math.min(MAX_DELAY_MS, Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random()));
}

async function attemptOnce(send: typeof fetch, req: WebhookRequest, rawBody: string, timeoutMs: number, now: () => number): Promise<Attempt> {
  const timestamp = String(Math.floor(now() / 1000));
  let res: Response;
  try {
    res = await send(req.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'Idempotency-Key': req.idempotencyKey,
        'X-Opsgraph-Timestamp': timestamp,
        'X-Opsgraph-Signature': `v1=${signWebhook(req.secret, timestamp, rawBody)}`,
      },
      body: rawBody,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const name = (err as { name?: unknown } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return { delivered: false, retryable: true, detail: `timed out after ${timeoutMs} ms` };
    return { delivered: false, retryable: true, detail: `network error: ${errorText(err)}` };
  }
  const status = res.status;
  const snippet = await readSnippet(res);
  if (status >= 200 && status < 300) return { delivered: true, retryable: false, detail: 'delivered', httpStatus: status };
  if (status >= 300 && status < 400) {
    const location = (res.headers.get('location') ?? '').slice(0, DETAIL_SNIPPET);
    return { delivered: false, retryable: false, httpStatus: status, detail: `redirected (HTTP ${status}${location ? ` to ${location}` : ''}); redirects are not followed` };
  }
  const detail = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
    return { delivered: false, retryable: true, httpStatus: status, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { delivered: false, retryable: false, httpStatus: status, detail };
}

/**
 * The first {@link BODY_READ_LIMIT} bytes of a response body as one line of text; the rest is cancelled, not
 * read, so a huge or endless body neither holds the socket nor the Lambda. A body that fails mid-read is ''.
 */
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_READ_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The status already says what happened; a body cut short (or timed out) adds nothing.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, BODY_READ_LIMIT);
  return new TextDecoder().decode(bytes).replace(/\s+/g, ' ').trim().slice(0, DETAIL_SNIPPET);
}

/** Retry-After as delay-seconds or an HTTP date, in ms, capped at {@link MAX_DELAY_MS}; undefined if absent or unreadable. */
function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_DELAY_MS, Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(MAX_DELAY_MS, Math.max(0, at - nowMs));
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici reports every network failure as "fetch failed"; the cause holds the useful part (ECONNREFUSED, …).
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const why = cause ? [cause.code, cause.message].filter((s) => typeof s === 'string' && s).join(' ') : '';
  return (why ? `${err.message} (${why})` : err.message).slice(0, DETAIL_SNIPPET);
}
