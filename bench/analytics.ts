/**
 * `npm run bench:analytics`: the analytics foundations over the UCI Online Retail year (Chen, Sain & Guo 2012,
 * doi:10.24432/C5BW33, CC BY 4.0), read from the CSV at run time.
 *
 *   npm run bench:analytics -- [--csv PATH] [--batch 500] [--keep]
 *
 * The CSV becomes the events a replay sends (the rules of the replay in tools/replay/, restated here so this bench does
 * not depend on the replay client): one identify per customer at their first invoice, one order_completed per
 * (customer, invoice) with a positive total, one order_refunded per cancellation (`C…`) or negative total, zero
 * totals skipped, guests as `anon:guest-<InvoiceNo>`, amounts summed in thousandths and rounded half-up to pence.
 *
 * Prints JSON lines: `analytics_aggregate` (fold rate and deltas per event at Kinesis batch size),
 * `analytics_archive_write` (Parquet archive events/s), then one line per archive query with its time on DuckDB.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// The one place this bench reads the CSV format (the shared reader in tools/data; change only this line if it moves).
import { readCsv } from '../tools/data/csv.js';
import type { StoredEvent } from '../core/events/schema.js';
import { aggregateEvents } from '../core/analytics/aggregate.js';
import { toArchiveRecord } from '../core/analytics/archive/record.js';
import { runBoughtTogether, runFunnel, runPathsBeforePurchase, runRetention } from '../core/analytics/archive/queries.js';
import { FolderArchiveFiles } from '../core/analyticsEngine/archiveFiles.js';
import { walkFiles } from '../core/platform/walkFiles.js';
import { writeArchiveRows } from '../core/analyticsEngine/archiveEvents.js';
import { DuckDbArchiveEngine } from '../local/archive/duckdbEngine.js';
import { runLtv, runRfm } from '../core/analytics/archive/customerValue.js';
import { forecastEts } from '../core/analytics/forecast.js';

const { values } = parseArgs({
  options: {
    csv: { type: 'string' },
    batch: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [
  values.csv,
  process.env.OPSGRAPH_ONLINE_RETAIL_CSV,
  resolve(here, '../../shared/data/online_retail.csv.gz'),
  resolve(here, '../../../shared/data/online_retail.csv.gz'),
].filter((p): p is string => !!p);
const csvPath = candidates.find((p) => existsSync(p));
if (!csvPath) {
  process.stderr.write(`online_retail.csv.gz not found (tried ${candidates.join(', ')}); pass --csv PATH\n`);
  process.exit(2);
}
const batchSize = Number(values.batch ?? 500);

function line(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

/** Parses a decimal text to thousandths exactly (UnitPrice has at most 3 decimals in Online Retail). */
function milli(text: string): number {
  const m = /^(-?)(\d*)(?:\.(\d{0,3})\d*)?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return NaN;
  const v = Number(m[2] || '0') * 1000 + Number((m[3] ?? '').padEnd(3, '0'));
  return m[1] ? -v : v;
}

/** `YYYY-MM-DD HH:MM[:SS]` as UTC (as the replay reads it). */
function parseTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(text.trim());
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0) : NaN;
}

interface Invoice { invoiceNo: string; customerId: string; at: number; totalMilli: number; country: string; products: Set<string> }

const readStarted = performance.now();
const invoices = new Map<string, Invoice>();
const owners = new Map<string, Set<string>>();
let rows = 0;
let rejected = 0;
for await (const row of readCsv(csvPath)) {
  rows++;
  const at = parseTime(row.InvoiceDate ?? '');
  const qty = Number((row.Quantity ?? '').trim());
  const price = milli(row.UnitPrice ?? '');
  const invoiceNo = (row.InvoiceNo ?? '').trim();
  if (!Number.isFinite(at) || !Number.isFinite(qty) || !Number.isFinite(price) || invoiceNo === '') {
    rejected++;
    continue;
  }
  const customerId = (row.CustomerID ?? '').trim();
  const key = `${customerId}\u0000${invoiceNo}`;
  let inv = invoices.get(key);
  if (!inv) {
    invoices.set(key, (inv = { invoiceNo, customerId, at, totalMilli: 0, country: (row.Country ?? '').trim(), products: new Set() }));
    let o = owners.get(invoiceNo);
    if (!o) owners.set(invoiceNo, (o = new Set()));
    o.add(customerId);
  }
  inv.totalMilli += qty * price;
  if (at < inv.at) inv.at = at;
  const code = (row.StockCode ?? '').trim();
  if (code && qty > 0) inv.products.add(code);
}

