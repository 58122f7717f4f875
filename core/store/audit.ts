import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';

/** An audit entry: every identity merge, refused link, and tag rule or segment change leaves one. */
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
  await dynamo().send(new PutCommand({ TableName: table, Item: entry }));
}

export async function listAudit(table: string, subject: string, limit = 50): Promise<AuditEntry[]> {
  const res = await dynamo().send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': subject },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (res.Items ?? []) as AuditEntry[];
}
