import type { KinesisClient } from '@aws-sdk/client-kinesis';

/*
 * Push delivery for the local event source mappings declared `ENHANCED`, as enhanced fan-out pushes a shard's
 * records to each of its consumers on AWS (shared-throughput mappings poll: local/shardReadBudget.ts). The
 * stack's producers (ingest, the tagger's changes, redrives) put records through this process's one Kinesis
 * client; a middleware on it wakes the pollers of the shards a put stored on as soon as it returns. Between puts the pollers sleep, so an idle stack no longer asks kinesalite for
 * every shard's records twenty times a second (about 250 empty GetRecords a second for the stack's mappings, over
 * half a core with kinesalite's share, which every event paid for under load too: npm run bench:journeys). A put
 * from another process (`npm run dlq` against a running stack) is seen at the next poll, within a second.
 */

/** Puts seen per shard (`<stream>/<shardId>`): a poller that read before a put returned must not sleep through it. */
const puts = new Map<string, number>();
const sleepers = new Map<string, Set<() => void>>();

const keyOf = (stream: string, shardId: string): string => `${stream}/${shardId}`;

/** The count of puts to a shard so far; take it before a read, pass it to {@link sleepUntilPut} after. */
export function putsTo(stream: string, shardId: string): number {
  const key = keyOf(stream, shardId);
  let n = puts.get(key);
  if (n === undefined) puts.set(key, (n = 0)); // known from now on, so a put that names no shard reaches it
  return n;
}

/**
 * Resolves after `ms`, or as soon as records are put to the shard (at once if a put returned since `seen` was
 * taken), or when `signal` aborts.
 */
export function sleepUntilPut(stream: string, shardId: string, ms: number, seen: number, signal?: AbortSignal): Promise<void> {
  const key = keyOf(stream, shardId);
  if (putsTo(stream, shardId) !== seen || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    let set = sleepers.get(key);
    if (!set) sleepers.set(key, (set = new Set()));
    const wake = (): void => {
      clearTimeout(timer);
      set.delete(wake);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    set.add(wake);
    signal?.addEventListener('abort', wake, { once: true });
  });
}

function recordsPut(key: string): void {
  puts.set(key, (puts.get(key) ?? 0) + 1);
  for (const wake of [...(sleepers.get(key) ?? [])]) wake();
}

interface PutInput {
  StreamName?: string;
  StreamARN?: string;
}
interface PutOutput {
  ShardId?: string;
  Records?: Array<{ ShardId?: string }>;
}

/**
 * Wakes the pollers of the shards a PutRecord(s) call stored records on. A call that failed, or whose answer names
 * no shard, wakes every shard of the stream: a wake costs one read.
 */
export function wakePollersOnPut(client: KinesisClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      let output: PutOutput | undefined;
      try {
        const result = await next(args);
        output = result.output as PutOutput;
        return result;
      } finally {
        const input = args.input as PutInput;
        // By name or by ARN (`arn:aws:kinesis:…:stream/<name>`).
        const stream = context.commandName?.startsWith('PutRecord') ? (input.StreamName ?? input.StreamARN?.split('/').pop()) : undefined;
        if (stream) {
          const shards = new Set([output?.ShardId, ...(output?.Records ?? []).map((r) => r.ShardId)].filter((id): id is string => !!id));
          if (shards.size) for (const id of shards) recordsPut(keyOf(stream, id));
          else for (const key of puts.keys()) if (key.startsWith(`${stream}/`)) recordsPut(key);
        }
      }
    },
    { step: 'initialize', name: 'localStreamWakeups', override: true },
  );
}