const events: StoredEvent[] = [];
const firstOf = new Map<string, Invoice>();
for (const inv of invoices.values()) {
  if (!inv.customerId) continue;
  const f = firstOf.get(inv.customerId);
  if (!f || inv.at < f.at || (inv.at === f.at && inv.invoiceNo < f.invoiceNo)) firstOf.set(inv.customerId, inv);
}
for (const [customerId, first] of firstOf) {
  events.push({ type: 'identify', eventId: `identify-${customerId}`, userId: customerId, timestamp: new Date(first.at).toISOString(), traits: { country: first.country }, context: { channel: 'web', country: first.country } });
}
for (const inv of invoices.values()) {
  const cancelled = /^c/i.test(inv.invoiceNo);
  if (!cancelled && inv.totalMilli === 0) continue;
  const refund = cancelled || inv.totalMilli < 0;
  const pence = Math.floor((Math.abs(inv.totalMilli) + 5) / 10);
  const shared = (owners.get(inv.invoiceNo)?.size ?? 1) > 1;
  const guest = inv.customerId === '';
  events.push({
    type: 'track',
    event: refund ? 'order_refunded' : 'order_completed',
    eventId: shared ? `invoice-${inv.invoiceNo}-${inv.customerId || 'guest'}` : `invoice-${inv.invoiceNo}`,
    ...(guest ? { anonymousId: `guest-${inv.invoiceNo}` } : { userId: inv.customerId }),
    timestamp: new Date(inv.at).toISOString(),
    properties: { orderId: inv.invoiceNo, revenue: pence / 100, currency: 'GBP', products: [...inv.products].map((productId) => ({ productId })) },
    context: { channel: 'web', ...(inv.country ? { country: inv.country } : {}) },
  });
}
events.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.type === 'identify' ? -1 : 0) - (b.type === 'identify' ? -1 : 0));
const readSeconds = (performance.now() - readStarted) / 1000;
const first = Date.parse(events[0]!.timestamp);
const last = Date.parse(events[events.length - 1]!.timestamp);
process.stderr.write(`read ${rows} rows (${rejected} rejected) → ${events.length} events in ${readSeconds.toFixed(1)} s\n`);

/**
 * The order forecast's backtest on Online Retail (rolling origin, FPP3 §5.10): weekly orders (Monday weeks, UTC;
 * the last, partial week left out), fitted on every prefix of at least 12 weeks, 4 weeks forecast; mean absolute
 * percentage error per horizon against the naive forecast (the last week repeated) and the drift forecast, and
 * how often the 95% interval held the actual count.
 */
function backtestForecast(): void {
  const WEEK = 7 * 86_400_000;
  const MONDAY = Date.UTC(2010, 10, 29); // the Monday on or before the first invoice (2010-12-01)
  const weekly: number[] = [];
  for (const e of events) {
    if (e.type !== 'track' || e.event !== 'order_completed') continue;
    const w = Math.floor((Date.parse(e.timestamp) - MONDAY) / WEEK);
    while (weekly.length <= w) weekly.push(0);
    weekly[w]!++;
  }
  weekly.pop(); // the last week is partial (the data ends on a Friday)
  const horizons = 4;
  const err = { ets: Array(horizons).fill(0), naive: Array(horizons).fill(0), drift: Array(horizons).fill(0) };
  const models: Record<string, number> = {};
  let origins = 0;
  let covered = 0;
  for (let k = 12; k + horizons <= weekly.length; k++) {
    const history = weekly.slice(0, k);
    const f = forecastEts(history, horizons);
    models[f.model] = (models[f.model] ?? 0) + 1;
    const last = history[k - 1]!;
    const slope = (last - history[0]!) / (k - 1);
    origins++;
    for (let h = 0; h < horizons; h++) {
      const actual = weekly[k + h]!;
      err.ets[h] += Math.abs(f.points[h]!.value - actual) / actual;
      err.naive[h] += Math.abs(last - actual) / actual;
      err.drift[h] += Math.abs(last + slope * (h + 1) - actual) / actual;
      if (actual >= f.points[h]!.lower && actual <= f.points[h]!.upper) covered++;
    }
  }
  const mape = (xs: number[]) => xs.map((x) => +((100 * x) / origins).toFixed(1));
  line({
    bench: 'analytics_forecast_backtest',
    weeks: weekly.length,
    origins,
    models,
    mape_pct_ets: mape(err.ets),
    mape_pct_naive: mape(err.naive),
    mape_pct_drift: mape(err.drift),
    ets_over_naive: +(err.ets.reduce((a, b) => a + b, 0) / err.naive.reduce((a, b) => a + b, 0)).toFixed(3),
    interval_95_coverage: +(covered / (origins * horizons)).toFixed(3),
  });
}

// 1. The aggregator's fold at Kinesis batch size: rate and coalesced writes per event.
{
  const started = performance.now();
  let deltas = 0;
  let counterDeltas = 0;
  const kinesisBatch = 100;
  for (let i = 0; i < events.length; i += kinesisBatch) {
    const r = aggregateEvents(events.slice(i, i + kinesisBatch), { defaultCurrency: 'GBP' });
    deltas += r.counters.length + r.sketches.length;
    counterDeltas += r.counters.length;
  }
  const seconds = (performance.now() - started) / 1000;
  line({
    bench: 'analytics_aggregate',
    events: events.length,
    batch: kinesisBatch,
    seconds: +seconds.toFixed(3),
    events_per_second: Math.round(events.length / seconds),
    deltas_per_event: +(deltas / events.length).toFixed(3),
    counter_deltas_per_event: +(counterDeltas / events.length).toFixed(3),
    note: 'deltas = coalesced (metric, bucket, dimension) writes before any cross-batch merging; events are in time order as replayed',
  });
}

