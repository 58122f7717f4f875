import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { withUnprocessedRetry } from './retry.js';

/**
 * BatchGetItem over any number of keys: 100 keys a call, unprocessed keys retried with backoff. Items come back
 * in no particular order; absent keys are simply missing.
 *
 * @example
 * const items = await batchGetAll(table, ids.map((userId) => ({ userId })));
 */
export async function batchGetAll(table: string, keys: Array<Record<string, unknown>>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    await withUnprocessedRetry(keys.slice(i, i + 100), async (pending) => {
      const res = await dynamo().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }));
      items.push(...(res.Responses?.[table] ?? []));
      return res.UnprocessedKeys?.[table]?.Keys;
    });
  }
  return items;
}
