import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from '../http/response.js';
import { authenticate, type AuthResult } from './apiKeys.js';
import { RateLimiter } from './rateLimit.js';
import type { Scope } from './scopes.js';
import { admitUsage } from './usage.js';

/** This container's token buckets: a key over its rate here is turned away without a write to the usage table. */
const limiter = new RateLimiter();

/**
 * The API key a request presents: the `x-api-key` header, or HTTP Basic with the key as the user name (how
 * Segment and RudderStack SDKs send a write key), or `Authorization: Bearer og_…`.
 *
 * @example
 * presentedKey(event) // 'og_…' or undefined
 */
export function presentedKey(event: APIGatewayProxyEventV2): string | undefined {
  const direct = header(event, 'x-api-key');
  if (direct) return direct;
  const authorization = header(event, 'authorization');
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon < 0 ? decoded : decoded.slice(0, colon)) || undefined;
  }
  const bearer = /^Bearer\s+(og_\S+)$/i.exec(authorization ?? '');
  return bearer?.[1];
}

/**
 * Admits a request: a usable key with the scope (none: any usable key), within its rate in this container, then
 * within its rate and daily quota over every container (core/auth/usage.ts). Every 429 carries
 * `retryAfterSeconds`.
 *
 * @example
 * const auth = await admitRequest({ keysTable, usageTable, presented: presentedKey(event), scope: 'events:write', source });
 */
export async function admitRequest(request: {
  keysTable: string;
  usageTable: string;
  presented: string | undefined;
  scope: Scope | undefined;
  source?: string;
}): Promise<AuthResult> {
  const auth = await authenticate(request.keysTable, request.presented, request.scope, request.source);
  if (!auth.ok) return auth;
  const now = Date.now();
  const local = limiter.attempt(auth.key.keyHash, auth.key.rateLimit, now);
  if (!local.allowed) return { ok: false, status: 429, code: 'RATE_LIMITED', message: 'too many requests', retryAfterSeconds: local.retryAfterSeconds };
  const shared = await admitUsage(request.usageTable, auth.key, now);
  if (!shared.allowed) {
    return shared.reason === 'RATE'
      ? { ok: false, status: 429, code: 'RATE_LIMITED', message: 'too many requests', retryAfterSeconds: shared.retryAfterSeconds }
      : { ok: false, status: 429, code: 'QUOTA_EXCEEDED', message: "this key's daily quota is used up", retryAfterSeconds: shared.retryAfterSeconds };
  }
  return auth;
}
