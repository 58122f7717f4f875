import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { ifConditionHolds } from './conditional.js';

/**
 * Adds `delta` (one) to a key's usage counter `slot` unless it already holds `limit` (no limit: always); false when
 * it was full. The item expires at `expiresAt` (epoch seconds), set by the first request of the slot.
 *
 * @example
 * await addRequest(usageTable, 'key_0123456789abcdef', 'r1#1764748800', 50, nowS + 3600)
 */
export async function addRequest(
  table: string,
  keyId: string,
  slot: string,
  limit: number | undefined,
  expiresAt: number,
  delta = 1,
): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { keyId, slot },
        UpdateExpression: 'ADD #n :one SET expiresAt = if_not_exists(expiresAt, :exp)',
        ...(limit !== undefined ? { ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit' } : {}),
        ExpressionAttributeNames: { '#n': 'requests' },
        ExpressionAttributeValues: { ':one': delta, ':exp': expiresAt, ...(limit !== undefined ? { ':limit': limit } : {}) },
      }),
    ),
  );
}

/** The request counts of a key's slots from `from` to `to` (inclusive, as strings sort), by slot. */
export async function requestCounts(table: string, keyId: string, from: string, to: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let start: Record<string, unknown> | undefined;
  do {
    const res = await dynamo().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'keyId = :k AND slot BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':k': keyId, ':from': from, ':to': to },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) counts.set(String(item.slot), Number(item.requests ?? 0));
    start = res.LastEvaluatedKey;
  } while (start);
  return counts;
}
