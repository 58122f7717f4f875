import { percentile } from './support.js';
import { sleep } from '../core/platform/sleep.js';
import { MAX_ALIASES } from '../gateway/limits.js';

/**
 * The client side of `bench/freshness.ts`, in its own process as real clients are: sends events one per request
 * at a steady rate, each to its own user, and polls GraphQL for the pending users (batched with aliases, ids as
 * variables) until each shows its tag. Started by the bench with the stack's URLs; tells it over IPC when the
 * measured phase starts and sends the latencies when it ends.
 */
export interface LoadOptions { ingestUrl: string; graphqlUrl: string; apiKey: string; rate: number; events: number; warmupEvents: number }

export interface LoadResult {
  warmup_p50_ms: number;
  warmup_p99_ms: number;
  achieved_rate_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

export type LoadMessage = { kind: 'measuring' } | { kind: 'measured' } | { kind: 'result'; result: LoadResult };

const tell = (message: LoadMessage) => process.send!(message);

async function runLoad({ ingestUrl, graphqlUrl, apiKey, rate, events, warmupEvents }: LoadOptions): Promise<LoadResult> {
  const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };
  const run = Date.now().toString(36);
  const acceptedAt = new Map<string, number>();
  const latencies: number[] = [];
  const warmupLatencies: number[] = [];
  /** Users of the warm-up phase, whose latencies are reported apart. */
  const warmupUsers = new Set<string>();
  let sent = 0;

  async function send(i: number): Promise<void> {
    if (i === warmupEvents) tell({ kind: 'measuring' });
    const userId = `fresh-${run}-${i}`;
    const body = JSON.stringify({
      events: [
        {
          type: 'track',
          event: 'order_completed',
          userId,
          timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
          properties: { orderId: `o-${i}`, revenue: 1500 },
        },
      ],
    });
    const res = await fetch(ingestUrl, { method: 'POST', headers, body });
    const json = (await res.json()) as { accepted: number };
    if (res.status !== 200 || json.accepted !== 1) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(json)}`);
    acceptedAt.set(userId, performance.now());
    if (i < warmupEvents) warmupUsers.add(userId);
  }

  async function watch(): Promise<void> {
    while (latencies.length + warmupLatencies.length < warmupEvents + events) {
      // Up to 60 users a round, in parallel queries of at most MAX_ALIASES (the gateway's alias limit), so the
      // watcher keeps up with 200 events/s and measures the engine, not its own backlog.
      const pending = [...acceptedAt.keys()].slice(0, 4 * MAX_ALIASES);
      if (pending.length === 0) {
        await sleep(5);
        continue;
      }
      const chunks: string[][] = [];
      for (let c = 0; c < pending.length; c += MAX_ALIASES) chunks.push(pending.slice(c, c + MAX_ALIASES));
      await Promise.all(chunks.map(async (chunk) => {
        // Ids go as variables, as a real client sends them: the gateway plans each query shape once.
        const query = `query Watch(${chunk.map((_, i) => `$u${i}: ID!`).join(', ')}) { ${chunk.map((_, i) => `u${i}: user(id: $u${i}) { tags { name } }`).join(' ')} }`;
        const variables = Object.fromEntries(chunk.map((id, i) => [`u${i}`, id]));
        const res = await fetch(graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
        const seenAt = performance.now();
        const data = ((await res.json()) as { data: Record<string, { tags: Array<{ name: string }> } | null> }).data;
        chunk.forEach((id, i) => {
          if (data[`u${i}`]?.tags.some((t) => t.name === 'high_value')) {
            (warmupUsers.has(id) ? warmupLatencies : latencies).push(seenAt - acceptedAt.get(id)!);
            acceptedAt.delete(id);
            if (latencies.length === events) tell({ kind: 'measured' });
          }
        });
      }));
      await sleep(5);
    }
  }

  const started = performance.now();
  const watcher = watch();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < warmupEvents + events; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(send(i).then(() => void sent++));
  }
  await Promise.all(inFlight);
  const sendSeconds = (performance.now() - started) / 1000;
  await watcher;
  latencies.sort((a, b) => a - b);
  warmupLatencies.sort((a, b) => a - b);
  return {
    warmup_p50_ms: Math.round(percentile(warmupLatencies, 50)),
    warmup_p99_ms: Math.round(percentile(warmupLatencies, 99)),
    achieved_rate_per_s: Math.round((sent / sendSeconds) * 10) / 10,
    p50_ms: Math.round(percentile(latencies, 50)),
    p90_ms: Math.round(percentile(latencies, 90)),
    p99_ms: Math.round(percentile(latencies, 99)),
    max_ms: Math.round(latencies.at(-1)!),
  };
}

if (process.send) {
  process.once('message', (options: LoadOptions) => {
    void runLoad(options).then((result) => {
      tell({ kind: 'result', result });
      process.disconnect();
    });
  });
}
