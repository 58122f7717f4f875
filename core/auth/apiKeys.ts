import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { getApiKeyItem, putApiKeyItem } from '../store/apiKeys.js';
import { AuthFailureThrottle } from './authThrottle.js';
import { LruCache } from './lru.js';

/** What a key may do. `admin` implies every other scope. */
export const SCOPES = ['events:write', 'profiles:read', 'rules:write', 'campaigns:write', 'analytics:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  keyHash: string;
  name: string;
  scopes: Scope[];
  /** Requests per second this key may make (token bucket refill rate). */
  rateLimit: number;
  active: boolean;
}

const apiKeySchema = z.object({
  keyHash: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  rateLimit: z.number().positive(),
  active: z.boolean(),
});

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
  | { ok: false; status: 429; code: 'RATE_LIMITED'; message: string; retryAfterSeconds: number };

/** How long a key read from the table is trusted (a revoked key stops working within this). */
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
  const res = { Item: await getApiKeyItem(table, keyHash) };
  const parsed = apiKeySchema.safeParse(res.Item);
  if (parsed.success) {
    known.set(keyHash, parsed.data, now + KNOWN_KEY_TTL_MS);
    return parsed.data;
  }
  unknown.set(keyHash, true, now + UNKNOWN_KEY_TTL_MS);
  return null;
}

/**
 * Checks an `x-api-key` header against the keys table and the scope the route needs. A missing or unknown key
 * gets 401, a known key without the scope 403; neither message says which keys exist.
 *
 * With `source` (the client's address: API Gateway's `requestContext.http.sourceIp`), failed authentications
 * are counted per source, and a source past {@link AuthFailureThrottle}'s limit gets 429 with
 * `retryAfterSeconds` for every request, whatever key it sends, until its window ends.
 *
 * @example
 * const auth = await authenticate(table, headers['x-api-key'], 'events:write', event.requestContext.http.sourceIp);
 * if (!auth.ok) return { statusCode: auth.status, body: … };
 */
export async function authenticate(table: string, presented: string | undefined, scope: Scope, source?: string): Promise<AuthResult> {
  const now = Date.now();
  if (source !== undefined) {
    const wait = failures.blockedFor(source, now);
    if (wait > 0) {
      return { ok: false, status: 429, code: 'RATE_LIMITED', message: 'too many failed authentications from this address', retryAfterSeconds: wait };
    }
  }
  if (!presented) return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: 'missing x-api-key header' };
  const keyHash = hashKey(presented);
  const key = await lookup(table, keyHash, now);
  // Compare the hashes in constant time so response timing does not hint at near-misses.
  if (!key || !key.active || key.keyHash.length !== keyHash.length || !timingSafeEqual(Buffer.from(key.keyHash), Buffer.from(keyHash))) {
    if (source !== undefined) failures.fail(source, now);
    return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: 'invalid API key' };
  }
  if (!key.scopes.includes(scope) && !key.scopes.includes('admin')) {
    return { ok: false, status: 403, code: 'FORBIDDEN', message: `this key lacks the ${scope} scope` };
  }
  return { ok: true, key };
}

/**
 * Stores a key (by hash). Used by the local runtime for the admin key and by `npm run keys` on AWS.
 *
 * @example
 * await putApiKey(table, generateKey(), { name: 'partner-acme', scopes: ['events:write'], rateLimit: 50 });
 */
export async function putApiKey(
  table: string,
  key: string,
  options: { name: string; scopes: Scope[]; rateLimit?: number },
): Promise<ApiKey> {
  const item: ApiKey = {
    keyHash: hashKey(key),
    name: options.name,
    scopes: options.scopes,
    rateLimit: options.rateLimit ?? 200,
    active: true,
  };
  await putApiKeyItem(table, item);
  known.delete(item.keyHash);
  unknown.delete(item.keyHash);
  return item;
}
