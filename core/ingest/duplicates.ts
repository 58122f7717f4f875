import type { Rejection } from '../events/validate.js';
import type { StoredEvent } from '../events/schema.js';

/**
 * Events of one request that share an `eventId`. The `eventId` is the dedup key downstream (the fold keeps the
 * first it sees), so two different events under one id would both be "accepted" and one silently lost.
 *
 * - A later event with the same id and different content is rejected on its own (`DUPLICATE_EVENT_ID`); the
 *   first one in the request is kept. This is a client bug, and the client is told which item it was.
 * - An exact copy (same content once keys are sorted) is accepted, as Segment accepts a resent `messageId`
 *   and Kinesis consumers dedup at-least-once writes: it is written once, and its outcome is that of the first
 *   copy (stored, or `STREAM_UNAVAILABLE` with it).
 */
export interface DuplicateCheck<T> {
  /** The events to write: the first of each `eventId`, in request order. */
  unique: T[];
  /** Exact copies: request index of the copy → request index of the first event with that id. */
  copies: Map<number, number>;
  conflicts: Rejection[];
}

/**
 * Splits the valid events of a request into unique events, exact copies and conflicting duplicates.
 *
 * @example
 * const { unique, copies, conflicts } = checkDuplicateEventIds(valid);
 */
export function checkDuplicateEventIds<T extends { index: number; event: StoredEvent }>(valid: T[]): DuplicateCheck<T> {
  const seen = new Map<string, { index: number; canonical: string }>();
  const result: DuplicateCheck<T> = { unique: [], copies: new Map(), conflicts: [] };
  for (const item of valid) {
    const canonical = canonicalJson(item.event);
    const first = seen.get(item.event.eventId);
    if (!first) {
      seen.set(item.event.eventId, { index: item.index, canonical });
      result.unique.push(item);
    } else if (first.canonical === canonical) {
      result.copies.set(item.index, first.index);
    } else {
      result.conflicts.push({
        index: item.index,
        code: 'DUPLICATE_EVENT_ID',
        message: `event ${first.index} of this request has the same eventId and different content; give each event its own eventId`,
      });
    }
  }
  return result;
}

/**
 * JSON with object keys sorted, so key order does not make two copies differ. Recursive: it runs only on events
 * that passed the shape check (`core/events/shape.ts`), at most 16 levels deep.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
