import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { startLocalStack as StartLocalStack } from '../local/localStack.js';
import { arg, percentile, report } from './support.js';
import { sleep } from '../core/platform/sleep.js';
import { MAX_ALIASES } from '../gateway/limits.js';

/**
 * Freshness of the local stack: the time from an ingest request being accepted (its 200 response) until the
 * event is visible through GraphQL, with its tag. Events go one per request at a steady rate, each to its own
 * user; a watcher polls GraphQL for pending users (batched with aliases, ids as variables) every few milliseconds.
 *
 * The first `--warmup` seconds run at the same rate but are reported apart (`warmup_*`): every process of the
 * stack starts cold, with its code not yet compiled by V8, and a service that runs for days is not measured by
 * its first seconds.
 *
 *   npm run bench                                  # 10 s warm-up, then 1,000 events at 200/s
 *   npm run bench -- --events 12000 --rate 200     # 200 events/s sustained for 60 s after the warm-up
 *   npm run bench -- --stack /path/to/other/tree   # the same load on another checkout's stack (bench:freshness-ab)
 *
 * Besides latency it reports the CPU the stack's main process spent per measured event (`cpu_ms_per_event`;
 * handlers, gateway and this load generator share that process, the storage servers run in a child): latency on
 * a busy 2-core machine swings from run to run, CPU per event much less.
 */
const events = arg('events', 1000);
const rate = arg('rate', 200);
const warmupEvents = Math.round(arg('warmup', 10) * rate);

const stackRoot = process.argv.includes('--stack') ? process.argv[process.argv.indexOf('--stack') + 1]! : join(import.meta.dirname, '..');
const { startLocalStack } = (await import(pathToFileURL(join(stackRoot, 'local', 'localStack.ts')).href)) as { startLocalStack: typeof StartLocalStack };

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-'));
const stack = await startLocalStack({ port: 0, dataDir, schedules: false });
const headers = { 'content-type': 'application/json', 'x-api-key': stack.apiKey };
const run = Date.now().toString(36);

const acceptedAt = new Map<string, number>();
const latencies: number[] = [];
const warmupLatencies: number[] = [];
/** Users of the warm-up phase, whose latencies are reported apart. */
const warmupUsers = new Set<string>();
let sent = 0;
/** CPU of this process when the first measured event is sent, and when its last latency is seen. */
let cpuAtStart: NodeJS.CpuUsage | undefined;
let cpuAtEnd: NodeJS.CpuUsage | undefined;

async function send(i: number): Promise<void> {
  if (i === warmupEvents) cpuAtStart = process.cpuUsage();
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
  const res = await fetch(stack.ingestUrl, { method: 'POST', headers, body });
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
      const res = await fetch(stack.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const seenAt = performance.now();
      const data = ((await res.json()) as { data: Record<string, { tags: Array<{ name: string }> } | null> }).data;
      chunk.forEach((id, i) => {
        if (data[`u${i}`]?.tags.some((t) => t.name === 'high_value')) {
          (warmupUsers.has(id) ? warmupLatencies : latencies).push(seenAt - acceptedAt.get(id)!);
          acceptedAt.delete(id);
          if (latencies.length === events) cpuAtEnd = process.cpuUsage(cpuAtStart);
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
report({
  bench: 'freshness_ingest_to_graphql',
  events,
  warmup_events: warmupEvents,
  warmup_p50_ms: Math.round(percentile(warmupLatencies, 50)),
  warmup_p99_ms: Math.round(percentile(warmupLatencies, 99)),
  target_rate_per_s: rate,
  achieved_rate_per_s: Math.round((sent / sendSeconds) * 10) / 10,
  p50_ms: Math.round(percentile(latencies, 50)),
  p90_ms: Math.round(percentile(latencies, 90)),
  p99_ms: Math.round(percentile(latencies, 99)),
  max_ms: Math.round(latencies.at(-1)!),
  tagger_batches: stack.mappings.get('tagger')?.invocations,
  cpu_ms_per_event: cpuAtEnd ? Math.round(((cpuAtEnd.user + cpuAtEnd.system) / 1000 / events) * 100) / 100 : null,
});
await stack.close();
await rm(dataDir, { recursive: true, force: true });
