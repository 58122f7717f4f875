import type { createRemoteJWKSet, JWTPayload } from 'jose';
import * as z from 'zod';
import type { ApiKey } from './apiKeys.js';
import { hashKey } from './apiKeys.js';
import { isScope, type Scope } from './scopes.js';

/*
 * Frontends sign in with an OIDC provider (Cognito or any other) and present its access or ID token as
 * `Authorization: Bearer <jwt>` (docs/architecture.md, "Keys and scopes"). The token is verified against the
 * issuer's JWKS with jose; one claim maps to scopes. The caller then acts as a principal with the same shape as an
 * API key, so scopes, limits and audit work alike.
 */

export const jwtSettingsSchema = z
  .object({
    /** The `iss` every token must carry. */
    issuer: z.string().url(),
    /** The `aud` (or Cognito's `client_id`) a token must carry; unset: any. */
    audience: z.string().min(1).optional(),
    /** Where the signing keys are; default `<issuer>/.well-known/jwks.json` (Cognito's). */
    jwksUrl: z.string().url().optional(),
    /** The claim that carries the caller's roles or scopes: a space-separated string or an array. Default `scope`. */
    scopesClaim: z.string().min(1).default('scope'),
    /** Claim values to scopes (`{ "support": ["profiles:read"] }`); a value that is a scope name counts as itself. */
    claimScopes: z.record(z.string(), z.array(z.string())).default({}),
    /** Requests per second of one signed-in subject. */
    rateLimitPerSecond: z.number().positive().default(50),
  })
  .strict();
export type JwtSettings = z.infer<typeof jwtSettingsSchema>;

/** A stage's JWT settings from `JWT_SETTINGS` (JSON; empty: tokens are not accepted). A bad value is a deploy error. */
export function jwtSettingsFromEnv(value: string | undefined): JwtSettings | null {
  if (!value) return null;
  return jwtSettingsSchema.parse(JSON.parse(value));
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** The scopes a verified token's claim grants. */
export function scopesOfClaims(payload: JWTPayload, settings: JwtSettings): Scope[] {
  const raw = payload[settings.scopesClaim];
  const values = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
  const scopes = new Set<Scope>();
  for (const v of values) {
    const mapped = Object.hasOwn(settings.claimScopes, v) ? settings.claimScopes[v]! : [v];
    for (const s of mapped) if (isScope(s)) scopes.add(s);
  }
  return [...scopes];
}

/** Whether a presented credential is a JWT (three base64url parts) rather than an `og_` key. */
export const looksLikeJwt = (token: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);

/**
 * Verifies a token (signature against the issuer's JWKS, `iss`, `aud`, `exp`, `nbf`) and returns the principal it
 * signs in, or null for any token that does not verify (the caller answers 401 without saying why).
 *
 * @example
 * const principal = await verifyJwt(token, settings); // { id: 'jwt_…', name: 'jwt:<sub>', scopes: ['profiles:read'], … }
 */
export async function verifyJwt(token: string, settings: JwtSettings): Promise<ApiKey | null> {
  const url = settings.jwksUrl ?? `${settings.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
  // Loaded with the first token: most callers present API keys, and a cold start need not compile jose.
  const { createRemoteJWKSet, jwtVerify } = await import('./jose.js');
  let keys = keySets.get(url);
  if (!keys) keySets.set(url, (keys = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 600_000 })));
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, { issuer: settings.issuer, clockTolerance: 5 }));
  } catch {
    return null;
  }
  // Cognito access tokens carry client_id instead of aud.
  const audiences = [payload.aud, payload.client_id].flat().filter((a): a is string => typeof a === 'string');
  if (settings.audience && !audiences.includes(settings.audience)) return null;
  if (typeof payload.sub !== 'string' || !payload.sub) return null;
  const keyHash = hashKey(`jwt:${settings.issuer}:${payload.sub}`);
  return {
    id: `jwt_${keyHash.slice(0, 16)}`,
    keyHash,
    name: `jwt:${payload.sub}`,
    scopes: scopesOfClaims(payload, settings),
    rateLimit: settings.rateLimitPerSecond,
    active: true,
    ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000).toISOString() } : {}),
  };
}
