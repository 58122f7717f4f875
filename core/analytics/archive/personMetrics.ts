/**
 * The contract's metrics computed on the archive for a given set of people: what `metric(filter: { segment })`
 * answers, for a segment's current members. Exact (counts, sums and distinct people alike), in the same buckets
 * and zones as the real-time series (`buckets.ts`), in the same portable SQL as `sql.ts`.
 *
 * Why the archive: the real-time counters are kept per channel, country and event, not per segment (a segment is
 * a rule that changes, and its members with it), so a segment's figures are counted from its members' events.
 */
import { bucketRanges, type Granularity } from '../buckets.js';
import { AnalyticsInputError } from '../errors.js';
import { ArchiveQueryTimeout, type ArchiveQueryEngine, type QueryOptions, type SqlParam } from './engine.js';
import { baseCte } from './sql.js';

export type PersonMetric = 'EVENTS' | 'ACTIVE_USERS' | 'NEW_USERS' | 'ORDERS' | 'REVENUE' | 'AVERAGE_ORDER_VALUE' | 'BUYERS' | 'REFUNDS' | 'REFUND_AMOUNT';

/** Most people one filtered metric may cover: a segment read from DynamoDB at request time, in chunks below. */
export const MAX_FILTER_PEOPLE = 100_000;

/**
 * Most people one query names. Their ids are bound parameters, and Athena caps a query's text at 256 KiB, so more
 * people run as several queries over disjoint chunks whose results add up exactly (see {@link runPersonMetric}).
 */
export const PEOPLE_PER_QUERY = 10_000;

/** A metric over some people's archived events. */
export interface PersonMetricSpec {
  metric: PersonMetric;
  personIds: readonly string[];
  from: number;
  to: number;
  granularity: Granularity;
  timeZone?: string;
  groupBy?: 'CHANNEL' | 'COUNTRY' | 'EVENT';
}

/** One series, as `metricSeries` gives them (every point exact). */
export interface PersonMetricSeries {
  group: string | null;
  currency: string | null;
  points: Array<{ start: string; value: number; exact: true }>;
}

const MONEY = new Set<PersonMetric>(['REVENUE', 'AVERAGE_ORDER_VALUE', 'REFUND_AMOUNT']);

/** The rows a metric counts, and how. */
function measure(metric: PersonMetric): { where: string; value: string } {
  const orders = "type = 'track' AND event = 'order_completed'";
  const refunds = "type = 'track' AND event = 'order_refunded'";
  switch (metric) {
    case 'EVENTS':
      return { where: '1 = 1', value: 'COUNT(*)' };
    case 'ACTIVE_USERS':
      return { where: '1 = 1', value: 'COUNT(DISTINCT person_id)' };
    case 'ORDERS':
      return { where: orders, value: 'COUNT(*)' };
    case 'BUYERS':
      return { where: orders, value: 'COUNT(DISTINCT person_id)' };
    case 'REVENUE':
      return { where: `${orders} AND revenue IS NOT NULL`, value: 'CAST(SUM(revenue) AS DOUBLE)' };
    case 'AVERAGE_ORDER_VALUE':
      // The sum here, divided by the row count once every chunk is added (an average of averages is not one).
      return { where: `${orders} AND revenue IS NOT NULL`, value: 'CAST(SUM(revenue) AS DOUBLE)' };
    case 'REFUNDS':
      return { where: refunds, value: 'COUNT(*)' };
    case 'REFUND_AMOUNT':
      return { where: `${refunds} AND revenue IS NOT NULL`, value: 'CAST(SUM(revenue) AS DOUBLE)' };
    case 'NEW_USERS':
      return { where: '1 = 1', value: 'COUNT(*)' };
  }
}

function groupColumn(groupBy: PersonMetricSpec['groupBy'], metric: PersonMetric): string {
  if (groupBy === undefined) return 'CAST(NULL AS VARCHAR)';
  if (groupBy === 'EVENT' && metric !== 'EVENTS' && metric !== 'ACTIVE_USERS') {
    throw new AnalyticsInputError('BAD_ARGUMENT', `${metric} is not kept by EVENT (only EVENTS and ACTIVE_USERS are)`);
  }
  if (metric === 'NEW_USERS') throw new AnalyticsInputError('BAD_ARGUMENT', 'NEW_USERS of a segment cannot be grouped');
  return groupBy === 'CHANNEL' ? 'channel' : groupBy === 'COUNTRY' ? 'country' : 'event';
}

