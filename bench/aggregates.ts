/**
 * `npm run bench:aggregates`: the real-time aggregator and the dashboard reads on dynalite, over the UCI Online
 * Retail year (Chen, Sain & Guo 2012, doi:10.24432/C5BW33, CC BY 4.0), planned as the replay plans it.
 *
 *   npm run bench:aggregates -- [--customers 1000] [--batch 500] [--runs 50]
 *
 * The events of the first `customers` customers (by id) go through `processAggregates` in Kinesis-sized batches, as
 * the aggregator function receives them (no stream: the fold and the writes are what is measured). Then the
 * dashboard queries of one year of daily points run `runs` times each.
 *
 * Prints JSON lines: `aggregator_writes_per_event` (with events/s), then `dashboard_query` per query (p50, p99 ms).
 * Why writes per event is high here: a year of history spreads a few dozen orders a day over 374 days and 24
 * hours, so most events are alone in their hour bucket, and each lone event touches every (metric, granularity,
 * dimension) item it counts in. Live traffic, many events per hour, coalesces into the same items.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamRecord } from '../core/events/schema.js';
import { metricSeries, type MetricQuery } from '../core/analyticsEngine/metrics.js';
import { processAggregates } from '../core/analyticsEngine/onEvents.js';
import { startLocalStack } from '../local/localStack.js';
import { DEFAULT_CSV, planReplay } from '../tools/replay/index.js';
import { arg, percentile, report } from './support.js';

const customers = arg('customers', 1000);
const batch = arg('batch', 500);
const runs = arg('runs', 50);

let seq = 10n ** 20n;
function toRecord(event: StreamRecord['event']): KinesisStreamRecord {
  seq += 1n;
  const body: StreamRecord = { v: 1, receivedAt: new Date().toISOString(), source: 'bench', event };
  const sequenceNumber = String(seq).padStart(56, '0');
  return {
    kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber, data: Buffer.from(JSON.stringify(body)).toString('base64'), approximateArrivalTimestamp: Date.now() / 1000 },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
  };
}

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-aggregates-'));
const stack = await startLocalStack({ port: 0, dataDir });
try {
  const plan = await planReplay({ csvPath: DEFAULT_CSV, slice: { start: 0, end: customers } });
  // Ingest stores timestamps in their canonical form; the plan keeps the CSV's.
  const records = plan.events.map((e) => {
    const event = JSON.parse(e) as StreamRecord['event'];
    return toRecord({ ...event, timestamp: new Date(event.timestamp).toISOString() });
  });
  const ctx = { table: process.env.AGGREGATES_TABLE!, identities: process.env.IDENTITIES_TABLE!, consent: process.env.CONSENT_TABLE! };
  let writes = 0;
  let events = 0;
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += batch) {
    const r = await processAggregates(ctx, records.slice(i, i + batch));
    if (r.failed.length) throw new Error(`${r.failed.length} records failed`);
    writes += r.writes;
    events += r.events;
  }
  const seconds = (performance.now() - t0) / 1000;
  report({ figure: 'aggregator_writes_per_event', customers, events, batch, writes, writes_per_event: +(writes / events).toFixed(2), events_per_second: Math.round(events / seconds) });

  const year = { from: Date.parse('2010-12-01T00:00:00Z'), to: Date.parse('2011-12-10T00:00:00Z') };
  const queries: Array<[string, MetricQuery]> = [
    ['ORDERS by DAY, a year', { metric: 'ORDERS', granularity: 'DAY', ...year }],
    ['REVENUE by DAY, a year', { metric: 'REVENUE', granularity: 'DAY', ...year }],
    ['ACTIVE_USERS by DAY, a year (DAU)', { metric: 'ACTIVE_USERS', granularity: 'DAY', ...year }],
    ['ACTIVE_USERS by MONTH, a year (MAU)', { metric: 'ACTIVE_USERS', granularity: 'MONTH', ...year }],
    ['REVENUE by MONTH, a year, Europe/London', { metric: 'REVENUE', granularity: 'MONTH', timeZone: 'Europe/London', ...year }],
    ['ORDERS by COUNTRY by MONTH, a year', { metric: 'ORDERS', granularity: 'MONTH', groupBy: 'COUNTRY', ...year }],
  ];
  for (const [name, q] of queries) {
    const times: number[] = [];
    for (let r = 0; r < runs + 5; r++) {
      const t = performance.now();
      await metricSeries(ctx.table, q);
      if (r >= 5) times.push(performance.now() - t); // the first five warm up
    }
    times.sort((a, b) => a - b);
    report({ figure: 'dashboard_query', query: name, runs, p50_ms: +percentile(times, 50).toFixed(1), p99_ms: +percentile(times, 99).toFixed(1) });
  }
} finally {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
}
