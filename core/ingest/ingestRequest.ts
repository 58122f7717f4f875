import { MAX_EVENTS_PER_REQUEST, MAX_REQUEST_BYTES, type StreamRecord } from '../events/schema.js';
import { validateBatch, type Rejection } from '../events/validate.js';
import { putRecordsWithRetry } from '../streams/putRecords.js';
import { checkDuplicateEventIds } from './duplicates.js';
import { putContacts } from '../store/contacts.js';
import { contactsOf, protectPersonalData } from './protectPersonalData.js';

/**
 * Items past which a request is refused whole (413) instead of item by item: each item past
 * {@link MAX_EVENTS_PER_REQUEST} gets its own `TOO_MANY_EVENTS` rejection, and without this bound a 4 MiB body of
 * two million tiny items answered 255 MB of rejections (far past Lambda's 6 MB response limit).
 */
export const MAX_ITEMS_REJECTED_ONE_BY_ONE = 2 * MAX_EVENTS_PER_REQUEST;

/** Seconds a client is asked to wait before resending the events the stream did not take. */
export const STREAM_RETRY_AFTER_SECONDS = 2;

export interface IngestResult {
  /**
   * 200 when everything valid was stored (some items may be rejected on their own), 400 when nothing valid was
   * sent, 413 for an oversized body, 503 when the stream did not take some valid events: the body then lists
   * those as `STREAM_UNAVAILABLE` and `accepted` counts the ones stored.
   */
  status: 200 | 400 | 413 | 503;
  body: { accepted: number; rejected: Rejection[] };
  /** Set with 503: the `Retry-After` the answer carries. */
  retryAfterSeconds?: number;
}

/**
 * The shard key. The anonymous id comes first: a visitor's anonymous events and the identify that links them to a
 * user then share a shard, so the tagger handles them in order and the merge of the anonymous profile never races
 * a write to it from another shard. Events of a known user from several devices may then use several shards;
 * the fold does not depend on order, and concurrent profile writes are version-checked and retried.
 */
export function partitionKeyOf(event: StreamRecord['event']): string {
  // An alias travels with the id it retires, so it is folded after that id's earlier events, never beside them on
  // another shard (where the merge could miss a profile that was being written).
  if (event.type === 'alias' && event.previousId) return event.previousId;
  return event.anonymousId ?? event.userId ?? event.eventId;
}

export interface IngestOptions {
  stream: string;
  source: string;
  receivedAt: number;
  /** Epoch ms by which PutRecords retries must have ended (the function timeout minus a margin). */
  deadline?: number;
  /** The stage's identity key: raw emails and phones are sealed with it before the stream (core/ingest/protectPersonalData.ts). */
  identitySecret: string;
  /** Where the raw emails and phones are kept, sealed, for delivery (core/store/contacts.ts). */
  contactsTable: string;
}

/**
 * A request body's JSON, or the refusal of a body too large or not JSON. Its own step so that a route can read
 * the body (Segment's `writeKey`) before the events are ingested.
 *
 * @example
 * const body = parseRequestBody(text);
 * if (!body.ok) return body.refusal;
 */
export function parseRequestBody(rawBody: string): { ok: true; value: unknown } | { ok: false; refusal: IngestResult } {
  const bytes = Buffer.byteLength(rawBody);
  if (bytes > MAX_REQUEST_BYTES) {
    return {
      ok: false,
      refusal: {
        status: 413,
        body: {
          accepted: 0,
          rejected: [{ index: -1, code: 'BAD_REQUEST', message: `request is ${bytes} bytes; the limit is ${MAX_REQUEST_BYTES}` }],
        },
      },
    };
  }
  try {
    return { ok: true, value: JSON.parse(rawBody) };
  } catch (err) {
    return {
      ok: false,
      refusal: {
        status: 400,
        body: { accepted: 0, rejected: [{ index: -1, code: 'MALFORMED_JSON', message: `body is not JSON: ${(err as Error).message}` }] },
      },
    };
  }
}

/**
 * The ingest use case behind `POST /v1/events`, independent of HTTP: size check, JSON parse, per-item validation,
 * then PutRecords of the valid events. Invalid items are rejected one by one; the valid ones are still stored.
 *
 * @example
 * const { status, body } = await ingestRequest(rawBody, { stream, source: 'admin', receivedAt: Date.now() });
 */
export async function ingestRequest(rawBody: string, options: IngestOptions): Promise<IngestResult> {
  const body = parseRequestBody(rawBody);
  return body.ok ? ingestBody(body.value, options) : body.refusal;
}

/**
 * Ingests a parsed `{"events": [...]}` body (what {@link ingestRequest} does after the parse; the Segment routes
 * come here with their messages translated).
 */
export async function ingestBody(parsed: unknown, options: IngestOptions): Promise<IngestResult> {
  const items = (parsed as { events?: unknown } | null)?.events;
  if (Array.isArray(items) && items.length > MAX_ITEMS_REJECTED_ONE_BY_ONE) {
    return {
      status: 413,
      body: {
        accepted: 0,
        rejected: [{ index: -1, code: 'TOO_MANY_EVENTS', message: `request has ${items.length} events; the limit is ${MAX_EVENTS_PER_REQUEST}` }],
      },
    };
  }
  const { valid: validated, rejected } = validateBatch(parsed, options.receivedAt);
  const { unique: valid, copies, conflicts } = checkDuplicateEventIds(validated);
  rejected.push(...conflicts);
  const receivedAt = new Date(options.receivedAt).toISOString();
  // Before the stream: once an event is on it, its address is a digest that nothing can deliver to. A failure
  // here fails the request (500, safe to resend) rather than accept events whose addresses are lost.
  const contacts = valid.flatMap(({ event }) => contactsOf(event, options.identitySecret));
  if (contacts.length) await putContacts(options.contactsTable, contacts, options.identitySecret, receivedAt);
  const entries = valid.map(({ event }) => {
    const record: StreamRecord = { v: 1, receivedAt, source: options.source, event: protectPersonalData(event, options.identitySecret) };
    return { PartitionKey: partitionKeyOf(event), Data: Buffer.from(JSON.stringify(record)) };
  });
  const { stored, failed } = entries.length
    ? await putRecordsWithRetry(options.stream, entries, { deadline: options.deadline })
    : { stored: [], failed: [] };
  // Exact copies share the outcome of the first event with their eventId.
  const failedCode = new Map(failed.map((f) => [valid[f.index]!.index, f.code]));
  for (const [copy, first] of copies) if (failedCode.has(first)) failedCode.set(copy, failedCode.get(first)!);
  for (const [index, code] of failedCode) {
    rejected.push({
      index,
      code: 'STREAM_UNAVAILABLE',
      message: `the event stream did not take this event (${code}); resend it, its eventId makes that safe`,
    });
  }
  rejected.sort((a, b) => a.index - b.index);
  const accepted = stored.length + [...copies.values()].filter((first) => !failedCode.has(first)).length;
  // Not stored for want of the stream: a 5xx, which Segment-style clients retry (they drop events on a 4xx).
  if (failedCode.size > 0) return { status: 503, body: { accepted, rejected }, retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS };
  return { status: accepted > 0 ? 200 : 400, body: { accepted, rejected } };
}
