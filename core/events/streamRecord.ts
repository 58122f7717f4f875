import { isPlaceholderId } from './placeholderIds.js';
import type { StoredEvent } from './schema.js';

/**
 * Reading the `events` stream. Ingest has already validated each event against the full contract
 * (`eventSchema`) and normalised it; the stream is written by nothing else. The tagger still checks every record
 * for what the profile engine relies on, so that a record from anywhere else fails alone (and goes to the
 * on-failure destination) instead of corrupting a profile. This check is hand-written rather than a second zod
 * parse because it runs for every record of every batch: the zod parse cost about a fifth of the tagger's
 * compute (`npm run bench:engine`). test/unit/streamRecord.test.ts holds it to the contract.
 */

const TYPES = new Set(['track', 'identify', 'alias']);
const ENVELOPE_KEYS = new Set(['type', 'event', 'eventId', 'userId', 'anonymousId', 'previousId', 'timestamp', 'properties', 'traits', 'context']);
/** The only form ingest writes (`Date.prototype.toISOString`), so string order is time order. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CONTEXT_STRINGS = ['channel', 'country', 'locale'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;
/** Ingest drops placeholder ids; one on the stream would route strangers' events to one profile. */
const isIdentityId = (v: unknown): v is string => isId(v) && !isPlaceholderId(v);
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);

function isStoredEvent(e: unknown): e is StoredEvent {
  if (!isObject(e)) return false;
  for (const key in e) if (!ENVELOPE_KEYS.has(key)) return false;
  if (typeof e.type !== 'string' || !TYPES.has(e.type)) return false;
  if (!isId(e.eventId) || e.eventId.length > 128) return false;
  if (!optional(e.userId, isIdentityId) || !optional(e.anonymousId, isIdentityId) || !optional(e.previousId, isIdentityId)) return false;
  if (e.userId === undefined && e.anonymousId === undefined) return false;
  if (e.type === 'track' ? !isId(e.event) : e.event !== undefined) return false;
  if (e.type === 'alias' && (e.previousId === undefined || e.userId === undefined)) return false;
  if (typeof e.timestamp !== 'string' || !CANONICAL_TIME.test(e.timestamp) || Number.isNaN(Date.parse(e.timestamp))) return false;
  if (!optional(e.properties, isObject) || !optional(e.traits, isObject)) return false;
  if (e.context !== undefined) {
    if (!isObject(e.context)) return false;
    for (const key of CONTEXT_STRINGS) if (!optional(e.context[key], (v) => typeof v === 'string')) return false;
    if (!optional(e.context.device, isObject) || !optional(e.context.wechat, isObject)) return false;
  }
  return true;
}

/**
 * The event of one `events` stream record (Kinesis `data`, base64), or null for a record that is not one.
 *
 * @example
 * const event = readStreamRecord(record.kinesis.data); // null: poison, report the record as failed
 */
export function readStreamRecord(base64: string): StoredEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (!isObject(body) || body.v !== 1 || typeof body.receivedAt !== 'string' || typeof body.source !== 'string') return null;
  return isStoredEvent(body.event) ? body.event : null;
}
