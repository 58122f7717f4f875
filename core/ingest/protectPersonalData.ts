import type { StoredEvent } from '../events/schema.js';
import { normaliseIdentity } from '../identity/identities.js';
import type { IdentityKind } from '../identity/types.js';
import { redactText } from '../privacy/redact.js';

/** The traits that carry personal identities, and their kinds. */
const PERSONAL: ReadonlyArray<[string, IdentityKind]> = [
  ['email', 'EMAIL'],
  ['phone', 'PHONE'],
];

/** Seals one traits object in place: a usable email or phone becomes `hmac:…`, an unusable one is dropped. */
function sealTraits(traits: Record<string, unknown> | undefined, secret: string): void {
  if (!traits) return;
  for (const [key, kind] of PERSONAL) {
    if (!Object.hasOwn(traits, key)) continue;
    const ref = normaliseIdentity(kind, traits[key], secret);
    // The digest is what the tagger links by (normaliseIdentity takes a sealed value as it is).
    if (ref) traits[key] = `hmac:${ref.value}`;
    else delete traits[key];
  }
}

/**
 * What ingest does to personal data before an event reaches the stream, so no stream, dead letter, archive or log
 * holds it (docs/architecture.md, "Personal data"): the raw email and phone of its traits (and of the
 * `context.traits` some SDKs copy them into) become their keyed digests, and a `message_received` text has its
 * card numbers, emails and phone numbers redacted.
 *
 * @example
 * protectPersonalData(event, secret) // traits.email: 'hmac:3f…'
 */
export function protectPersonalData(event: StoredEvent, secret: string): StoredEvent {
  const traits = event.traits ? { ...event.traits } : undefined;
  sealTraits(traits, secret);
  const ctx = event.context as (Record<string, unknown> & { traits?: unknown }) | undefined;
  let context = event.context;
  if (ctx && typeof ctx.traits === 'object' && ctx.traits !== null && !Array.isArray(ctx.traits)) {
    const copied = { ...(ctx.traits as Record<string, unknown>) };
    sealTraits(copied, secret);
    context = { ...ctx, traits: copied } as StoredEvent['context'];
  }
  let properties = event.properties;
  if (event.event === 'message_received' && typeof properties?.text === 'string') properties = { ...properties, text: redactText(properties.text) };
  return { ...event, ...(traits ? { traits } : {}), ...(context ? { context } : {}), ...(properties ? { properties } : {}) };
}

