import { createHash } from 'node:crypto';
import type * as z from 'zod';
import {
  MAX_CONSENT_PURPOSE_LENGTH,
  MAX_CONSENT_PURPOSES,
  MAX_TRAIT_KEY_LENGTH,
  MAX_TRAIT_VALUE_BYTES,
  MAX_TRAITS,
  MAX_TRAITS_BYTES,
} from './traitLimits.js';
import {
  eventSchema,
  MAX_EVENT_BYTES,
  MAX_EVENTS_PER_REQUEST,
  MAX_FUTURE_SKEW_MS,
  type StoredEvent,
} from './schema.js';
import { checkEventShape, type ShapeViolation } from './shape.js';

/** Why one item of a request was not accepted. */
export interface Rejection {
  /** Position in the request's `events` array; -1 for the request as a whole. */
  index: number;
  code: RejectionCode;
  message: string;
}

export type RejectionCode =
  | 'MALFORMED_JSON'
  | 'BAD_REQUEST'
  | 'TOO_MANY_EVENTS'
  | 'EVENT_TOO_LARGE'
  | 'INVALID_EVENT'
  | 'BAD_TIMESTAMP'
  | 'MISSING_USER'
  | 'UNKNOWN_FIELD'
  | 'TOO_MANY_TRAITS'
  | 'TRAIT_TOO_LARGE'
  | 'STREAM_UNAVAILABLE'
  | ShapeViolation['code']
  | 'DUPLICATE_EVENT_ID';

export interface ValidatedBatch {
  /** Valid events with their request index, `eventId` filled in. */
  valid: Array<{ index: number; event: StoredEvent }>;
  rejected: Rejection[];
}

/**
 * Derives the dedup key of an event sent without `eventId`: a hash of everything that identifies it, so a client
 * that resends the same event gets the same id.
 *
 * @example
 * deriveEventId({ type: 'track', event: 'login', userId: 'u1', timestamp: '2011-09-09T10:00:00Z' }) // 'd-5c0e…'
 */
