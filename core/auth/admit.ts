import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from '../http/response.js';
import { authenticate, type AuthResult } from './apiKeys.js';
import { RateLimiter } from './rateLimit.js';
import { looksLikeJwt, verifyJwt, type JwtSettings } from './jwt.js';
import { grants, type Scope } from './scopes.js';
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

/** A bearer token that is not an `og_` key: a JWT from the stage's OIDC issuer, or undefined. */
export function presentedJwt(event: APIGatewayProxyEventV2): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header(event, 'authorization') ?? '');
  return bearer && !bearer[1]!.startsWith('og_') && looksLikeJwt(bearer[1]!) ? bearer[1] : undefined;
}

/** A signed-in frontend user: a verified token whose claim grants the scope. */
async function authenticateJwt(token: string, settings: JwtSettings, scope: Scope | undefined): Promise<AuthResult> {
  const principal = await verifyJwt(token, settings);
  if (!principal) return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: 'invalid or expired token' };
  if (scope && !grants(principal.scopes, scope)) return { ok: false, status: 403, code: 'FORBIDDEN', message: `this token lacks the ${scope} scope` };
  return { ok: true, key: principal };
}

/**
 * Admits a request: a usable key (or a verified JWT) with the scope (none: any usable credential), within its rate in this container, then
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
  /** A JWT, when the request carries one instead of a key, and the stage's settings for it (null: not accepted). */
  jwt?: { token: string | undefined; settings: JwtSettings | null };
  scope: Scope | undefined;
  source?: string;
  /** The browser's `Origin` header, checked against a key's `allowedOrigins`. */
  origin?: string;
}): Promise<AuthResult> {
  const auth =
    !request.presented && request.jwt?.token && request.jwt.settings
      ? await authenticateJwt(request.jwt.token, request.jwt.settings, request.scope)
      : await authenticate(request.keysTable, request.presented, request.scope, request.source);
  if (!auth.ok) return auth;
  const allowed = auth.key.allowedOrigins;
  if (allowed && !(request.origin && allowed.includes(request.origin.toLowerCase()))) {
    return { ok: false, status: 403, code: 'FORBIDDEN', message: 'this key may not be used from this origin' };
  }
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
