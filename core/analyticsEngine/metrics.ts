/**
 * `metric(...)` of the analytics contract over the aggregates table: the stored HOUR and DAY buckets (UTC, event
 * time) merged into the asked granularity and zone. Counts and money are exact sums; distinct users are
 * HyperLogLog merges of the stored sketches (WAU and MAU from daily sketches), marked `exact: false`.
 */
import { currencyExponent, type AggregateGranularity, type Dimension } from '../analytics/aggregate.js';
import { assertTimeZone, bucketRanges, type Granularity } from '../analytics/buckets.js';
import { AnalyticsInputError } from '../analytics/errors.js';
import { HyperLogLog } from '../analytics/hll.js';
import { forEachLimit } from '../platform/forEachLimit.js';
import { currenciesIndexKey, seriesKey, valuesIndexKey, type StoredMetric } from './series.js';
import { indexValues, seriesItems, type StoredAggregate } from './store/aggregates.js';

export type MetricName = 'EVENTS' | 'ACTIVE_USERS' | 'NEW_USERS' | 'ORDERS' | 'REVENUE' | 'AVERAGE_ORDER_VALUE' | 'BUYERS' | 'REFUNDS' | 'REFUND_AMOUNT';
export type MetricGroupBy = 'CHANNEL' | 'COUNTRY' | 'EVENT';

export interface MetricQuery {
  metric: MetricName;
  from: number;
  to: number;
  granularity: Granularity;
  timeZone?: string;
  groupBy?: MetricGroupBy;
}

export interface MetricPoint {
  /** Bucket start (ISO, UTC). */
  start: string;
  value: number;
  exact: boolean;
}

export interface MetricSeries {
  /** The group's value (null: ungrouped, or the events that lack the dimension). */
  group: string | null;
  /** Money metrics: the currency of the amounts (amounts in different currencies are never added). */
  currency: string | null;
  points: MetricPoint[];
}

const SKETCHES = new Set<MetricName>(['ACTIVE_USERS', 'BUYERS']);
/** Series read at once (one Query each). */
const READ_CONCURRENCY = 16;
const MONEY = new Set<MetricName>(['REVENUE', 'REFUND_AMOUNT', 'AVERAGE_ORDER_VALUE']);

/**
 * The series of one metric query, one per group (and per currency for money).
 *
 * @throws AnalyticsInputError for a reversed range, too many buckets, an unknown zone, or a grouping the metric is
 *   not kept by (only EVENTS and ACTIVE_USERS are kept by EVENT)
 * @example
 * await metricSeries(table, { metric: 'REVENUE', from, to, granularity: 'MONTH', timeZone: 'Europe/London' })
 */
export async function metricSeries(table: string, q: MetricQuery): Promise<MetricSeries[]> {
  const timeZone = assertTimeZone(q.timeZone ?? 'UTC');
  const ranges = bucketRanges(q.from, q.to, q.granularity, timeZone);
  if (q.groupBy === 'EVENT' && q.metric !== 'EVENTS' && q.metric !== 'ACTIVE_USERS') {
    throw new AnalyticsInputError('BAD_ARGUMENT', `${q.metric} is not kept by EVENT (only EVENTS and ACTIVE_USERS are)`);
  }
  // Day buckets serve UTC days, weeks and months; any other zone or hourly series is summed from hours.
  const stored: AggregateGranularity = timeZone === 'UTC' && q.granularity !== 'HOUR' ? 'DAY' : 'HOUR';
  const dimension: Dimension = q.groupBy ?? 'ALL';
  const base: StoredMetric = q.metric === 'AVERAGE_ORDER_VALUE' ? 'REVENUE' : q.metric;
  const groups: Array<string | null> = dimension === 'ALL' ? [null] : (await indexValues(table, valuesIndexKey(base, dimension))).map((v) => JSON.parse(v) as string | null);
  const currencies: Array<string | undefined> = MONEY.has(q.metric) ? (await indexValues(table, currenciesIndexKey(base))).sort() : [undefined];
  if (currencies.length === 0) currencies.push(undefined);
  const first = ranges[0]?.start ?? q.from;
  const last = ranges.at(-1)?.end ?? q.to;
  const read = (metric: StoredMetric, group: string | null, currency?: string) =>
    seriesItems(table, seriesKey(metric, stored, dimension, group, currency), first, last);

  // Every group's series is its own Query: read them side by side.
  const tasks = groups.sort((a, b) => String(a).localeCompare(String(b))).flatMap((group) => currencies.map((currency) => ({ group, currency })));
  const out: MetricSeries[] = new Array(tasks.length);
  await forEachLimit(tasks.map((t, i) => ({ ...t, i })), READ_CONCURRENCY, async ({ group, currency, i }) => {
    const items = byRange(await read(base, group, currency), ranges);
    const scale = currency ? 10 ** currencyExponent(currency) : 1;
    let points: MetricPoint[];
    if (SKETCHES.has(q.metric)) points = ranges.map((r, k) => ({ start: iso(r.start), value: distinct(items[k]!), exact: false }));
    else points = ranges.map((r, k) => ({ start: iso(r.start), value: sum(items[k]!) / scale, exact: true }));
    if (q.metric === 'AVERAGE_ORDER_VALUE') {
      const orders = byRange(await read('ORDERS', group), ranges);
      points = points.map((p, k) => {
        const n = sum(orders[k]!);
        return { ...p, value: n ? p.value / n : 0 };
      });
    }
    out[i] = { group, currency: currency ?? null, points };
  });
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Items (in bucket order) split by the consecutive ranges they fall in, in one pass. */
function byRange(items: readonly StoredAggregate[], ranges: ReadonlyArray<{ start: number; end: number }>): StoredAggregate[][] {
  const out = ranges.map((): StoredAggregate[] => []);
  let r = 0;
  for (const item of items) {
    while (r < ranges.length && item.bucket >= ranges[r]!.end) r++;
    if (r === ranges.length) break;
    if (item.bucket >= ranges[r]!.start) out[r]!.push(item);
  }
  return out;
}
const sum = (items: readonly StoredAggregate[]) => items.reduce((s, i) => s + (i.n ?? 0), 0);

function distinct(items: readonly StoredAggregate[]): number {
  const merged = new HyperLogLog();
  for (const i of items) if (i.hll) merged.merge(HyperLogLog.fromBuffer(i.hll));
  return Math.round(merged.estimate());
}
