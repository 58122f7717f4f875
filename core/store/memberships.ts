import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';

/**
 * The membership index: one row per (tag, segment or churn band, user), so `users(filter)` pages members and a
 * segment's size is an exact count. Keys: `tag#<name>`, `segment#<id>`, `churn#<BAND>`.
 */
export const membershipKey = {
  tag: (name: string) => `tag#${name}`,
  segment: (id: string) => `segment#${id}`,
  churn: (band: string) => `churn#${band}`,
};

export interface MembershipDelta {
  key: string;
  userId: string;
  /** true: add the row; false: delete it. */
  member: boolean;
  since?: string;
}

/** Applies membership deltas with BatchWriteItem (25 a call), retrying unprocessed items. Idempotent. */
export async function applyMemberships(table: string, deltas: MembershipDelta[]): Promise<void> {
  for (let i = 0; i < deltas.length; i += 25) {
    let requests: Array<Record<string, unknown>> | undefined = deltas.slice(i, i + 25).map((d) =>
      d.member
        ? { PutRequest: { Item: { key: d.key, userId: d.userId, since: d.since } } }
        : { DeleteRequest: { Key: { key: d.key, userId: d.userId } } },
    );
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const res = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table]: requests as never } }));
      requests = res.UnprocessedItems?.[table] as typeof requests;
    }
  }
}

/**
 * One page of members of a key, in user-id order.
 *
 * @example
 * const { userIds, next } = await listMembers(table, membershipKey.tag('high_value'), 20);
 */
export async function listMembers(
  table: string,
  key: string,
  limit: number,
  after?: string,
): Promise<{ userIds: string[]; next: string | null }> {
  const userIds: string[] = [];
  let start: Record<string, unknown> | undefined = after ? { key, userId: after } : undefined;
  // Fetch one extra to know whether another page exists.
  while (userIds.length <= limit) {
    const res = await dynamo().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'key' },
        ExpressionAttributeValues: { ':k': key },
        ProjectionExpression: 'userId',
        Limit: limit + 1 - userIds.length,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) userIds.push(String(item.userId));
    start = res.LastEvaluatedKey;
    if (!start) break;
  }
  const hasMore = userIds.length > limit;
  const page = userIds.slice(0, limit);
  return { userIds: page, next: hasMore ? (page[page.length - 1] ?? null) : null };
}

/** Exact number of members of a key (a COUNT query, paged). */
export async function countMembers(table: string, key: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const res = await dynamo().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'key' },
        ExpressionAttributeValues: { ':k': key },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += res.Count ?? 0;
    start = res.LastEvaluatedKey;
  } while (start);
  return count;
}
