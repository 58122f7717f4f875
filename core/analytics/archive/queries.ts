/**
 * Archive queries end to end: validate, build the portable SQL (`sql.ts`), run it on any
 * {@link ArchiveQueryEngine}, and shape the rows into the contract's types (docs/architecture.md, "Contracts").
 */
import { bucketRanges, type Granularity } from '../buckets.js';
import { AnalyticsInputError } from '../errors.js';
import type { ArchiveQueryEngine, QueryOptions, SqlRow } from './engine.js';
import {
  buildBoughtTogetherSql,
  buildFunnelSql,
  buildPathsSql,
  buildRetentionSql,
  MAX_RETENTION_PERIODS,
  type BoughtTogetherSpec,
  type EventMatcher,
  type FunnelSpec,
  type PathsSpec,
  type RetentionCohort,
  type RetentionMode,
} from './sql.js';

/** One funnel step's figures. */
export interface FunnelStepResult {
  step: number;
  event: string;
  users: number;
  /** users / users of step 1 (1 for step 1; 0 when nobody entered). */
  conversionFromStart: number;
  /** users / users of the previous step (1 for step 1). */
  conversionFromPrevious: number;
  /** Median seconds from the previous step among the people who reached this one; null for step 1 or nobody. */
  medianSecondsFromPrevious: number | null;
}

