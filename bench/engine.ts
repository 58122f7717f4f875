import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import { dynamo } from '../core/aws/clients.js';
import type { StreamRecord } from '../core/events/schema.js';
import type { StoredProfile } from '../core/store/profiles.js';
import { decode, prepareGroup, processBatch, type Decoded, type Group } from '../core/tagging/processBatch.js';
import { RuleCache } from '../core/tagging/ruleCache.js';
import { profileEngineTables } from '../core/tagging/tables.js';
import { startLocalStack } from '../local/localStack.js';
import { arg, report } from './support.js';

/**
 * The profile engine's two cost figures (issue 3):
 * 1. compute throughput of decode + fold + tag rules + segments, one core, no I/O: records per second;
 * 2. DynamoDB profile writes per event on a Zipf(s = 1.1) workload over 100,000 users in batches of 500,
 *    through the real batch processor against dynalite, counting UpdateItem calls on the profiles table.
 *
 *   npm run bench:engine [-- --events 200000 --zipf-events 50000]
 */
const USERS = 100_000;
const BATCH = 500;
const computeEvents = arg('events', 200_000);
const zipfEvents = arg('zipf-events', 50_000);

/** Sampler for ranks 1..n with P(k) ∝ k^-s, by inverse CDF over a precomputed table. */
function zipf(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = total += 1 / k ** s;
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

const KINDS = ['product_viewed', 'product_viewed', 'product_added_to_cart', 'order_completed', 'login', 'app_opened'];
const CATEGORIES = ['garden', 'kitchen', 'toys', 'lighting', 'gifts'];

function makeRecords(count: number, seed: number): KinesisStreamRecord[] {
  const next = zipf(USERS, 1.1, seed);
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, i) => {
    const event = KINDS[i % KINDS.length]!;
    const body: StreamRecord = {
      v: 1,
      receivedAt: '2026-11-23T00:00:00.000Z',
      source: 'bench',
      event: {
        type: 'track',
        event,
        eventId: `bench-${seed}-${i}`,
        userId: `user-${next()}`,
        timestamp: new Date(base + i * 60_000).toISOString(),
        properties:
          event === 'order_completed'
            ? { orderId: `o-${seed}-${i}`, revenue: 20 + (i % 300), products: [{ category: CATEGORIES[i % 5], price: 10, quantity: 2 }] }
            : { productId: `p-${i % 1000}`, category: CATEGORIES[i % 5] },
        context: { channel: 'app', country: 'GB' },
      },
    };
    const seq = String(i + 1).padStart(56, '0');
    return {
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: body.event.userId!, sequenceNumber: seq, data: Buffer.from(JSON.stringify(body)).toString('base64'), approximateArrivalTimestamp: 0 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    };
  });
}

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-engine-'));
const stack = await startLocalStack({ port: 0, dataDir });
// The pollers would compete with this process for the core; the benchmark drives the batch processor itself.
for (const m of stack.mappings.values()) await m.stop();
const rules = await new RuleCache(process.env.RULES_TABLE!, 3600).get();

// 1. Compute only: the same decode and prepare steps the tagger runs, with profiles kept in memory.
{
  const records = makeRecords(computeEvents, 7);
  const stored = new Map<string, StoredProfile>();
  const started = performance.now();
  for (let b = 0; b < records.length; b += BATCH) {
    const groups = new Map<string, Group>();
    for (const record of records.slice(b, b + BATCH)) {
      const d: Decoded | null = decode(record);
      if (!d) throw new Error('bench record failed to decode');
      const userId = d.event.userId!;
      let g = groups.get(userId);
      if (!g) groups.set(userId, (g = { userId, items: [], merges: [], links: [] }));
      g.items.push(d);
    }
    for (const g of groups.values()) {
      const prepared = prepareGroup(g, stored, rules);
      if (prepared) stored.set(g.userId, { profile: prepared.profile, version: prepared.expectedVersion + 1, churn: null });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  report({
    bench: 'engine_compute_throughput',
    records: computeEvents,
    users_touched: stored.size,
    seconds: Math.round(seconds * 100) / 100,
    records_per_second: Math.round(computeEvents / seconds),
    target_records_per_second: 50_000,
  });
}

// 2. Writes per event through the real batch processor and dynalite.
{
  const records = makeRecords(zipfEvents, 11);
  const tables = profileEngineTables();
  let profileWrites = 0;
  dynamo().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string };
      if (context.commandName === 'UpdateItemCommand' && input.TableName === tables.profiles) profileWrites++;
      return next(args);
    },
    { step: 'initialize', name: 'count-profile-writes' },
  );
  // The floor under "one write per user per batch": the number of distinct users in each batch.
  let distinctPerBatch = 0;
  for (let b = 0; b < records.length; b += BATCH) {
    distinctPerBatch += new Set(records.slice(b, b + BATCH).map((r) => r.kinesis.partitionKey)).size;
  }
  const started = performance.now();
  let failed = 0;
  for (let b = 0; b < records.length; b += BATCH) {
    const result = await processBatch(records.slice(b, b + BATCH), tables, rules);
    failed += result.failed.length;
    if (b % (BATCH * 20) === 0) process.stderr.write(`\rzipf: ${b + BATCH}/${records.length}`);
  }
  process.stderr.write('\n');
  report({
    bench: 'engine_dynamodb_writes_per_event',
    workload: 'zipf s=1.1 over 100000 users, batches of 500',
    events: zipfEvents,
    profile_writes: profileWrites,
    writes_per_event: Math.round((profileWrites / zipfEvents) * 1000) / 1000,
    floor_writes_per_event: Math.round((distinctPerBatch / zipfEvents) * 1000) / 1000,
    naive_writes_per_event: 1,
    target_writes_per_event: 0.3,
    failed_records: failed,
    seconds_against_dynalite: Math.round((performance.now() - started) / 100) / 10,
  });
}
await stack.close();
await rm(dataDir, { recursive: true, force: true });
