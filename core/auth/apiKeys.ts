import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { grants, SCOPES, type Scope } from './scopes.js';
import { getApiKeyItem, putApiKeyItem } from '../store/apiKeys.js';
import { AuthFailureThrottle } from './authThrottle.js';
import { LruCache } from './lru.js';

export { SCOPES, type Scope } from './scopes.js';

export interface ApiKey {
  /** Public id (`key_` and 16 hex characters of the hash): what admins list, revoke and rotate by. */
  id: string;
  keyHash: string;
  name: string;
  scopes: Scope[];
  /** Requests per second this key may make, over every container (core/auth/usage.ts). */
  rateLimit: number;
  /** Requests per UTC day, over every container; unset: no quota. */
  dailyQuota?: number;
  /** False once revoked (kept for the audit and the listing). */
  active: boolean;
  createdAt?: string;
  /** The key (or `local`, `cli`) that created it. */
  createdBy?: string;
  /** After this instant the key is refused; unset: never expires. */
  expiresAt?: string;
  revokedAt?: string;
  /** The key this one replaced (rotateApiKey). */
  rotatedFrom?: string;
  /** Only registered GraphQL operations (gateway/persistedOperations.ts). */
  persistedOnly?: boolean;
  /** Browser origins the key may be used from (a write key in a page is public); unset: any caller. */
  allowedOrigins?: string[];
}

const apiKeySchema = z.object({
  id: z.string(),
  keyHash: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  rateLimit: z.number().positive(),
  dailyQuota: z.number().int().positive().optional(),
  active: z.boolean(),
  createdAt: z.string().optional(),
  createdBy: z.string().optional(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  rotatedFrom: z.string().optional(),
  persistedOnly: z.boolean().optional(),
  allowedOrigins: z.array(z.string()).optional(),
});

/** Parses a keys-table item; null for anything else (an old or hand-written item is no key). */
export function parseApiKey(item: unknown): ApiKey | null {
  const parsed = apiKeySchema.safeParse(item);
  return parsed.success ? parsed.data : null;
}

/** A key's public id, derived from its hash so that storing the same key again keeps its id. */
export const keyId = (keyHash: string) => `key_${keyHash.slice(0, 16)}`;

/** Whether a key is usable at `now`: not revoked, not expired. */
export function isUsable(key: ApiKey, now: number): boolean {
  return key.active && (key.expiresAt === undefined || Date.parse(key.expiresAt) > now);
}

/** Keys are stored by SHA-256 only; a leaked table does not leak usable keys. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new random key, `og_` followed by 40 hex characters. */
export function generateKey(): string {
  return `og_${randomBytes(20).toString('hex')}`;
}

export type AuthResult =
  | { ok: true; key: ApiKey }
  | { ok: false; status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string }
  | { ok: false; status: 429; code: 'RATE_LIMITED' | 'QUOTA_EXCEEDED'; message: string; retryAfterSeconds: number };

/** How long a key read from the table is trusted: a key revoked in another container stops working within this. */
export const KNOWN_KEY_TTL_MS = 30_000;
/** How long "no such key" is trusted: short, so a key created meanwhile works soon. */
export const UNKNOWN_KEY_TTL_MS = 5_000;
/** Entries per cache. Unknown keys have their own cache, so a flood of random keys cannot evict the real ones. */
export const MAX_CACHED_KEYS = 1_000;
export const MAX_CACHED_UNKNOWN_KEYS = 1_000;

const known = new LruCache<string, ApiKey>(MAX_CACHED_KEYS);
const unknown = new LruCache<string, true>(MAX_CACHED_UNKNOWN_KEYS);
const failures = new AuthFailureThrottle();

/** Entries in the key caches now (bounded by {@link MAX_CACHED_KEYS} and {@link MAX_CACHED_UNKNOWN_KEYS}). */
export function apiKeyCacheSize(): { known: number; unknown: number; throttledSources: number } {
  return { known: known.size, unknown: unknown.size, throttledSources: failures.size };
}

async function lookup(table: string, keyHash: string, now: number): Promise<ApiKey | null> {
  const hit = known.get(keyHash, now);
  if (hit) return hit;
  if (unknown.get(keyHash, now)) return null;
  const key = parseApiKey(await getApiKeyItem(table, keyHash));
  if (key) {
    known.set(keyHash, key, now + KNOWN_KEY_TTL_MS);
    return key;
  }
  unknown.set(keyHash, true, now + UNKNOWN_KEY_TTL_MS);
  return null;
}

/**
 * Checks an API key against the keys table and the scope the route needs (none: any usable key, as for GraphQL,
 * whose fields check their own scopes). A missing, unknown, revoked or expired key gets 401, a known key without
 * the scope 403; neither message says which keys exist.
 *
 * With `source` (the client's address: API Gateway's `requestContext.http.sourceIp`), failed authentications
 * are counted per source, and a source past {@link AuthFailureThrottle}'s limit gets 429 with
 * `retryAfterSeconds` for every request, whatever key it sends, until its window ends.
 *
 * @example
 * const auth = await authenticate(table, headers['x-api-key'], 'events:write', event.requestContext.http.sourceIp);
 * if (!auth.ok) return { statusCode: auth.status, body: … };
 */
export async function authenticate(table: string, presented: string | undefined, scope: Scope | undefined, source?: string): Promise<AuthResult> {
  const now = Date.now();
  if (source !== undefined) {
    const wait = failures.blockedFor(source, now);
    if (wait > 0) {
      return { ok: false, status: 429, code: 'RATE_LIMITED', message: 'too many failed authentications from this address', retryAfterSeconds: wait };
    }
  }
  if (!presented) return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: 'missing API key (x-api-key header)' };
  const keyHash = hashKey(presented);
  const key = await lookup(table, keyHash, now);
  // Compare the hashes in constant time so response timing does not hint at near-misses.
  if (!key || !isUsable(key, now) || key.keyHash.length !== keyHash.length || !timingSafeEqual(Buffer.from(key.keyHash), Buffer.from(keyHash))) {
    if (source !== undefined) failures.fail(source, now);
    return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: 'invalid API key' };
  }
  if (scope && !grants(key.scopes, scope)) {
    return { ok: false, status: 403, code: 'FORBIDDEN', message: `this key lacks the ${scope} scope` };
  }
  return { ok: true, key };
}

