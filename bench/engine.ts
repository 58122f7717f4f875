import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamo } from '../core/aws/clients.js';
import { processBatch } from '../core/tagging/processBatch.js';
import { RuleCache } from '../core/tagging/ruleCache.js';
import { profileEngineTables } from '../core/tagging/tables.js';
import { startLocalStack } from '../local/localStack.js';
import { meterCapacity } from './capacity.js';
import { arg, bundleAsDeployed, percentile, report } from './support.js';
import { BATCH, makeRecords, zipfUserIds } from './workload.js';

/**
 * The profile engine's two cost figures (issue 3):
 * 1. compute throughput of decode + fold + tag rules + segments, one core, no I/O: records per second.
 *    `engine-compute.ts` is bundled the way the tagger Lambda is (esbuild, minified ESM) and run in a fresh
 *    process, three times; the median is the figure. (Under tsx the same code runs ~25% slower: tsx keeps
 *    function names, which wraps every closure the rule evaluator creates.)
 * 2. DynamoDB profile writes per event on a Zipf(s = 1.1) workload over 100,000 users in batches of 500,
 *    through the real batch processor against dynalite, counting UpdateItem calls on the profiles table; and the
 *    floor one write per user per batch sets, by batch size and by the stream's shard count.
 *
 * 3. DynamoDB write request units per event on the same run, as AWS bills them (bench/capacity.ts), and the CPU
 *    of the storage codec (before and after the compact layout), interleaved A/B.
 *
 *   npm run bench:engine [-- --events 200000 --zipf-events 50000 --runs 3 --codec-events 100000]
 */
const computeEvents = arg('events', 200_000);
const zipfEvents = arg('zipf-events', 50_000);
const runs = arg('runs', 3);
const codecEvents = arg('codec-events', 100_000);

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-engine-'));