/** SQL's default order of two texts: by code unit, NULL after every text. */
function nullsLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** One chunk's rows: bucket index, group, currency, the measured value and the rows it was measured over. */
async function queryChunk(
  engine: ArchiveQueryEngine,
  spec: PersonMetricSpec,
  columns: { group: string; currency: string },
  buckets: ReturnType<typeof bucketRanges>,
  personIds: readonly string[],
  options?: QueryOptions,
) {
  const { group, currency } = columns;
  const params: SqlParam[] = [];
  const ctes = [baseCte(engine.table, buckets[0]!.start, buckets.at(-1)!.end, params)];
  // Generated integers only are inlined (period boundaries).
  ctes.push(`periods AS (SELECT * FROM (VALUES ${buckets.map((b, i) => `(${i}, ${b.start}, ${b.end})`).join(', ')}) AS p(idx, start_ms, end_ms))`);
  const people = personIds.map(() => '?').join(', ');
  let from: string;
  if (spec.metric === 'NEW_USERS') {
    // First seen over the whole archive, as the real-time NEW_USERS counts a person once, in their first bucket.
    ctes.push(`firsts AS (SELECT person_id, MIN(ts) AS ts FROM ${engine.table} WHERE person_id IN (${people}) GROUP BY person_id)`);
    from = 'firsts r';
  } else {
    ctes.push(`mine AS (SELECT * FROM base WHERE person_id IN (${people}))`);
    from = 'mine r';
  }
  params.push(...personIds);
  const { where, value } = measure(spec.metric);
  const sql = `WITH ${ctes.join(',\n')}
SELECT p.idx AS idx, ${group} AS grp, ${currency} AS cur, ${value} AS value, COUNT(*) AS n
FROM ${from} JOIN periods p ON r.ts >= p.start_ms AND r.ts < p.end_ms
WHERE ${where}
GROUP BY p.idx, ${group}, ${currency}
ORDER BY grp, cur, idx`;
  return engine.query(sql, params, options);
}

/**
 * A metric's series over some people's archived events. NEW_USERS counts the people whose first archived event
 * ever falls in the bucket.
 *
 * Why chunks add up exactly: each person is in one chunk only, so counts, sums and distinct people (per bucket,
 * group and currency) of the chunks add to the whole's; the average order value is the added sums over the added
 * order counts. The time budget is the whole call's, shared by its chunks.
 *
 * @example
 * await runPersonMetric(engine, { metric: 'REVENUE', personIds: members, from, to, granularity: 'MONTH' })
 * // [{ group: null, currency: 'GBP', points: [{ start: '2011-01-01T00:00:00.000Z', value: 10234.5, exact: true }, …] }]
 */
export async function runPersonMetric(engine: ArchiveQueryEngine, spec: PersonMetricSpec, options: QueryOptions = {}, peoplePerQuery = PEOPLE_PER_QUERY): Promise<PersonMetricSeries[]> {
  if (spec.personIds.length > MAX_FILTER_PEOPLE) {
    throw new AnalyticsInputError('BAD_ARGUMENT', `a filtered metric covers at most ${MAX_FILTER_PEOPLE} people; this segment has more`);
  }
  const buckets = bucketRanges(spec.from, spec.to, spec.granularity, spec.timeZone ?? 'UTC');
  const money = MONEY.has(spec.metric);
  const columns = { group: groupColumn(spec.groupBy, spec.metric), currency: money ? 'r.currency' : 'CAST(NULL AS VARCHAR)' };
  const zeros = () => buckets.map((b) => ({ start: new Date(b.start).toISOString(), value: 0, exact: true as const }));
  const empty = (): PersonMetricSeries[] => (money ? [] : [{ group: null, currency: null, points: zeros() }]);
  if (spec.personIds.length === 0 || buckets.length === 0) return empty();
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  const series = new Map<string, { series: PersonMetricSeries; rows: number[] }>();
  for (let i = 0; i < spec.personIds.length; i += peoplePerQuery) {
    const left = deadline === undefined ? undefined : deadline - Date.now();
    if (left !== undefined && left <= 0) throw new ArchiveQueryTimeout(options.timeoutMs!);
    const rows = await queryChunk(engine, spec, columns, buckets, spec.personIds.slice(i, i + peoplePerQuery), left === undefined ? options : { ...options, timeoutMs: left });
    for (const r of rows) {
      const g = r.grp === null ? null : String(r.grp);
      const c = r.cur === null ? null : String(r.cur);
      const id = JSON.stringify([g, c]);
      let s = series.get(id);
      if (!s) series.set(id, (s = { series: { group: g, currency: c, points: zeros() }, rows: buckets.map(() => 0) }));
      s.series.points[Number(r.idx)]!.value += Number(r.value);
      s.rows[Number(r.idx)]! += Number(r.n);
    }
  }
  for (const { series: s, rows } of series.values()) {
    s.points.forEach((p, idx) => {
      const v = spec.metric === 'AVERAGE_ORDER_VALUE' ? (rows[idx] ? p.value / rows[idx]! : 0) : p.value;
      p.value = money ? Math.round(v * 1000) / 1000 : v;
    });
  }
  // In the SQL's order (group, then currency, NULL last), whichever chunk met a series first.
  const all = [...series.values()].map((s) => s.series).sort((a, b) => nullsLast(a.group, b.group) || nullsLast(a.currency, b.currency));
  return all.length ? all : empty();
}
