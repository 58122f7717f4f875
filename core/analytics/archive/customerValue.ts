/**
 * Customer value on the archive: LTV by first-seen cohort and the RFM grid, in the same portable SQL as `sql.ts`
 * (DuckDB locally, Athena on AWS). Money is the archive's `revenue` column: order amounts exact to the minor unit,
 * refunds subtracted for LTV. Give a currency when the shop sells in more than one: amounts of different currencies
 * are never added then.
 */
import { bucketRanges, type Granularity } from '../buckets.js';
import { AnalyticsInputError } from '../errors.js';
import type { ArchiveQueryEngine, QueryOptions, SqlParam } from './engine.js';
import { baseCte, checkRange } from './sql.js';

/** Most periods of an LTV curve. */
export const MAX_LTV_PERIODS = 60;

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function currencyFilter(currency: string | undefined, params: SqlParam[]): string {
  if (currency === undefined) return '';
  if (!/^[A-Za-z]{3}$/.test(currency)) throw new AnalyticsInputError('BAD_ARGUMENT', `currency must be an ISO 4217 code, not "${currency}"`);
  params.push(currency.toUpperCase());
  return ' AND currency = ?';
}

/** An LTV request: cohorts by the period of each person's first archived event within `[from, to)`. */
export interface LtvSpec {
  from: number;
  to: number;
  period: Exclude<Granularity, 'HOUR'>;
  /** Periods per cohort, period 0 included (default 12). */
  periods?: number;
  timeZone?: string;
  currency?: string;
  /** Acquisition cost per new person (CAC), in the same currency: each cohort then gets LTV/CAC. */
  acquisitionCost?: number;
}

/** One first-seen cohort: its size, cumulative net revenue per person after each period, and LTV/CAC. */
export interface LtvCohort {
  start: string;
  size: number;
  /** `ltv[k]`: net revenue per cohort member up to the end of period k (periods not over yet are left out). */
  ltv: number[];
  /** The last known LTV over the acquisition cost; null without one. */
  ltvToCac: number | null;
}

/**
 * LTV by first-seen cohort. A person's first-seen time is their first archived event ever (over the whole archive,
 * as retention's FIRST_TIME cohorts), so a person first seen before `from` is in no cohort.
 *
 * @example
 * await runLtv(engine, { from: Date.parse('2011-01-01'), to: Date.parse('2012-01-01'), period: 'MONTH', periods: 12, currency: 'GBP' });
 * // [{ start: '2011-01-01T00:00:00.000Z', size: 421, ltv: [310.2, 402.9, …], ltvToCac: null }, …]
 */
export async function runLtv(engine: ArchiveQueryEngine, spec: LtvSpec, options?: QueryOptions): Promise<LtvCohort[]> {
  checkRange(spec.from, spec.to);
  const periods = spec.periods ?? 12;
  if (!Number.isInteger(periods) || periods < 1 || periods > MAX_LTV_PERIODS) {
    throw new AnalyticsInputError('BAD_ARGUMENT', `periods must be a whole number from 1 to ${MAX_LTV_PERIODS}`);
  }
  if (spec.acquisitionCost !== undefined && !(spec.acquisitionCost > 0)) throw new AnalyticsInputError('BAD_ARGUMENT', 'acquisitionCost must be more than 0');
  const buckets = bucketRanges(spec.from, spec.to, spec.period, spec.timeZone ?? 'UTC', { maxBuckets: 400 });
  const params: SqlParam[] = [];
  const base = baseCte(engine.table, buckets[0]!.start, buckets[buckets.length - 1]!.end, params);
  const currency = currencyFilter(spec.currency, params);
  // Generated integers only are inlined (period boundaries, the number of periods).
  const sql = `WITH ${base},
periods AS (
  SELECT * FROM (VALUES ${buckets.map((b, i) => `(${i}, ${b.start}, ${b.end})`).join(', ')}) AS p(idx, start_ms, end_ms)
),
firsts AS (SELECT person_id, MIN(ts) AS first_ts FROM ${engine.table} GROUP BY person_id),
members AS (SELECT f.person_id, p.idx AS cohort FROM firsts f JOIN periods p ON f.first_ts >= p.start_ms AND f.first_ts < p.end_ms),
money AS (
  SELECT person_id, ts, CASE WHEN event = 'order_refunded' THEN -revenue ELSE revenue END AS amount
  FROM base WHERE type = 'track' AND event IN ('order_completed', 'order_refunded') AND revenue IS NOT NULL${currency}
),
spend AS (
  SELECT m.cohort, p.idx - m.cohort AS k, SUM(mo.amount) AS amount
  FROM members m JOIN money mo ON mo.person_id = m.person_id JOIN periods p ON mo.ts >= p.start_ms AND mo.ts < p.end_ms
  WHERE p.idx >= m.cohort AND p.idx < m.cohort + ${periods}
  GROUP BY m.cohort, p.idx - m.cohort
)
SELECT cohort, -1 AS k, COUNT(*) AS users, CAST(0 AS DOUBLE) AS amount FROM members GROUP BY cohort
UNION ALL
SELECT cohort, k, 0 AS users, CAST(amount AS DOUBLE) AS amount FROM spend
ORDER BY cohort, k`;
  const rows = await engine.query(sql, params, options);
  const sizes = new Map<number, number>();
  const spent = new Map<string, number>();
  for (const r of rows) {
    if (num(r.k) < 0) sizes.set(num(r.cohort), num(r.users));
    else spent.set(`${num(r.cohort)}/${num(r.k)}`, num(r.amount));
  }
  return buckets.map((b, i) => {
    const size = sizes.get(i) ?? 0;
    const known = Math.min(periods, buckets.length - i);
    let total = 0;
    const ltv = Array.from({ length: known }, (_, k) => {
      total += spent.get(`${i}/${k}`) ?? 0;
      return size > 0 ? Math.round((total / size) * 1e6) / 1e6 : 0;
    });
    const last = ltv.at(-1) ?? 0;
    return { start: new Date(b.start).toISOString(), size, ltv, ltvToCac: spec.acquisitionCost && size > 0 ? last / spec.acquisitionCost : null };
  });
}