// 2. Archive write throughput: the archiver's files (one per batch and event date, written through a rename) in the
// data dir's folder, as the local stack writes them.
const root = await mkdtemp(join(tmpdir(), 'opsgraph-bench-analytics-'));
try {
  const files = new FolderArchiveFiles(root);
  const started = performance.now();
  let written = 0;
  for (let i = 0; i < events.length; i += batchSize) {
    written += await writeArchiveRows(files, events.slice(i, i + batchSize).map((e) => toArchiveRecord(e)), `batch-${i}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const bytes = (await Promise.all((await walkFiles(root)).map(async (f) => (await stat(f)).size))).reduce((a, b) => a + b, 0);
  line({ bench: 'analytics_archive_write', events: events.length, batch: batchSize, files: written, bytes, seconds: +seconds.toFixed(3), events_per_second: Math.round(events.length / seconds) });

  // 3. Archive queries on embedded DuckDB over the whole year.
  const engine = await DuckDbArchiveEngine.open({ dir: join(root, 'events') });
  const from = Date.UTC(new Date(first).getUTCFullYear(), new Date(first).getUTCMonth(), 1);
  const to = last + 1;
  const timed = async <T>(name: string, extra: Record<string, unknown>, run: () => Promise<T>, summarize: (r: T) => unknown) => {
    await run(); // warm: file listing, JSON schema, page cache
    const times: number[] = [];
    let result!: T;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      result = await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    line({ bench: name, events: events.length, ...extra, ms_median: +times[1]!.toFixed(1), ms_min: +times[0]!.toFixed(1), result: summarize(result) });
  };
  try {
    for (const order of ['SEQUENTIAL', 'STRICT', 'ANY'] as const) {
      const steps = order === 'ANY' ? [{ event: 'order_completed' }, { event: 'order_refunded' }] : [{ event: 'order_completed' }, { event: 'order_completed' }, { event: 'order_refunded' }];
      await timed(
        'analytics_funnel',
        { order, steps: steps.map((s) => s.event).join('>'), window_days: 30 },
        () => runFunnel(engine, { steps, from, to, windowDays: 30, order }),
        (r) => r[0]!.steps.map((s) => ({ users: s.users, from_start: +s.conversionFromStart.toFixed(4), median_s: s.medianSecondsFromPrevious })),
      );
    }
    await timed(
      'analytics_funnel',
      { order: 'SEQUENTIAL', steps: 'order_completed>order_completed', window_days: 90, breakdown: 'COUNTRY' },
      () => runFunnel(engine, { steps: [{ event: 'order_completed' }, { event: 'order_completed' }], from, to, windowDays: 90, breakdown: 'COUNTRY' }),
      (r) => ({ groups: r.length, top: r.slice(0, 3).map((g) => ({ country: g.breakdown, users: g.steps.map((s) => s.users) })) }),
    );
    for (const [cohort, mode, period, periods] of [
      ['FIRST_TIME', 'ON', 'MONTH', 12],
      ['RECURRING', 'ON_OR_AFTER', 'MONTH', 12],
      ['FIRST_TIME', 'ON', 'WEEK', 12],
    ] as const) {
      await timed(
        'analytics_retention',
        { cohort, mode, period, periods },
        () => runRetention(engine, { startEvent: { event: 'order_completed' }, returnEvent: { event: 'order_completed' }, from, to, period, periods, cohort, mode }),
        (r) => ({ cohorts: r.length, first: r[0] }),
      );
    }
    await timed(
      'analytics_bought_together',
      { min_baskets: 50, limit: 20 },
      () => runBoughtTogether(engine, { from, to, minBaskets: 50, limit: 20 }),
      (r) => r.slice(0, 3).map((p) => ({ a: p.productA, b: p.productB, baskets: p.baskets, support: +p.support.toFixed(4), lift: +p.lift.toFixed(2) })),
    );
    await timed(
      'analytics_ltv',
      { period: 'MONTH', periods: 12 },
      () => runLtv(engine, { from, to, period: 'MONTH', periods: 12, currency: 'GBP' }),
      (r) => ({ cohorts: r.length, first: { start: r[0]?.start, size: r[0]?.size, ltv_12: r[0]?.ltv.at(-1) } }),
    );
    await timed(
      'analytics_rfm',
      {},
      () => runRfm(engine, { from, to, currency: 'GBP' }),
      (r) => ({ cells: r.length, champions: r.find((c) => c.recency === 5 && c.frequency === 5) }),
    );
    await timed(
      'analytics_paths',
      { depth: 3 },
      () => runPathsBeforePurchase(engine, { from, to, depth: 3 }),
      (r) => r.slice(0, 3).map((p) => ({ path: p.events.join(' > '), orders: p.orders })),
    );
  } finally {
    await engine.close();
  }
  backtestForecast();
  line({ bench: 'analytics_env', cpus: cpus().length, node: process.version, csv: csvPath, read_seconds: +readSeconds.toFixed(1), archive_dir: values.keep ? root : null });
} finally {
  if (!values.keep) await rm(root, { recursive: true, force: true });
}
