/**
 * Runs `fn` on every item with at most `limit` calls in flight (a fixed pool of workers taking the next item).
 * Rejects with the first error, after the calls in flight have settled their own work.
 *
 * @example
 * await forEachLimit(userIds, 16, async (userId) => score(userId));
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
