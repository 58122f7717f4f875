import { identityKey, identityDigest, normaliseValue } from '../identity/identities.js';
import type { Identity } from '../identity/types.js';
import { openContact, sealContact } from '../privacy/contactSeal.js';
import { batchGetAll } from './batchGet.js';
import { batchWriteAll } from './batchWrite.js';

/**
 * The contacts table: the addresses email and SMS deliver to. Ingest seals emails and phones into digests before
 * the stream (core/ingest/protectPersonalData.ts), so nothing downstream can send to them; ingest also keeps each
 * address here, sealed (core/privacy/contactSeal.ts), under its identity key (`EMAIL#<digest>`): the key a
 * profile's identities already name, so delivery and erasure find it from the profile alone.
 */

export type ContactKind = 'EMAIL' | 'PHONE';

/** An address to keep: its identity key and its normalised value (`ann@example.com`, `+447700900123`). */
export interface Contact {
  id: string;
  address: string;
}

/** A value ingest already sealed: no address in it to keep. */
const SEALED = /^hmac:/;

/**
 * The contact an email or phone trait gives, or null when the value is not a usable address (or was sealed).
 *
 * @example
 * contactOf('EMAIL', ' Ann@Example.com ', secret) // { id: 'EMAIL#<hmac>', address: 'ann@example.com' }
 */
export function contactOf(kind: ContactKind, raw: unknown, secret: string): Contact | null {
  if (typeof raw === 'string' && SEALED.test(raw)) return null;
  const address = normaliseValue(kind, raw);
  return address === null ? null : { id: identityKey({ kind, value: identityDigest(address, secret) }), address };
}

/** Keeps addresses, sealed; the same address twice is one item (its id is its digest). Idempotent. */
export async function putContacts(table: string, contacts: readonly Contact[], secret: string, at: string): Promise<void> {
  const unique = [...new Map(contacts.map((c) => [c.id, c])).values()];
  await batchWriteAll(table, unique.map((c) => ({ PutRequest: { Item: { id: c.id, sealed: sealContact(c.address, c.id, secret), updatedAt: at } } })));
}

/**
 * The addresses kept for a profile's email and phone identities (`kinds`), most recently first seen first:
 * what delivery picks from and what an export lists. Identities without a kept address are left out.
 *
 * @example
 * await keptAddresses(table, profile.identities, ['EMAIL'], secret) // [{ kind: 'EMAIL', address: 'ann@example.com', firstSeenAt: '…' }]
 */
export async function keptAddresses(
  table: string,
  identities: readonly Identity[],
  kinds: readonly ContactKind[],
  secret: string,
): Promise<Array<{ kind: ContactKind; address: string; firstSeenAt: string }>> {
  const candidates = identities
    .filter((i): i is Identity & { kind: ContactKind } => (kinds as readonly string[]).includes(i.kind))
    .sort((a, b) => (a.firstSeenAt < b.firstSeenAt ? 1 : a.firstSeenAt > b.firstSeenAt ? -1 : 0));
  if (candidates.length === 0) return [];
  const items = new Map((await batchGetAll(table, candidates.map((i) => ({ id: identityKey(i) })))).map((item) => [String(item.id), item]));
  const out: Array<{ kind: ContactKind; address: string; firstSeenAt: string }> = [];
  for (const identity of candidates) {
    const id = identityKey(identity);
    const sealed = items.get(id)?.sealed;
    const address = typeof sealed === 'string' ? openContact(sealed, id, secret) : null;
    if (address) out.push({ kind: identity.kind, address, firstSeenAt: identity.firstSeenAt });
  }
  return out;
}

/**
 * The address to deliver to on `kind`: of the profile's identities of that kind, the most recently first seen
 * whose address is kept. Null when it has none (never identified with one, or erased).
 *
 * @example
 * await contactAddress(table, profile.identities, 'EMAIL', secret) // 'ann@example.com'
 */
export async function contactAddress(table: string, identities: readonly Identity[], kind: ContactKind, secret: string): Promise<string | null> {
  return (await keptAddresses(table, identities, [kind], secret))[0]?.address ?? null;
}