export function deriveEventId(event: Omit<StoredEvent, 'eventId'>): string {
  const canonical = JSON.stringify([
    event.type,
    event.event ?? null,
    event.userId ?? null,
    event.anonymousId ?? null,
    event.previousId ?? null,
    new Date(event.timestamp).toISOString(),
    sortKeys(event.properties ?? {}),
    sortKeys(event.traits ?? {}),
  ]);
  return `d-${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The path of the first `__proto__` key in `value` (own keys, any depth), or null. A `__proto__` key is the one
 * JSON key a JavaScript object cannot hold as data by assignment (it replaces the prototype instead), so such an
 * event is refused rather than stored with the key silently dropped or, downstream, turned into a prototype.
 */
export function protoKeyPath(value: unknown, path: string[] = [], depth = 0): string[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (depth > 64) return [...path, '…']; // too deep to look through: refused, since the word is in the text
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = protoKeyPath(value[i], [...path, String(i)], depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const k of Object.keys(value)) {
    if (k === '__proto__') return [...path, k];
    const found = protoKeyPath((value as Record<string, unknown>)[k], [...path, k], depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Why an event's traits are over the profile caps (core/profile/limits.ts), or null: too many keys or consent
 * purposes (`TOO_MANY_TRAITS`), a key, a value or the whole over its size (`TRAIT_TOO_LARGE`). Refused at ingest,
 * per item, rather than kept out silently later by the fold.
 */
export function traitsProblem(traits: Record<string, unknown>): { code: RejectionCode; message: string } | null {
  const keys = Object.keys(traits);
  if (keys.length > MAX_TRAITS) {
    return { code: 'TOO_MANY_TRAITS', message: `traits has ${keys.length} keys; the limit is ${MAX_TRAITS}` };
  }
  let total = 2;
  for (const key of keys) {
    if (key.length > MAX_TRAIT_KEY_LENGTH) {
      return { code: 'TRAIT_TOO_LARGE', message: `trait key "${key.slice(0, 32)}…" is longer than ${MAX_TRAIT_KEY_LENGTH} characters` };
    }
    const value = traits[key];
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
    if (bytes > MAX_TRAIT_VALUE_BYTES && key !== 'consent') {
      return { code: 'TRAIT_TOO_LARGE', message: `traits.${key} is ${bytes} bytes; the limit is ${MAX_TRAIT_VALUE_BYTES}` };
    }
    total += Buffer.byteLength(JSON.stringify(key)) + bytes + 2;
    if (key === 'consent' && value && typeof value === 'object' && !Array.isArray(value)) {
      const purposes = Object.keys(value);
      if (purposes.length > MAX_CONSENT_PURPOSES) {
        return { code: 'TOO_MANY_TRAITS', message: `traits.consent has ${purposes.length} purposes; the limit is ${MAX_CONSENT_PURPOSES}` };
      }
      const long = purposes.find((p) => p.length > MAX_CONSENT_PURPOSE_LENGTH);
      if (long !== undefined) {
        return { code: 'TRAIT_TOO_LARGE', message: `consent purpose "${long.slice(0, 32)}…" is longer than ${MAX_CONSENT_PURPOSE_LENGTH} characters` };
      }
    }
  }
  if (total > MAX_TRAITS_BYTES) {
    return { code: 'TRAIT_TOO_LARGE', message: `traits are ${total} bytes; the limit is ${MAX_TRAITS_BYTES}` };
  }
  return null;
}

function classify(issues: z.core.$ZodIssue[]): RejectionCode {
  // The most specific cause wins when an event has several problems.
  if (issues.some((i) => i.code === 'unrecognized_keys')) return 'UNKNOWN_FIELD';
  if (issues.some((i) => i.path[0] === 'userId' && i.message.includes('userId or anonymousId'))) return 'MISSING_USER';
  if (issues.some((i) => i.path[0] === 'timestamp')) return 'BAD_TIMESTAMP';
  return 'INVALID_EVENT';
}

function describe(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.length ? i.path.join('.') : 'event';
      if (i.code === 'unrecognized_keys') return `unknown field(s): ${i.keys.join(', ')}`;
      return `${where}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Validates one event. The wall-clock `receivedAt` is used only to reject timestamps from the far future;
 * everything downstream runs on the event's own time.
 */
export function validateEvent(
  raw: unknown,
  index: number,
  receivedAt: number,
): { ok: true; event: StoredEvent } | { ok: false; rejection: Rejection } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, rejection: { index, code: 'INVALID_EVENT', message: 'an event must be a JSON object' } };
  }
  // Before anything serializes or walks it: deep nesting overflows recursive code (JSON.stringify included).
  const shape = checkEventShape(raw);
  if (shape) return { ok: false, rejection: { index, ...shape } };
  const serialized = JSON.stringify(raw);
  const bytes = Buffer.byteLength(serialized);
  if (bytes > MAX_EVENT_BYTES) {
    return {
      ok: false,
      rejection: { index, code: 'EVENT_TOO_LARGE', message: `event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}` },
    };
  }
  // The walk runs only when the text holds the word at all (almost never).
  const protoPath = serialized.includes('"__proto__"') ? protoKeyPath(raw) : null;
  if (protoPath) {
    return {
      ok: false,
      rejection: { index, code: 'INVALID_EVENT', message: `${protoPath.join('.')}: "__proto__" is not allowed as a key` },
    };
  }
  const parsed = eventSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, rejection: { index, code: classify(parsed.error.issues), message: describe(parsed.error.issues) } };
  }
  const e = parsed.data;
  const traits = e.traits ? traitsProblem(e.traits) : null;
  if (traits) return { ok: false, rejection: { index, ...traits } };
  if (Date.parse(e.timestamp) > receivedAt + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      rejection: { index, code: 'BAD_TIMESTAMP', message: 'timestamp is more than 24 hours in the future' },
    };
  }
  // Store one canonical form of the time so string comparisons order events correctly.
  const normalised = { ...e, timestamp: new Date(e.timestamp).toISOString() };
  return { ok: true, event: { ...normalised, eventId: e.eventId ?? deriveEventId(normalised) } };
}

/**
 * Validates a parsed request body `{ "events": [...] }` item by item: invalid items are rejected with a reason
 * while the valid ones go on. Items past {@link MAX_EVENTS_PER_REQUEST} are rejected, not the whole request.
 *
 * @example
 * const { valid, rejected } = validateBatch(JSON.parse(body), Date.now());
 */
export function validateBatch(body: unknown, receivedAt: number): ValidatedBatch {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('events' in body)) {
    return { valid: [], rejected: [{ index: -1, code: 'BAD_REQUEST', message: 'body must be {"events": [...]}' }] };
  }
  const events = (body as { events: unknown }).events;
  if (!Array.isArray(events)) {
    return { valid: [], rejected: [{ index: -1, code: 'BAD_REQUEST', message: '"events" must be an array' }] };
  }
  const result: ValidatedBatch = { valid: [], rejected: [] };
  events.forEach((raw, index) => {
    if (index >= MAX_EVENTS_PER_REQUEST) {
      result.rejected.push({
        index,
        code: 'TOO_MANY_EVENTS',
        message: `a request carries at most ${MAX_EVENTS_PER_REQUEST} events; resend this one in another request`,
      });
      return;
    }
    const checked = validateEvent(raw, index, receivedAt);
    if (checked.ok) result.valid.push({ index, event: checked.event });
    else result.rejected.push(checked.rejection);
  });
  return result;
}
