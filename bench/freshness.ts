import { fork } from 'node:child_process';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { startLocalStack as StartLocalStack } from '../local/localStack.js';
import type { LoadMessage, LoadOptions, LoadResult } from './freshnessLoad.js';
import { arg, descendantsCpuMs, report } from './support.js';

/**
 * Freshness of the local stack: the time from an ingest request being accepted (its 200 response) until the
 * event is visible through GraphQL, with its tag. Events go one per request at a steady rate, each to its own
 * user; a watcher polls GraphQL for pending users every few milliseconds. Sender and watcher run in a child
 * process (`bench/freshnessLoad.ts`), as clients do, so this process holds only the stack.
 *
 * The first `--warmup` seconds run at the same rate but are reported apart (`warmup_*`): every process of the
 * stack starts cold, with its code not yet compiled by V8, and a service that runs for days is not measured by
 * its first seconds.
 *
 *   npm run bench                                  # 10 s warm-up, then 1,000 events at 200/s
 *   npm run bench -- --events 12000 --rate 200     # 200 events/s sustained for 60 s after the warm-up
 *   npm run bench -- --stack /path/to/other/tree   # the same load on another checkout's stack (bench:freshness-ab)
 *
 * Besides latency it reports the CPU the stack's process spent per measured event (`cpu_ms_per_event`: handlers
 * and gateway) and the storage servers' child process spent (`storage_cpu_ms_per_event`: dynalite, kinesalite):
 * latency on a busy 2-core machine swings from run to run, CPU per event much less.
 */
const events = arg('events', 1000);
const rate = arg('rate', 200);
const warmupEvents = Math.round(arg('warmup', 10) * rate);
const stackRoot = process.argv.includes('--stack') ? process.argv[process.argv.indexOf('--stack') + 1]! : join(import.meta.dirname, '..');
const { startLocalStack } = (await import(pathToFileURL(join(stackRoot, 'local', 'localStack.ts')).href)) as { startLocalStack: typeof StartLocalStack };

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-'));
const stack = await startLocalStack({ port: 0, dataDir, schedules: false });


/** CPU of this process when the first measured event is sent, and spent by the time its last latency is seen. */
let cpuAtStart: NodeJS.CpuUsage | undefined;
let cpuSpent: NodeJS.CpuUsage | undefined;
/** The same for the storage servers' process (dynalite, kinesalite), which every request and batch also loads. */
let storageCpuAtStart: number | null = null;
let storageCpuSpent: number | null = null;
/** Event-loop delay of this process over the measured phase: long synchronous stretches show here as tail latency. */
let loopDelay: IntervalHistogram | undefined;
const load = fork(join(import.meta.dirname, 'freshnessLoad.ts'), { execArgv: ['--import', 'tsx'] });
const result = await new Promise<LoadResult>((resolve, reject) => {
  load.on('message', (message: LoadMessage) => {
    if (message.kind === 'measuring') {
      cpuAtStart = process.cpuUsage();
      storageCpuAtStart = descendantsCpuMs(load.pid);
      loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
    } else if (message.kind === 'measured') {
      cpuSpent = process.cpuUsage(cpuAtStart);
      const storageNow = descendantsCpuMs(load.pid);
      storageCpuSpent = storageNow !== null && storageCpuAtStart !== null ? storageNow - storageCpuAtStart : null;
      loopDelay?.disable();
    }
    else resolve(message.result);
  });
  load.once('exit', (code) => reject(new Error(`load generator exited (${code}) before reporting`)));
  load.send({ ingestUrl: stack.ingestUrl, graphqlUrl: stack.graphqlUrl, apiKey: stack.apiKey, rate, events, warmupEvents } satisfies LoadOptions);
});

report({
  bench: 'freshness_ingest_to_graphql',
  events,
  warmup_events: warmupEvents,
  target_rate_per_s: rate,
  ...result,
  tagger_batches: stack.mappings.get('tagger')?.invocations,
  event_loop_delay_p99_ms: loopDelay ? Math.round(loopDelay.percentile(99) / 1e5) / 10 : null,
  event_loop_delay_max_ms: loopDelay ? Math.round(loopDelay.max / 1e5) / 10 : null,
  cpu_ms_per_event: cpuSpent ? Math.round(((cpuSpent.user + cpuSpent.system) / 1000 / events) * 100) / 100 : null,
  storage_cpu_ms_per_event: storageCpuSpent !== null ? Math.round((storageCpuSpent / events) * 100) / 100 : null,
});
await stack.close();
await rm(dataDir, { recursive: true, force: true });