/** An RFM request over the orders of `[from, to)`, scored as of `to`. */
export interface RfmSpec {
  from: number;
  to: number;
  currency?: string;
}

/** One cell of the 5 × 5 recency × frequency grid (5: most recent, most frequent). */
export interface RfmCell {
  recency: number;
  frequency: number;
  users: number;
  orders: number;
  revenue: number;
  /** Mean days from a member's last order to the end of the range. */
  averageRecencyDays: number;
}

/**
 * The RFM grid: each buyer of `[from, to)` scored 1-5 on recency (last order), frequency (orders, then revenue)
 * and bucketed by quintile (`ntile(5)`; ties broken by person id so both engines agree), then counted per
 * recency × frequency cell with their orders, revenue and mean recency. Cells without buyers are left out.
 *
 * @example
 * (await runRfm(engine, { from, to, currency: 'GBP' })).find((c) => c.recency === 5 && c.frequency === 5) // the champions
 */
export async function runRfm(engine: ArchiveQueryEngine, spec: RfmSpec, options?: QueryOptions): Promise<RfmCell[]> {
  checkRange(spec.from, spec.to);
  const params: SqlParam[] = [];
  const base = baseCte(engine.table, spec.from, spec.to, params);
  const currency = currencyFilter(spec.currency, params);
  params.push(spec.to);
  const sql = `WITH ${base},
per AS (
  SELECT person_id, MAX(ts) AS last_ts, COUNT(*) AS orders, CAST(SUM(revenue) AS DOUBLE) AS revenue
  FROM base WHERE type = 'track' AND event = 'order_completed' AND revenue IS NOT NULL${currency}
  GROUP BY person_id
),
scored AS (
  SELECT last_ts, orders, revenue,
    ntile(5) OVER (ORDER BY last_ts, person_id) AS r,
    ntile(5) OVER (ORDER BY orders, revenue, person_id) AS f
  FROM per
)
SELECT r, f, COUNT(*) AS users, SUM(orders) AS orders, SUM(revenue) AS revenue, AVG(CAST(? - last_ts AS DOUBLE)) AS recency_ms
FROM scored GROUP BY r, f ORDER BY r, f`;
  const rows = await engine.query(sql, params, options);
  return rows.map((r) => ({
    recency: num(r.r),
    frequency: num(r.f),
    users: num(r.users),
    orders: num(r.orders),
    // The column's scale: sums of exact amounts, rounded back after the DOUBLE cast.
    revenue: Math.round(num(r.revenue) * 1000) / 1000,
    averageRecencyDays: num(r.recency_ms) / 86_400_000,
  }));
}
