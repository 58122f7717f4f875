import { sleep } from '../platform/sleep.js';

/** Backoff of {@link withUnprocessedRetry}: the pause before retry `attempt` (1, 2, …), in milliseconds. */
export const unprocessedBackoffMs = (attempt: number): number => Math.min(1000, 20 * 2 ** attempt);

/**
 * Sends a BatchWriteItem / BatchGetItem request and resends what DynamoDB hands back unprocessed, with exponential
 * backoff ({@link unprocessedBackoffMs}), until nothing is left. `send` sends one request for the given pending
 * items and returns the ones left unprocessed (undefined or empty: done). The one retry loop of core/store.
 *
 * @example
 * await withUnprocessedRetry(requests, async (pending) => {
 *   const res = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
 *   return res.UnprocessedItems?.[table];
 * });
 */
export async function withUnprocessedRetry<T>(
  items: readonly T[],
  send: (pending: T[]) => Promise<readonly T[] | undefined>,
  pause: (ms: number) => Promise<void> = sleep,
): Promise<void> {
  let pending: readonly T[] | undefined = items;
  for (let attempt = 0; pending && pending.length > 0; attempt++) {
    if (attempt > 0) await pause(unprocessedBackoffMs(attempt));
    pending = await send([...pending]);
  }
}