/** A funnel, or one breakdown value's funnel. */
export interface FunnelResult {
  /** The breakdown value (null: no breakdown, or the people whose first step had no value). */
  breakdown: string | null;
  steps: FunnelStepResult[];
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function shapeFunnel(spec: FunnelSpec, rows: SqlRow[]): FunnelResult[] {
  const groups = new Map<string | null, Map<number, { users: number; median: number | null }>>();
  for (const r of rows) {
    const bd = str(r.bd);
    let g = groups.get(bd);
    if (!g) groups.set(bd, (g = new Map()));
    g.set(num(r.step), { users: num(r.users), median: r.median_ms === null ? null : num(r.median_ms) });
  }
  if (groups.size === 0) groups.set(null, new Map());
  const out: FunnelResult[] = [];
  for (const [breakdown, g] of groups) {
    const steps: FunnelStepResult[] = [];
    const first = g.get(1)?.users ?? 0;
    let prev = first;
    spec.steps.forEach((s, i) => {
      const k = i + 1;
      const users = g.get(k)?.users ?? 0;
      const median = k === 1 ? null : (g.get(k)?.median ?? null);
      steps.push({
        step: k,
        event: s.event,
        users,
        conversionFromStart: k === 1 ? (first > 0 ? 1 : 0) : first > 0 ? users / first : 0,
        conversionFromPrevious: k === 1 ? (first > 0 ? 1 : 0) : prev > 0 ? users / prev : 0,
        medianSecondsFromPrevious: median === null ? null : median / 1000,
      });
      prev = users;
    });
    out.push({ breakdown, steps });
  }
  out.sort((a, b) => (b.steps[0]?.users ?? 0) - (a.steps[0]?.users ?? 0) || String(a.breakdown).localeCompare(String(b.breakdown)));
  return out;
}

/**
 * Runs a funnel (semantics: {@link buildFunnelSql}). Without a breakdown the result has one entry.
 *
 * @example
 * ```ts
 * const [f] = await runFunnel(engine, { steps: [{ event: 'product_viewed' }, { event: 'order_completed' }],
 *   from: Date.parse('2011-01-01'), to: Date.parse('2011-02-01'), windowDays: 7 });
 * f.steps[1].conversionFromStart; // share of viewers who bought within 7 days
 * ```
 */
export async function runFunnel(engine: ArchiveQueryEngine, spec: FunnelSpec, options?: QueryOptions): Promise<FunnelResult[]> {
  const q = buildFunnelSql(spec, engine.table, engine.dialect);
  return shapeFunnel(spec, await engine.query(q.sql, q.params, options));
}

/** A retention request in the contract's terms. */
export interface RetentionSpec {
  startEvent: EventMatcher;
  returnEvent: EventMatcher;
  from: number;
  to: number;
  period: Exclude<Granularity, 'HOUR'>;
  /** Periods per cohort, period 0 included (default 8). */
  periods?: number;
  cohort?: RetentionCohort;
  mode?: RetentionMode;
  timeZone?: string;
}

/** One cohort: its period start, its size, and how many came back in each period (`returned[0] = size`). */
export interface RetentionCohortResult {
  start: string;
  size: number;
  returned: number[];
}

/**
 * Runs a retention query (semantics: {@link buildRetentionSql}). Periods are the zone's calendar periods
 * (`buckets.ts`): ISO weeks from Monday, months from the 1st.
 *
 * @example
 * ```ts
 * await runRetention(engine, { startEvent: { event: 'order_completed' }, returnEvent: { event: 'order_completed' },
 *   from: Date.parse('2011-01-01'), to: Date.parse('2011-07-01'), period: 'MONTH', periods: 6, cohort: 'FIRST_TIME' });
 * // [{ start: '2011-01-01T00:00:00.000Z', size: 421, returned: [421, 101, …] }, …]
 * ```
 */
export async function runRetention(engine: ArchiveQueryEngine, spec: RetentionSpec, options?: QueryOptions): Promise<RetentionCohortResult[]> {
  if (!['DAY', 'WEEK', 'MONTH'].includes(spec.period)) {
    throw new AnalyticsInputError('BAD_GRANULARITY', `retention periods are DAY, WEEK or MONTH, not "${String(spec.period)}"`);
  }
  const periods = spec.periods ?? 8;
  const buckets = bucketRanges(spec.from, spec.to, spec.period, spec.timeZone ?? 'UTC', { maxBuckets: 400 });
  const q = buildRetentionSql(
    { startEvent: spec.startEvent, returnEvent: spec.returnEvent, buckets, periods, cohort: spec.cohort ?? 'FIRST_TIME', mode: spec.mode ?? 'ON' },
    engine.table,
    engine.dialect,
  );
  if (periods > MAX_RETENTION_PERIODS) throw new AnalyticsInputError('BAD_ARGUMENT', `periods must be at most ${MAX_RETENTION_PERIODS}`);
  const rows = await engine.query(q.sql, q.params, options);
  const cells = new Map<number, Map<number, number>>();
  for (const r of rows) {
    const c = num(r.cohort);
    let m = cells.get(c);
    if (!m) cells.set(c, (m = new Map()));
    m.set(num(r.k), num(r.users));
  }
  return buckets.map((b, i) => {
    const m = cells.get(i);
    const size = m?.get(0) ?? 0;
    const known = Math.min(periods, buckets.length - i);
    return { start: new Date(b.start).toISOString(), size, returned: Array.from({ length: known }, (_, k) => (k === 0 ? size : (m?.get(k) ?? 0))) };
  });
}

/** One bought-together pair. */
export interface ProductPair {
  productA: string;
  productB: string;
  /** Baskets with both. */
  baskets: number;
  /** Share of all baskets with both. */
  support: number;
  /** P(B in basket | A in basket). */
  confidenceAB: number;
  /** P(A in basket | B in basket). */
  confidenceBA: number;
  /** support(A,B) / (support(A) · support(B)); above 1 means bought together more than by chance. */
  lift: number;
}

/** Runs bought-together mining (see {@link buildBoughtTogetherSql}). */
export async function runBoughtTogether(engine: ArchiveQueryEngine, spec: BoughtTogetherSpec, options?: QueryOptions): Promise<ProductPair[]> {
  const q = buildBoughtTogetherSql(spec, engine.table);
  const rows = await engine.query(q.sql, q.params, options);
  return rows.map((r) => {
    const c = num(r.baskets);
    const n = num(r.total);
    const a = num(r.count_a);
    const b = num(r.count_b);
    return { productA: String(r.product_a), productB: String(r.product_b), baskets: c, support: c / n, confidenceAB: c / a, confidenceBA: c / b, lift: (c * n) / (a * b) };
  });
}

/** One path before a purchase: the events in time order (the purchase last) and how many purchases it led to. */
export interface PurchasePath {
  events: string[];
  orders: number;
  share: number;
}

/** Runs the dominant-paths query (see {@link buildPathsSql}). `share` is over the paths returned plus the rest. */
export async function runPathsBeforePurchase(engine: ArchiveQueryEngine, spec: PathsSpec, options?: QueryOptions): Promise<PurchasePath[]> {
  const q = buildPathsSql(spec, engine.table);
  const rows = await engine.query(q.sql, q.params, options);
  const target = spec.target ?? 'order_completed';
  const paths = rows.map((r) => {
    const events: string[] = [];
    for (let k = q.meta.depth; k >= 1; k--) {
      const e = r[`e${k}`];
      if (e !== null && e !== undefined) events.push(String(e));
    }
    events.push(target);
    return { events, orders: num(r.orders) };
  });
  const total = paths.reduce((s, p) => s + p.orders, 0);
  return paths.map((p) => ({ ...p, share: total > 0 ? p.orders / total : 0 }));
}