// 1. Compute only, as deployed.
{
  const bundle = join(dataDir, 'engine-compute.mjs');
  await bundleAsDeployed(join(import.meta.dirname, 'engine-compute.ts'), bundle);
  const throughputs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const out = execFileSync(process.execPath, [bundle, '--events', String(computeEvents)], {
      env: { ...process.env, OPSGRAPH_BENCH_BUILD: 'esbuild bundle, minified ESM (as the Lambda runs it)' },
      encoding: 'utf8',
    });
    const line = out.trim().split('\n').at(-1)!;
    console.log(line);
    throughputs.push((JSON.parse(line) as { records_per_second: number }).records_per_second);
  }
  const sorted = [...throughputs].sort((a, b) => a - b);
  report({
    bench: 'engine_compute_throughput_median',
    runs,
    records_per_run: computeEvents,
    records_per_second_runs: throughputs,
    records_per_second: sorted[Math.floor(sorted.length / 2)],
    target_records_per_second: 50_000,
  });

  // The storage codec's CPU (each profile encoded into its item and decoded when its user returns, as the Lambda
  // does around its DynamoDB calls): the layout before (JSON `doc`) against the current one, run interleaved so
  // that load on the machine falls on both alike.
  const codecs = ['legacy', 'compact'] as const;
  const ab: Record<string, { rps: number[]; cpu: number[] }> = { legacy: { rps: [], cpu: [] }, compact: { rps: [], cpu: [] } };
  for (let r = 0; r < runs; r++) {
    for (const codec of r % 2 === 0 ? codecs : [...codecs].reverse()) {
      const out = execFileSync(process.execPath, [bundle, '--events', String(codecEvents), '--codec', codec], { encoding: 'utf8' });
      const figure = JSON.parse(out.trim().split('\n').at(-1)!) as { records_per_second: number; cpu_microseconds_per_record: number };
      ab[codec]!.rps.push(figure.records_per_second);
      ab[codec]!.cpu.push(figure.cpu_microseconds_per_record);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  report({
    bench: 'engine_compute_codec_ab',
    runs,
    records_per_run: codecEvents,
    ...Object.fromEntries(
      codecs.map((c) => [c, { records_per_second_runs: ab[c]!.rps, records_per_second: median(ab[c]!.rps), cpu_microseconds_per_record: median(ab[c]!.cpu) }]),
    ),
    compact_over_legacy_throughput: Math.round((median(ab.compact!.rps) / median(ab.legacy!.rps)) * 1000) / 1000,
  });
}

const stack = await startLocalStack({ port: 0, dataDir });
// The pollers would compete with this process for the core; the benchmark drives the batch processor itself.
for (const m of stack.mappings.values()) await m.stop();
const rules = await new RuleCache(process.env.RULES_TABLE!, 3600).get();

// 2. Writes per event through the real batch processor and dynalite.
{
  const records = makeRecords(zipfEvents, 11);
  const tables = profileEngineTables();
  // Request units as AWS would bill them, from the items as DynamoDB sizes them (bench/capacity.ts).
  const meter = meterCapacity(dynamo(), { [tables.profiles]: ['userId'] });
  // The floor under "one write per user per batch": distinct users in each batch, per event. Shown for larger
  // batches too: only a larger batch (or cross-batch deferral, which would break exactly-once) goes lower.
  const floor = (size: number) => {
    let distinct = 0;
    for (let b = 0; b < records.length; b += size) distinct += new Set(records.slice(b, b + size).map((r) => r.kinesis.partitionKey)).size;
    return Math.round((distinct / records.length) * 1000) / 1000;
  };
  // Kinesis puts a record on the shard whose hash-key range holds MD5(partition key), and Lambda batches per shard,
  // so with more shards each batch draws from fewer users. Counted on a longer stream of the same workload, over
  // full batches only, so that every shard has many (a shard's last, partial batch is an artefact of the length).
  const longStream = zipfUserIds(1_000_000, 12);
  const shardHash = new Map<string, number>();
  const hashOf = (user: string) => {
    let h = shardHash.get(user);
    if (h === undefined) shardHash.set(user, (h = createHash('md5').update(user).digest().readUInt32BE(0) / 2 ** 32));
    return h;
  };
  const floorByShards = (shards: number) => {
    const perShard: string[][] = Array.from({ length: shards }, () => []);
    for (const user of longStream) perShard[Math.floor(hashOf(user) * shards)]!.push(user);
    let distinct = 0;
    let events = 0;
    for (const keys of perShard) {
      for (let b = 0; b + BATCH <= keys.length; b += BATCH) {
        distinct += new Set(keys.slice(b, b + BATCH)).size;
        events += BATCH;
      }
    }
    return Math.round((distinct / events) * 1000) / 1000;
  };
  const started = performance.now();
  let failed = 0;
  for (let b = 0; b < records.length; b += BATCH) {
    const result = await processBatch(records.slice(b, b + BATCH), tables, rules);
    failed += result.failed.length;
    if (b % (BATCH * 20) === 0) process.stderr.write(`\rzipf: ${b + BATCH}/${records.length}`);
  }
  process.stderr.write('\n');
  const profileUnits = meter.tables.get(tables.profiles)!;
  const profileWrites = profileUnits.writes;
  const sizes = [...meter.writtenSizes.get(tables.profiles)!].sort((a, b) => a - b);
  const all = meter.total();
  const perEvent = (n: number) => Math.round((n / zipfEvents) * 1000) / 1000;
  report({
    bench: 'engine_dynamodb_writes_per_event',
    workload: 'zipf s=1.1 over 100000 users, batches of 500',
    events: zipfEvents,
    profile_writes: profileWrites,
    writes_per_event: Math.round((profileWrites / zipfEvents) * 1000) / 1000,
    floor_writes_per_event: floor(BATCH),
    floor_writes_per_event_by_batch_size: Object.fromEntries([1000, 2000, 5000, 10_000].map((size) => [size, floor(size)])),
    floor_writes_per_event_by_shards_at_batch_500: Object.fromEntries([1, 4, 16, 64].map((n) => [n, floorByShards(n)])),
    naive_writes_per_event: 1,
    target_writes_per_event: 0.3,
    failed_records: failed,
    seconds_against_dynalite: Math.round((performance.now() - started) / 100) / 10,
  });
  report({
    bench: 'engine_dynamodb_write_units_per_event',
    workload: 'zipf s=1.1 over 100000 users, batches of 500',
    events: zipfEvents,
    profile_writes: profileWrites,
    profile_write_units: profileUnits.writeUnits,
    profile_wru_per_event: perEvent(profileUnits.writeUnits),
    profile_item_bytes_written: {
      mean: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
      p50: percentile(sizes, 50),
      p99: percentile(sizes, 99),
      max: sizes.at(-1),
    },
    profile_rru_per_event: perEvent(profileUnits.readUnits),
    all_tables_wru_per_event: perEvent(all.writeUnits),
    all_tables_rru_per_event: perEvent(all.readUnits),
    target_wru_per_event: 1,
    goal_wru_per_event: 0.5,
  });
}
await stack.close();
await rm(dataDir, { recursive: true, force: true });
