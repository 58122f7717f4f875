import type { AuditEntry } from '../store/audit.js';

/**
 * Appends an audit entry about a profile (a merge, a refused or conflicting identity). Its sort key is the event
 * time, the action and its index among the profile's entries of this batch, so a retried batch rewrites the same
 * entries instead of adding new ones.
 *
 * @example
 * appendProfileAudit(audits, profile.userId, 'merge', event.timestamp, { from });
 */
export function appendProfileAudit(
  audits: AuditEntry[],
  userId: string,
  action: string,
  at: string,
  detail: Record<string, unknown>,
): void {
  audits.push({ subject: `profile#${userId}`, at: `${at}#${action}#${audits.length}`, action, detail });
}
