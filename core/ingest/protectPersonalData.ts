import type { StoredEvent } from '../events/schema.js';
import { normaliseIdentity } from '../identity/identities.js';
import { redactText } from '../privacy/redact.js';
import { contactOf, type Contact, type ContactKind } from '../store/contacts.js';

/** The traits that carry personal identities, and their kinds. */
const PERSONAL: ReadonlyArray<[string, ContactKind]> = [
  ['email', 'EMAIL'],
  ['phone', 'PHONE'],
];

/** A traits object with a usable email or phone as `hmac:…` and an unusable one dropped; the same object when it has neither. */
function sealTraits<T extends Record<string, unknown> | undefined>(traits: T, secret: string): T {
  if (!traits || !PERSONAL.some(([key]) => Object.hasOwn(traits, key))) return traits;
  const sealed: Record<string, unknown> = { ...traits };
  for (const [key, kind] of PERSONAL) {
    if (!Object.hasOwn(sealed, key)) continue;
    const ref = normaliseIdentity(kind, sealed[key], secret);
    // The digest is what the tagger links by (normaliseIdentity takes a sealed value as it is).
    if (ref) sealed[key] = `hmac:${ref.value}`;
    else delete sealed[key];
  }
  return sealed as T;
}

/** The traits objects of an event that may carry an email or phone: its own and the `context.traits` some SDKs send. */
function traitsObjects(event: StoredEvent): Array<Record<string, unknown>> {
  const ctxTraits = (event.context as { traits?: unknown } | undefined)?.traits;
  const out = event.traits ? [event.traits as Record<string, unknown>] : [];
  if (ctxTraits && typeof ctxTraits === 'object' && !Array.isArray(ctxTraits)) out.push(ctxTraits as Record<string, unknown>);
  return out;
}

/**
 * The raw emails and phones an event carries, as contacts to keep for delivery (core/store/contacts.ts): read
 * before {@link protectPersonalData} seals them, since afterwards nothing holds the address.
 *
 * @example
 * contactsOf({ type: 'identify', userId: 'u1', traits: { email: 'Ann@Example.com' }, … }, secret) // [{ id: 'EMAIL#…', address: 'ann@example.com' }]
 */
export function contactsOf(event: StoredEvent, secret: string): Contact[] {
  const out: Contact[] = [];
  for (const traits of traitsObjects(event)) {
    for (const [key, kind] of PERSONAL) {
      const contact = Object.hasOwn(traits, key) ? contactOf(kind, traits[key], secret) : null;
      if (contact) out.push(contact);
    }
  }
  return out;
}

/**
 * What ingest does to personal data before an event reaches the stream, so no stream, dead letter, archive or log
 * holds it (docs/architecture.md, "Personal data"): the raw email and phone of its traits (and of the
 * `context.traits` some SDKs copy them into) become their keyed digests, and a `message_received` text has its
 * card numbers, emails and phone numbers redacted. An event with none of these is returned as it is (no copy).
 *
 * @example
 * protectPersonalData(event, secret) // traits.email: 'hmac:3f…'
 */
export function protectPersonalData(event: StoredEvent, secret: string): StoredEvent {
  const traits = sealTraits(event.traits, secret);
  const ctx = event.context as (Record<string, unknown> & { traits?: unknown }) | undefined;
  const ctxTraits = ctx && typeof ctx.traits === 'object' && ctx.traits !== null && !Array.isArray(ctx.traits) ? (ctx.traits as Record<string, unknown>) : undefined;
  const sealedCtxTraits = sealTraits(ctxTraits, secret);
  const context = sealedCtxTraits !== ctxTraits ? ({ ...ctx, traits: sealedCtxTraits } as StoredEvent['context']) : event.context;
  const text = event.event === 'message_received' ? event.properties?.text : undefined;
  const properties = typeof text === 'string' ? { ...event.properties, text: redactText(text) } : event.properties;
  if (traits === event.traits && context === event.context && properties === event.properties) return event;
  return { ...event, ...(traits ? { traits } : {}), ...(context ? { context } : {}), ...(properties ? { properties } : {}) };
}
