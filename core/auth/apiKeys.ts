import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { getApiKeyItem, putApiKeyItem } from '../store/apiKeys.js';

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
  | { ok: false; status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string };

const CACHE_MS = 30_000;
const cache = new Map<string, { key: ApiKey | null; at: number }>();

async function lookup(table: string, keyHash: string, now: number): Promise<ApiKey | null> {
  const hit = cache.get(keyHash);
  if (hit && now - hit.at < CACHE_MS) return hit.key;
  const res = { Item: await getApiKeyItem(table, keyHash) };
  const parsed = apiKeySchema.safeParse(res.Item);
  const key = parsed.success ? parsed.data : null;
  cache.set(keyHash, { key, at: now });
  return key;
}

/**
 * Checks an `x-api-key` header against the keys table and the scope the route needs. A missing or unknown key
 * gets 401, a known key without the scope 403; neither message says which keys exist.
 *
 * @example
 * const auth = await authenticate(table, headers['x-api-key'], 'events:write');
 * if (!auth.ok) return { statusCode: auth.status, body: … };
 */
export async function authenticate(table: string, presented: string | undefined, scope: Scope): Promise<AuthResult> {
  if (!presented) return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: 'missing x-api-key header' };
  const keyHash = hashKey(presented);
  const key = await lookup(table, keyHash, Date.now());
  // Compare the hashes in constant time so response timing does not hint at near-misses.
  if (!key || !key.active || !timingSafeEqual(Buffer.from(key.keyHash), Buffer.from(keyHash))) {
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
  cache.delete(item.keyHash);
  return item;
}
