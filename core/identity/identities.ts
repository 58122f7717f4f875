import { createHash, createHmac } from 'node:crypto';
import { isPlaceholderId } from '../events/placeholderIds.js';
import type { StoredEvent } from '../events/schema.js';
import type { IdentityKind, IdentityRef } from './types.js';

/**
 * Kinds whose values are personal data: stored and keyed only as HMAC-SHA256 of the normalised value under the
 * stage's identity key, so a leaked table cannot be reversed by hashing every phone number (an unkeyed hash can).
 */
const HASHED: ReadonlySet<IdentityKind> = new Set(['EMAIL', 'PHONE']);

/** A personal identity sealed at ingest: `hmac:` and the hex digest. Only sealed values travel on the streams. */
const SEALED = /^hmac:([0-9a-f]{64})$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The keyed digest of a normalised personal identity value. */
export const identityDigest = (value: string, secret: string) => createHmac('sha256', secret).update(value).digest('hex');


/**
 * The normalised plain value of an identity as clients send it, or null for blocked or unusable values: emails
 * trimmed and lower-cased, phones reduced to `+` and digits. What {@link normaliseIdentity} hashes, and what the
 * contacts store keeps sealed for delivery (core/store/contacts.ts).
 *
 * @example
 * normaliseValue('EMAIL', ' Ann@Example.com ') // 'ann@example.com'
 */
export function normaliseValue(kind: IdentityKind, raw: unknown): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  let value = String(raw).trim();
  if (isPlaceholderId(value)) return null;
  if (kind === 'EMAIL') {
    value = value.toLowerCase();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) return null;
  } else if (kind === 'PHONE') {
    const digits = value.replace(/[^\d]/g, '');
    if (digits.length < 6 || /^0+$/.test(digits)) return null;
    value = (value.startsWith('+') ? '+' : '') + digits;
  }
  return value;
}

/**
 * Normalises an identity value as clients send it ({@link normaliseValue}), or returns null for blocked or
 * unusable values; emails and phones are then keyed-hashed with `secret` (the stage's identity key). A value
 * ingest already sealed (`hmac:…`) is taken as its digest. Without a secret, a raw value (from a record written
 * before sealing existed) gets the unkeyed SHA-256 it had then.
 *
 * @example
 * normaliseIdentity('EMAIL', ' Ann@Example.com ', secret) // { kind: 'EMAIL', value: hmac(secret, 'ann@example.com') }
 */
export function normaliseIdentity(kind: IdentityKind, raw: unknown, secret?: string): IdentityRef | null {
  if (HASHED.has(kind) && typeof raw === 'string') {
    const sealed = SEALED.exec(raw);
    if (sealed) return { kind, value: sealed[1]! };
  }
  const value = normaliseValue(kind, raw);
  if (value === null) return null;
  if (!HASHED.has(kind)) return { kind, value };
  return { kind, value: secret ? identityDigest(value, secret) : sha256(value) };
}

/** The identity table key: `<KIND>#<value>`, where the value is already hashed for personal kinds. */
export function identityKey(ref: IdentityRef): string {
  return `${ref.kind}#${ref.value}`;
}

/**
 * Every identity an event carries: user and anonymous ids, the device id, email and phone traits, and WeChat
 * ids from the context.
 */
export function identitiesOf(event: StoredEvent): IdentityRef[] {
  const ctx = event.context ?? {};
  const traits = event.traits ?? {};
  const candidates: Array<[IdentityKind, unknown]> = [
    ['USER_ID', event.userId],
    ['ANONYMOUS_ID', event.anonymousId],
    ['DEVICE_ID', ctx.device?.id],
    ['EMAIL', traits.email],
    ['PHONE', traits.phone],
    ['WECHAT_OPENID', ctx.wechat?.openid],
    ['WECHAT_UNIONID', ctx.wechat?.unionid],
  ];
  const out: IdentityRef[] = [];
  for (const [kind, raw] of candidates) {
    const ref = normaliseIdentity(kind, raw);
    if (ref) out.push(ref);
  }
  return out;
}

/** The profile id of a visitor known only by an anonymous id. */
export function anonymousProfileId(anonymousId: string): string {
  return `anon:${anonymousId}`;
}
