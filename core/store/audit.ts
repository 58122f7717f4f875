import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { expiresAtFor } from '../platform/retention.js';

/**
 * An audit entry: identity merges and refused links, tag rule, segment and key changes, unmasked PII reads and
 * exports, erasures. The table is append-only in IAM (only erasure deletes, a person's own entries).
 */
export interface AuditEntry {
  /** What it is about: `profile#<id>`, `rule#<id>` or `segment#<id>`. */
  subject: string;
  /** Event time (merges) or request time (rule changes), plus a suffix that keeps entries unique. */
  at: string;
  action: string;
  detail: Record<string, unknown>;
}

/** Writes an audit entry; rewriting the same (subject, at) on redelivery overwrites it, so it stays single. */
export async function writeAudit(table: string, entry: AuditEntry): Promise<void> {
  // Kept for the stage's audit retention from the entry's time (`at` starts with it), then TTL deletes it.
  const expiresAt = expiresAtFor('audit', entry.at.split('#')[0]!);
  await dynamo().send(new PutCommand({ TableName: table, Item: { ...entry, expiresAt } }));
}

/** The newest `limit` entries of one subject. */
export async function listAudit(table: string, subject: string, limit = 50): Promise<AuditEntry[]> {
  return (await pageAudit(table, subject, limit)).entries;
}

/**
 * A page of one subject's entries, newest first, after the entry at `afterAt` (exclusive).
 *
 * @example
 * const { entries, more } = await pageAudit(table, 'apikey#key_0123456789abcdef', 20);
 */
export async function pageAudit(table: string, subject: string, first: number, afterAt?: string): Promise<{ entries: AuditEntry[]; more: boolean }> {
  const res = await dynamo().send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': subject },
      ScanIndexForward: false,
      Limit: first + 1,
      ...(afterAt ? { ExclusiveStartKey: { subject, at: afterAt } } : {}),
    }),
  );
  const items = (res.Items ?? []) as AuditEntry[];
  return { entries: items.slice(0, first), more: items.length > first };
}
