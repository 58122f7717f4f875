import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';

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
 * Writes (replaces) a keys-table item; its `keyHash` is the key.
 *
 * @example
 * await putApiKeyItem(table, { keyHash, name: 'partner-acme', scopes: ['events:write'], rateLimit: 50, active: true });
 */
export async function putApiKeyItem(table: string, item: { keyHash: string }): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: table, Item: item }));
}