/**
 * Stores a key (by hash), replacing any item of the same key. Used by the local runtime for its admin key and by
 * tests; admins create keys through core/auth/keyManagement.ts.
 *
 * @example
 * await putApiKey(table, generateKey(), { name: 'partner-acme', scopes: ['events:write'], rateLimit: 50 });
 */
export async function putApiKey(
  table: string,
  key: string,
  options: { name: string; scopes: Scope[]; rateLimit?: number; dailyQuota?: number; expiresAt?: string; createdBy?: string },
): Promise<ApiKey> {
  const item = newKeyItem(key, {
    name: options.name,
    scopes: options.scopes,
    rateLimit: options.rateLimit ?? 200,
    dailyQuota: options.dailyQuota,
    expiresAt: options.expiresAt,
    createdAt: new Date().toISOString(),
    createdBy: options.createdBy ?? 'local',
  });
  await putApiKeyItem(table, item);
  forgetKey(item.keyHash);
  return item;
}

/**
 * The stored item of a new key: its hash and the public id derived from it, active, with the details given
 * (unset ones left out).
 *
 * @example
 * newKeyItem(generateKey(), { name: 'web', scopes: ['events:write'], rateLimit: 50 })
 */
export function newKeyItem(key: string, details: Omit<ApiKey, 'id' | 'keyHash' | 'active'>): ApiKey {
  const keyHash = hashKey(key);
  const set = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
  return { id: keyId(keyHash), keyHash, active: true, ...(set as typeof details) };
}

/** Drops a key from this container's caches (after this container changed it); others notice within the TTL. */
export function forgetKey(keyHash: string): void {
  known.delete(keyHash);
  unknown.delete(keyHash);
}
