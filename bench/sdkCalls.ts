import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';

/**
 * Counts the AWS calls a process makes, by command and table or stream (`Query enrollments`, `PutRecords events`;
 * a GetRecords names only its shard iterator, so it is `GetRecords`), from a middleware on its shared clients. On the local stack every call costs CPU in the
 * SDK and in the emulators, so these counts are the floor under the CPU a figure needs.
 *
 * @example
 * const calls = countSdkCalls([dynamo(), kinesis()]);
 * const perEvent = calls.per(4000);
 */
export function countSdkCalls(clients: ReadonlyArray<DynamoDBDocumentClient | KinesisClient>) {
  const counts = new Map<string, number>();
  const name = 'opsgraph-bench-call-counter';
  for (const client of clients) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; StreamName?: string; StreamARN?: string; RequestItems?: Record<string, unknown> };
        const target = input.TableName ?? input.StreamName ?? input.StreamARN?.split('/').pop() ?? Object.keys(input.RequestItems ?? {}).join('+');
        const key = `${context.commandName?.replace(/Command$/, '')} ${shortName(target)}`.trim();
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name },
    );
  }
  return {
    /** Calls since the last reset, per `items`, largest first and rounded to 0.01 (those that round to 0 left out), and their total. */
    per(items: number): { total: number; byCall: Record<string, number> } {
      const byCall = Object.fromEntries(
        [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, Math.round((n / items) * 100) / 100]).filter(([, n]) => (n as number) > 0),
      );
      return { total: Math.round(([...counts.values()].reduce((a, b) => a + b, 0) / items) * 100) / 100, byCall };
    },
    reset: () => counts.clear(),
    stop: () => clients.forEach((c) => c.middlewareStack.remove(name)),
  };
}

/** `opsgraph-local-enrollments` → `enrollments`: the stage prefix says nothing here. */
const shortName = (table: string) => table.replace(/^opsgraph-[a-z0-9]+-/, '');
