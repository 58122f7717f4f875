import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { withUnprocessedRetry } from './retry.js';

/** One put or delete of a BatchWriteItem. */
export type BatchWriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * BatchWriteItem over any number of puts and deletes: 25 a call, unprocessed ones retried with backoff.
 *
 * @example
 * await batchWriteAll(table, ids.map((id) => ({ DeleteRequest: { Key: { id } } })));
 */
export async function batchWriteAll(table: string, requests: readonly BatchWriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    await withUnprocessedRetry(requests.slice(i, i + 25), async (pending) => {
      const res = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      return res.UnprocessedItems?.[table];
    });
  }
}
