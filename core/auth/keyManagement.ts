import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { writeAudit } from '../store/audit.js';
import { getApiKeyItem, getApiKeyItemById, putApiKeyItem, scanApiKeyItems, updateApiKeyItem } from '../store/apiKeys.js';
import { forgetKey, generateKey, isUsable, newKeyItem, parseApiKey, type ApiKey } from './apiKeys.js';
import { isOrigin } from '../http/cors.js';
import { SCOPES } from './scopes.js';

/*
 * Key management, shared by GraphQL (admin) and `npm run keys` (docs/architecture.md, "Keys and scopes"). A new key
 * is returned once and stored only as its SHA-256; every change leaves an audit entry under `apikey#<id>` naming
 * who made it, never the key or its hash.
 */

export interface KeyTables {
  apiKeys: string;
  audit: string;
}

/** A refused key-management request: bad input, or no such key. */
export class KeyManagementError extends Error {
  constructor(
    message: string,
    readonly code: 'BAD_USER_INPUT' | 'NOT_FOUND',
  ) {
    super(message);
    this.name = 'KeyManagementError';
  }
}

export const apiKeyInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
    expiresAt: z.string().datetime({ offset: true }).optional(),
    rateLimitPerSecond: z.number().positive().max(100_000).optional(),
    dailyQuota: z.number().int().positive().max(1e12).optional(),
    persistedQueriesOnly: z.boolean().optional(),
    allowedOrigins: z.array(z.string().refine(isOrigin, 'an origin is scheme://host[:port]')).min(1).max(50).optional(),
  })
  .strict();
export type ApiKeyInput = z.infer<typeof apiKeyInputSchema>;

/** What a key looks like to admins: everything but its hash. */
export type ApiKeyView = Omit<ApiKey, 'keyHash'> & { status: 'ACTIVE' | 'EXPIRED' | 'REVOKED' };

export function viewOf(key: ApiKey, nowMs: number): ApiKeyView {
  const { keyHash: _hash, ...rest } = key;
  return { ...rest, status: !key.active ? 'REVOKED' : isUsable(key, nowMs) ? 'ACTIVE' : 'EXPIRED' };
}

async function audit(tables: KeyTables, id: string, action: string, by: string, now: string, detail: Record<string, unknown>) {
  await writeAudit(tables.audit, { subject: `apikey#${id}`, at: `${now}#${action}#${randomUUID()}`, action, detail: { by, ...detail } });
}

function parseInput(input: unknown): ApiKeyInput {
  const parsed = apiKeyInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KeyManagementError(`${issue.path.join('.') || 'input'}: ${issue.message}`, 'BAD_USER_INPUT');
  }
  return parsed.data;
}

/**
 * Makes a key. The key itself is in the answer only; the table keeps its hash.
 *
 * @example
 * const { key, apiKey } = await createApiKey(tables, { name: 'partner-acme', scopes: ['events:write'] }, 'admin', new Date());
 */
export async function createApiKey(
  tables: KeyTables,
  input: unknown,
  by: string,
  now: Date,
  rotatedFrom?: string,
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const valid = parseInput(input);
  if (valid.expiresAt !== undefined && Date.parse(valid.expiresAt) <= now.getTime()) {
    throw new KeyManagementError('expiresAt: must be in the future', 'BAD_USER_INPUT');
  }
  const key = generateKey();
  const item = newKeyItem(key, {
    name: valid.name,
    scopes: valid.scopes,
    rateLimit: valid.rateLimitPerSecond ?? 200,
    dailyQuota: valid.dailyQuota,
    expiresAt: valid.expiresAt !== undefined ? new Date(valid.expiresAt).toISOString() : undefined,
    persistedOnly: valid.persistedQueriesOnly || undefined,
    allowedOrigins: valid.allowedOrigins?.map((o) => o.toLowerCase()),
    createdAt: now.toISOString(),
    createdBy: by,
    rotatedFrom,
  });
  // 160 random bits never collide in practice; the condition makes sure a collision is an error, not an overwrite.
  if (!(await putApiKeyItem(tables.apiKeys, item, true))) throw new Error('key collision');
  const { keyHash: _h, ...detail } = item;
  await audit(tables, item.id, rotatedFrom ? 'apikey_rotated' : 'apikey_created', by, item.createdAt!, detail);
  return { key, apiKey: viewOf(item, now.getTime()) };
}

/** Every key, newest first. */
export async function listApiKeys(tables: KeyTables, nowMs: number): Promise<ApiKeyView[]> {
  const keys = (await scanApiKeyItems(tables.apiKeys)).flatMap((i) => parseApiKey(i) ?? []);
  return keys.map((k) => viewOf(k, nowMs)).sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
}

async function keyById(tables: KeyTables, id: string): Promise<ApiKey> {
  const pointer = parseApiKey(await getApiKeyItemById(tables.apiKeys, id));
  // The index is eventually consistent: read the item itself for its current state.
  const key = pointer && parseApiKey(await getApiKeyItem(tables.apiKeys, pointer.keyHash));
  if (!key) throw new KeyManagementError(`no API key ${id}`, 'NOT_FOUND');
  return key;
}

/**
 * Revokes a key: refused at once by this container, and by every other within KNOWN_KEY_TTL_MS (30 s).
 * Revoking a revoked key changes nothing.
 */
export async function revokeApiKey(tables: KeyTables, id: string, by: string, now: Date): Promise<ApiKeyView> {
  const key = await keyById(tables, id);
  if (!key.active) return viewOf(key, now.getTime());
  const after = parseApiKey(await updateApiKeyItem(tables.apiKeys, key.keyHash, { active: false, revokedAt: now.toISOString() }));
  if (!after) throw new KeyManagementError(`no API key ${id}`, 'NOT_FOUND');
  forgetKey(key.keyHash);
  await audit(tables, id, 'apikey_revoked', by, now.toISOString(), { name: key.name });
  return viewOf(after, now.getTime());
}

/**
 * Replaces a key by a new one with the same name, scopes and limits. The old key keeps working for `graceSeconds`
 * (0: it is revoked now), so clients can move over without an outage.
 */
export async function rotateApiKey(
  tables: KeyTables,
  id: string,
  graceSeconds: number,
  by: string,
  now: Date,
): Promise<{ key: string; apiKey: ApiKeyView }> {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 30 * 86_400) {
    throw new KeyManagementError('graceSeconds: a whole number of seconds from 0 to 30 days', 'BAD_USER_INPUT');
  }
  const old = await keyById(tables, id);
  if (!isUsable(old, now.getTime())) throw new KeyManagementError(`API key ${id} is revoked or expired`, 'BAD_USER_INPUT');
  const created = await createApiKey(
    tables,
    {
      name: old.name,
      scopes: old.scopes,
      rateLimitPerSecond: old.rateLimit,
      ...(old.dailyQuota !== undefined ? { dailyQuota: old.dailyQuota } : {}),
      ...(old.expiresAt !== undefined ? { expiresAt: old.expiresAt } : {}),
      ...(old.persistedOnly ? { persistedQueriesOnly: true } : {}),
      ...(old.allowedOrigins ? { allowedOrigins: old.allowedOrigins } : {}),
    },
    by,
    now,
    id,
  );
  if (graceSeconds === 0) await revokeApiKey(tables, id, by, now);
  else {
    const until = new Date(now.getTime() + graceSeconds * 1000).toISOString();
    if (old.expiresAt === undefined || old.expiresAt > until) await updateApiKeyItem(tables.apiKeys, old.keyHash, { expiresAt: until });
    forgetKey(old.keyHash);
  }
  return created;
}
