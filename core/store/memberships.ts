import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { batchWriteAll } from './batchWrite.js';

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
  await batchWriteAll(
    table,
    deltas.map((d) =>
      d.member
        ? { PutRequest: { Item: { key: d.key, userId: d.userId, since: d.since } } }
        : { DeleteRequest: { Key: { key: d.key, userId: d.userId } } },
    ),
  );
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
  // Fetch one extra to know whether another page exists.
  const pages = paginateQuery(
    { client: dynamo(), pageSize: limit + 1, startingToken: after ? { key, userId: after } : undefined },
    {
      TableName: table,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'key' },
      ExpressionAttributeValues: { ':k': key },
      ProjectionExpression: 'userId',
    },
  );
  for await (const res of pages) {
    for (const item of res.Items ?? []) userIds.push(String(item.userId));
    if (userIds.length > limit) break;
  }
  const hasMore = userIds.length > limit;
  const page = userIds.slice(0, limit);
  return { userIds: page, next: hasMore ? (page[page.length - 1] ?? null) : null };
}

/** Exact number of members of a key (a COUNT query, paged). */
export async function countMembers(table: string, key: string): Promise<number> {
  let count = 0;
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'key' },
      ExpressionAttributeValues: { ':k': key },
      Select: 'COUNT',
    },
  );
  for await (const res of pages) count += res.Count ?? 0;
  return count;
}
