import { randomUUID } from 'node:crypto';
import { grants } from '../../core/auth/scopes.js';
import { maskPii } from '../../core/privacy/pii.js';
import { writeAudit } from '../../core/store/audit.js';
import type { RequestContext } from '../context.js';

/**
 * A profile's personal data as this request may see it: masked (core/privacy/pii.ts) unless the key has
 * `profiles:pii`, and then every read that shows a PII value leaves an audit entry under `pii#<userId>` naming
 * the key and the paths shown (never the values).
 *
 * @example
 * traits: (u, _, ctx) => personalData(ctx, u.profile.userId, 'traits', u.profile.traits),
 */
export async function personalData<T>(ctx: RequestContext, userId: string, field: string, value: T): Promise<T> {
  const masked = maskPii(value, ctx.isPii);
  if (masked.paths.length === 0) return value;
  if (!grants(ctx.key.scopes, 'profiles:pii')) return masked.value as T;
  await writeAudit(ctx.tables.audit, {
    subject: `pii#${userId}`,
    at: `${ctx.now}#pii_read#${randomUUID()}`,
    action: 'pii_read',
    detail: { by: ctx.key.name, field, paths: masked.paths },
  });
  return value;
}
