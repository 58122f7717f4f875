import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Email addresses and phone numbers kept for delivery are sealed with AES-256-GCM under a key derived (HKDF-SHA256)
 * from the stage's identity key, so reading the contacts table is not enough to read an address: the key lives in
 * Secrets Manager (docs/architecture.md, "Personal data"). The item's id is the additional data, so a sealed value
 * copied onto another person's item does not open.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keys = new Map<string, Buffer>();

function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    if (!secret) throw new Error('contact sealing needs the identity key (IDENTITY_HASH_SECRET)');
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'opsgraph contacts v1', 32));
    keys.set(secret, key);
  }
  return key;
}

/**
 * `v1.<iv>.<ciphertext+tag>` (base64url) of `address`, bound to `id`.
 *
 * @example
 * sealContact('ann@example.com', 'EMAIL#3f…', secret) // 'v1.Zk2…'
 */
export function sealContact(address: string, id: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv).setAAD(Buffer.from(id));
  const sealed = Buffer.concat([cipher.update(address, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/**
 * The address {@link sealContact} sealed for `id`, or null when the value is not one (another key, another id,
 * tampered or truncated).
 *
 * @example
 * openContact(item.sealed, item.id, secret) // 'ann@example.com'
 */
export function openContact(sealed: string, id: string, secret: string): string | null {
  const [version, iv, body] = sealed.split('.');
  if (version !== VERSION || !iv || !body) return null;
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length <= TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), Buffer.from(iv, 'base64url')).setAAD(Buffer.from(id));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
