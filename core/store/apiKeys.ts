import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { ifConditionHolds } from './conditional.js';

/**
 * The keys-table item stored under `keyHash`, unvalidated (the caller parses it), or undefined.
 *
 * @example
 * const item = await getApiKeyItem(table, hashKey(presented));
 */
export async function getApiKeyItem(table: string, keyHash: string): Promise<Record<string, unknown> | undefined> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { keyHash } }));
  return res.Item;
}

/**
 * Writes (replaces) a keys-table item; its `keyHash` is the key. With `onlyNew`, refuses (returns false) when the
 * item exists.
 *
 * @example
 * await putApiKeyItem(table, { keyHash, name: 'partner-acme', scopes: ['events:write'], rateLimit: 50, active: true });
 */
export async function putApiKeyItem(table: string, item: { keyHash: string }, onlyNew = false): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(new PutCommand({ TableName: table, Item: item, ...(onlyNew ? { ConditionExpression: 'attribute_not_exists(keyHash)' } : {}) })),
  );
}

/** The item of a key by its public id (through the `byId` index), unvalidated, or undefined. */
export async function getApiKeyItemById(table: string, id: string): Promise<Record<string, unknown> | undefined> {
  const res = await dynamo().send(
    new QueryCommand({ TableName: table, IndexName: 'byId', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': id }, Limit: 1 }),
  );
  return res.Items?.[0];
}

/** Every keys-table item (a stage holds hundreds of keys at most), unvalidated. */
export async function scanApiKeyItems(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await dynamo().send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Sets attributes of an existing key (revocation, a rotated key's new expiry) and returns the item after;
 * undefined when no such key exists.
 */
export async function updateApiKeyItem(
  table: string,
  keyHash: string,
  set: Record<string, string | boolean>,
): Promise<Record<string, unknown> | undefined> {
  const names = Object.keys(set);
  let after: Record<string, unknown> | undefined;
  await ifConditionHolds(async () => {
    const res = await dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { keyHash },
        ConditionExpression: 'attribute_exists(keyHash)',
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, set[n]])),
        ReturnValues: 'ALL_NEW',
      }),
    );
    after = res.Attributes;
  });
  return after;
}
