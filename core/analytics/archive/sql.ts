/**
 * Portable SQL for the archive: funnels, retention, bought-together pairs and paths before `order_completed`.
 *
 * One text runs on DuckDB and on Athena (Trino); see `engine.ts` for the constructs it avoids. Values always go in
 * as `?` parameters; the only things inlined are integers this module computed itself and period boundaries it
 * generated, never client strings.
 *
 * Semantics follow PostHog's funnels and retention (sources in each builder's comment), on the archive's
 * `person_id` (canonical user id when known, else `anon:<anonymousId>`).
 */
import { AnalyticsInputError } from '../errors.js';
import { type BucketRange } from '../buckets.js';
import type { SqlDialect, SqlParam } from './engine.js';

/** A built query: the SQL, its parameters in order, and what the shaping step needs to know. */
export interface BuiltQuery<M = Record<string, never>> {
  sql: string;
  params: SqlParam[];
  meta: M;
}

/** One funnel step or retention entity: an event name and optional property equalities. */
export interface EventMatcher {
  event: string;
  /** `properties[key]` must equal the value (compared as text). Keys are any strings; they are escaped. */
  properties?: Record<string, string | number | boolean>;
}

/** PostHog's funnel order types: `ordered`, `strict`, `unordered`. */
export type FunnelOrder = 'SEQUENTIAL' | 'STRICT' | 'ANY';

/** Dimensions a funnel can be broken down by (the value on the attempt's first step: PostHog's first-touch). */
export type FunnelBreakdown = 'CHANNEL' | 'COUNTRY';

/** An exclusion: doing `event` after step `fromStep` and before step `toStep` (0-based) voids the attempt. */
export interface FunnelExclusion extends EventMatcher {
  fromStep: number;
  toStep: number;
}

/** A funnel request (event time, half-open `[from, to)`). */
export interface FunnelSpec {
  steps: EventMatcher[];
  from: number;
  to: number;
  windowDays?: number;
  order?: FunnelOrder;
  exclusions?: FunnelExclusion[];
  breakdown?: FunnelBreakdown;
}

/** Most funnel steps (each adds a join level). */
export const MAX_FUNNEL_STEPS = 20;

const DAY_MS = 86_400_000;

function bad(message: string): AnalyticsInputError {
  return new AnalyticsInputError('BAD_ARGUMENT', message);
}

export function checkRange(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new AnalyticsInputError('BAD_TIME', 'from and to must be valid times');
  if (from > to) throw new AnalyticsInputError('RANGE_REVERSED', `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`);
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The deduplicated archive rows of `[from, to)`. Firehose and local writers deliver at least once, so an event id
 * may appear twice; the first copy wins. The `dt` bounds let Athena prune partitions.
 */
export function baseCte(table: string, from: number, to: number, params: SqlParam[]): string {
  params.push(utcDay(from), utcDay(Math.max(from, to - 1)), from, to);
  return `base AS (
  SELECT event_id, type, event, person_id, ts, channel, country, revenue, currency, order_id, products, properties
  FROM (
    SELECT a.*, row_number() OVER (PARTITION BY a.event_id ORDER BY a.ts) AS copy_rank
    FROM ${table} a
    WHERE a.dt >= ? AND a.dt <= ? AND a.ts >= ? AND a.ts < ?
  ) d
  WHERE copy_rank = 1
)`;
}

/** `event = ? AND <property equalities>` for a matcher over alias `alias`; pushes its parameters. */
function matcherSql(m: EventMatcher, alias: string, dialect: SqlDialect, params: SqlParam[]): string {
  if (typeof m.event !== 'string' || m.event === '') throw bad('every step needs an event name');
  const parts = [`${alias}.type = 'track'`, `${alias}.event = ?`];
  params.push(m.event);
  for (const [key, value] of Object.entries(m.properties ?? {})) {
    parts.push(`${dialect.jsonString(`${alias}.properties`, key)} = ?`);
    params.push(String(value));
  }
  return `(${parts.join(' AND ')})`;
}

function breakdownColumn(b: FunnelBreakdown | undefined): string {
  if (b === undefined) return 'CAST(NULL AS VARCHAR)';
  if (b === 'CHANNEL') return 'channel';
  if (b === 'COUNTRY') return 'country';
  throw bad(`unknown breakdown "${String(b)}" (use CHANNEL or COUNTRY)`);
}

function range(n: number, start = 1): number[] {
  return Array.from({ length: n }, (_, i) => i + start);
}

/**
 * Funnel SQL. Each row is `(bd, step, users, median_ms)`: how many people reached step `step` (1-based) and the
 * median milliseconds from their previous step.
 *
 * Semantics (PostHog funnels; posthog/hogql_queries/insights/funnels/ and its tests test_funnel.py,
 * test_funnel_strict.py, test_funnel_unordered.py):
 * - an *attempt* starts at any step-1 event in `[from, to)`; later steps must also lie in `[from, to)` and within
 *   `windowDays` of the attempt's first step (PostHog's conversion window, measured from step 1);
 * - SEQUENTIAL (PostHog "ordered"): each step strictly later than the previous one, other events allowed between;
 *   taking the earliest next step is optimal, so a greedy chain per attempt finds the furthest step;
 * - STRICT: each step is the person's very next track event (identify/alias are not user actions and don't break
 *   a chain);
 * - ANY (PostHog "unordered"): an attempt starts at any step's event; it reaches as many distinct steps as occur
 *   in `[start, start + window]`; step times are then taken in time order. Steps must be distinct matchers, and
 *   exclusions must span the whole funnel (PostHog refuses partial exclusions in unordered funnels);
 * - exclusions (PostHog `exclusions` with `funnel_from_step`/`funnel_to_step`): an exclusion event strictly after
 *   the attempt's `fromStep` and strictly before its `toStep` voids that attempt (not yet reaching `toStep` voids
 *   nothing). A person whose every attempt is void drops out of the funnel altogether, step 1 included, as in
 *   PostHog's test_funnel_exclusions_full_window;
 * - each person counts once, by their best attempt: most steps, then the earliest start (its times give the
 *   medians, and its first step's value is the breakdown: PostHog's default first-touch attribution).
 */
export function buildFunnelSql(spec: FunnelSpec, table: string, dialect: SqlDialect): BuiltQuery<{ steps: number }> {
  const order = spec.order ?? 'SEQUENTIAL';
  if (!['SEQUENTIAL', 'STRICT', 'ANY'].includes(order)) throw bad(`unknown funnel order "${String(order)}"`);
  const n = spec.steps?.length ?? 0;
  if (n < 1) throw bad('a funnel needs at least one step');
  if (n > MAX_FUNNEL_STEPS) throw bad(`a funnel has at most ${MAX_FUNNEL_STEPS} steps`);
  const windowDays = spec.windowDays ?? 14;
  if (!(windowDays > 0) || windowDays > 3660) throw bad('windowDays must be more than 0 and at most 3660');
  const windowMs = Math.round(windowDays * DAY_MS);
  checkRange(spec.from, spec.to);
  const exclusions = spec.exclusions ?? [];
  for (const x of exclusions) {
    if (!Number.isInteger(x.fromStep) || !Number.isInteger(x.toStep) || x.fromStep < 0 || x.toStep >= n || x.fromStep >= x.toStep) {
      throw bad(`an exclusion needs 0 <= fromStep < toStep <= ${n - 1}`);
    }
    if (order === 'ANY' && (x.fromStep !== 0 || x.toStep !== n - 1)) {
      throw bad('in ANY order an exclusion must span the whole funnel (fromStep 0, toStep last)');
    }
  }
  if (order === 'ANY') {
    const seen = new Set<string>();
    for (const s of spec.steps) {
      const key = JSON.stringify([s.event, Object.entries(s.properties ?? {}).sort()]);
      if (seen.has(key)) throw bad('in ANY order every step must be different');
      seen.add(key);
    }
  }

  const params: SqlParam[] = [];
  const ctes: string[] = [baseCte(table, spec.from, spec.to, params)];
  const bd = breakdownColumn(spec.breakdown);
  // Step flags on every track event (the person's sequence number is over all track events, for STRICT).
  const stepFlags = spec.steps.map((s, i) => `CASE WHEN ${matcherSql(s, 'b', dialect, params)} THEN 1 ELSE 0 END AS is_s${i + 1}`);
  const exclFlags = exclusions.map((x, i) => `CASE WHEN ${matcherSql(x, 'b', dialect, params)} THEN 1 ELSE 0 END AS is_x${i + 1}`);
  ctes.push(`flagged AS (
  SELECT b.person_id, b.ts, b.event_id, ${spec.breakdown ? `b.${bd}` : bd} AS bd,
    row_number() OVER (PARTITION BY b.person_id ORDER BY b.ts, b.event_id) AS seq,
    ${[...stepFlags, ...exclFlags].join(',\n    ')}
  FROM base b
  WHERE b.type = 'track'
)`);
  // STRICT needs every track event (a step must be the very next one); the others only the flagged ones.
  const anyFlag = [...range(n).map((k) => `is_s${k} = 1`), ...exclusions.map((_, i) => `is_x${i + 1} = 1`)].join(' OR ');
  ctes.push(order === 'STRICT' ? `ev AS (SELECT * FROM flagged)` : `ev AS (SELECT * FROM flagged WHERE ${anyFlag})`);

  const times = range(n).map((k) => `t${k}`);
  if (order === 'ANY') {
    const anyStep = range(n).map((k) => `is_s${k} = 1`).join(' OR ');
    ctes.push(`starts AS (SELECT person_id, ts AS t0, bd FROM ev WHERE ${anyStep})`);
    ctes.push(`attempts AS (
  SELECT st.person_id, st.t0, st.bd,
    ${range(n).map((k) => `MIN(CASE WHEN e.is_s${k} = 1 THEN e.ts END) AS f${k}`).join(',\n    ')}
  FROM starts st
  JOIN ev e ON e.person_id = st.person_id AND e.ts >= st.t0 AND e.ts <= st.t0 + ${windowMs}
  GROUP BY st.person_id, st.t0, st.bd
)`);
    const excluded = exclusions.map(
      (_, i) =>
        `EXISTS (SELECT 1 FROM ev x WHERE x.person_id = a.person_id AND x.is_x${i + 1} = 1 AND x.ts > a.t0 AND (${range(n)
          .map((k) => `x.ts < a.f${k}`)
          .join(' OR ')}))`,
    );
    ctes.push(`scored AS (
  SELECT a.*, (${range(n).map((k) => `CASE WHEN a.f${k} IS NULL THEN 0 ELSE 1 END`).join(' + ')}) AS steps
  FROM attempts a
  ${excluded.length ? `WHERE NOT (${excluded.join(' OR ')})` : ''}
)`);
    ctes.push(`chosen AS (
  SELECT * FROM (
    SELECT s.*, row_number() OVER (PARTITION BY s.person_id ORDER BY s.steps DESC, s.t0) AS pick FROM scored s
  ) r WHERE pick = 1
)`);
    ctes.push(`reached AS (
  ${range(n)
    .map((k) => `SELECT person_id, bd, f${k} AS t FROM chosen WHERE f${k} IS NOT NULL`)
    .join('\n  UNION ALL\n  ')}
)`);
  } else {
    ctes.push(`a1 AS (SELECT person_id, bd, ts AS t1, seq AS q1 FROM ev WHERE is_s1 = 1)`);
    for (let k = 2; k <= n; k++) {
      const carried = range(k - 1).flatMap((j) => [`a.t${j}`, `a.q${j}`]);
      const join =
        order === 'STRICT'
          ? `s.seq = a.q${k - 1} + 1`
          : `s.ts > a.t${k - 1}`;
      ctes.push(`a${k} AS (
  SELECT a.person_id, a.bd, ${carried.join(', ')}, MIN(s.ts) AS t${k}, MIN(s.seq) AS q${k}
  FROM a${k - 1} a
  LEFT JOIN ev s ON s.person_id = a.person_id AND s.is_s${k} = 1 AND a.t${k - 1} IS NOT NULL
    AND ${join} AND s.ts <= a.t1 + ${windowMs}
  GROUP BY a.person_id, a.bd, ${carried.join(', ')}
)`);
    }
    const excluded = exclusions.map(
      (x, i) =>
        `(a.t${x.toStep + 1} IS NOT NULL AND EXISTS (SELECT 1 FROM ev x WHERE x.person_id = a.person_id AND x.is_x${i + 1} = 1 AND x.ts > a.t${x.fromStep + 1} AND x.ts < a.t${x.toStep + 1}))`,
    );
    ctes.push(`scored AS (
  SELECT a.person_id, a.bd, a.q1, ${times.map((t) => `a.${t}`).join(', ')},
    (${times.map((t) => `CASE WHEN a.${t} IS NULL THEN 0 ELSE 1 END`).join(' + ')}) AS steps
  FROM a${n} a
  ${excluded.length ? `WHERE NOT (${excluded.join(' OR ')})` : ''}
)`);
    ctes.push(`chosen AS (
  SELECT * FROM (
    SELECT s.*, row_number() OVER (PARTITION BY s.person_id ORDER BY s.steps DESC, s.t1, s.q1) AS pick FROM scored s
  ) r WHERE pick = 1
)`);
    ctes.push(`reached AS (
  ${times.map((t) => `SELECT person_id, bd, ${t} AS t FROM chosen WHERE ${t} IS NOT NULL`).join('\n  UNION ALL\n  ')}
)`);
  }
  // Positions in time order (ANY needs the sort; for the ordered kinds it is the step order already).
  ctes.push(`positioned AS (
  SELECT person_id, bd, t,
    row_number() OVER (PARTITION BY person_id ORDER BY t) AS step,
    t - LAG(t) OVER (PARTITION BY person_id ORDER BY t) AS d
  FROM reached
)`);
  ctes.push(`counts AS (SELECT bd, step, COUNT(*) AS users FROM positioned GROUP BY bd, step)`);
  ctes.push(`ranked AS (
  SELECT bd, step, d,
    row_number() OVER (PARTITION BY bd, step ORDER BY d) AS rn,
    COUNT(*) OVER (PARTITION BY bd, step) AS cnt
  FROM positioned WHERE d IS NOT NULL
)`);
  ctes.push(`medians AS (
  SELECT bd, step, AVG(CAST(d AS DOUBLE)) AS median_ms
  FROM ranked WHERE rn = FLOOR((cnt + 1) / 2.0) OR rn = FLOOR((cnt + 2) / 2.0)
  GROUP BY bd, step
)`);
  const sql = `WITH ${ctes.join(',\n')}
SELECT c.bd, c.step, c.users, m.median_ms
FROM counts c LEFT JOIN medians m ON m.bd IS NOT DISTINCT FROM c.bd AND m.step = c.step
ORDER BY c.bd, c.step`;
  return { sql, params, meta: { steps: n } };
}

/** Retention cohorts: PostHog's `retention_first_time` and `retention_recurring`. */
export type RetentionCohort = 'FIRST_TIME' | 'RECURRING';
/** ON: returned in exactly that period. ON_OR_AFTER: in that period or any later one (PostHog `cumulative`). */
export type RetentionMode = 'ON' | 'ON_OR_AFTER';

/** A retention request over period buckets computed by `buckets.ts` (so periods honour the time zone). */
export interface RetentionSqlSpec {
  startEvent: EventMatcher;
  returnEvent: EventMatcher;
  /** The period buckets covering the date range, in order (from {@link bucketRanges}). */
  buckets: BucketRange[];
  /** Periods per cohort, period 0 included. */
  periods: number;
  cohort: RetentionCohort;
  mode: RetentionMode;
}

/** Most periods per cohort. */
export const MAX_RETENTION_PERIODS = 120;

/**
 * Retention SQL. Each row is `(cohort, k, users)`: cohort index into the buckets, periods after the cohort's, and
 * how many of its people count as returned there (`k = 0` is the cohort size).
 *
 * Semantics (PostHog retention: posthog/hogql_queries/insights/retention/, retention_base_query_builder.py and
 * retention_base_query_fixed.py):
 * - RECURRING (`retention_recurring`): a person belongs to the cohort of every period in which they did the start
 *   event;
 * - FIRST_TIME (`retention_first_time`, "first occurrence matching filters"): a person belongs only to the cohort
 *   of the period of their first start event ever, looked up over the whole archive; a person whose first time
 *   lies before the range is in no cohort;
 * - period 0 is the cohort itself (PostHog puts a 0 marker for the start interval), so `returned[0] = size`;
 *   period k ≥ 1 counts people who did the return event in the cohort's period + k;
 * - ON_OR_AFTER (PostHog `cumulative: true`): period k counts people whose last return period is k or later, i.e.
 *   who came back in period k or any later one within the periods asked for;
 * - periods after the range's last bucket are unknown, so a late cohort has fewer periods (PostHog's table shows
 *   them empty).
 */
export function buildRetentionSql(spec: RetentionSqlSpec, table: string, dialect: SqlDialect): BuiltQuery<{ buckets: BucketRange[]; periods: number }> {
  const { buckets, periods } = spec;
  if (!['FIRST_TIME', 'RECURRING'].includes(spec.cohort)) throw bad(`unknown cohort type "${String(spec.cohort)}"`);
  if (!['ON', 'ON_OR_AFTER'].includes(spec.mode)) throw bad(`unknown retention mode "${String(spec.mode)}"`);
  if (!Number.isInteger(periods) || periods < 1 || periods > MAX_RETENTION_PERIODS) {
    throw bad(`periods must be a whole number from 1 to ${MAX_RETENTION_PERIODS}`);
  }
  if (buckets.length === 0) return { sql: 'SELECT 0 AS cohort, 0 AS k, 0 AS users WHERE 1 = 0', params: [], meta: { buckets, periods } };
  const from = buckets[0]!.start;
  const to = buckets[buckets.length - 1]!.end;
  const params: SqlParam[] = [];
  const ctes: string[] = [baseCte(table, from, to, params)];
  // Generated boundaries only (integers), so inlining them is safe and keeps the VALUES list portable.
  ctes.push(`periods AS (
  SELECT * FROM (VALUES ${buckets.map((b, i) => `(${i}, ${b.start}, ${b.end})`).join(', ')}) AS p(idx, start_ms, end_ms)
)`);
  if (spec.cohort === 'FIRST_TIME') {
    // The first time is over all history, so this scan has no date bound (each event id counts once anyway: MIN).
    ctes.push(`firsts AS (
  SELECT b.person_id, MIN(b.ts) AS first_ts FROM ${table} b WHERE ${matcherSql(spec.startEvent, 'b', dialect, params)} GROUP BY b.person_id
)`);
    ctes.push(`members AS (
  SELECT f.person_id, p.idx AS cohort FROM firsts f JOIN periods p ON f.first_ts >= p.start_ms AND f.first_ts < p.end_ms
)`);
  } else {
    ctes.push(`members AS (
  SELECT DISTINCT b.person_id, p.idx AS cohort
  FROM base b JOIN periods p ON b.ts >= p.start_ms AND b.ts < p.end_ms
  WHERE ${matcherSql(spec.startEvent, 'b', dialect, params)}
)`);
  }
  ctes.push(`returns AS (
  SELECT DISTINCT b.person_id, p.idx AS ridx
  FROM base b JOIN periods p ON b.ts >= p.start_ms AND b.ts < p.end_ms
  WHERE ${matcherSql(spec.returnEvent, 'b', dialect, params)}
)`);
  ctes.push(`sizes AS (SELECT cohort, COUNT(*) AS users FROM members GROUP BY cohort)`);
  ctes.push(`lags AS (
  SELECT m.person_id, m.cohort, r.ridx - m.cohort AS k
  FROM members m JOIN returns r ON r.person_id = m.person_id AND r.ridx > m.cohort AND r.ridx < m.cohort + ${periods}
)`);
  let later: string;
  if (periods === 1) later = '';
  else if (spec.mode === 'ON') later = `UNION ALL SELECT cohort, k, COUNT(DISTINCT person_id) AS users FROM lags GROUP BY cohort, k`;
  else {
    ctes.push(`last_return AS (SELECT person_id, cohort, MAX(k) AS maxk FROM lags GROUP BY person_id, cohort)`);
    ctes.push(`ks AS (SELECT * FROM (VALUES ${range(periods - 1).map((k) => `(${k})`).join(', ')}) AS t(k))`);
    later = `UNION ALL SELECT l.cohort, ks.k, COUNT(*) AS users FROM last_return l JOIN ks ON l.maxk >= ks.k GROUP BY l.cohort, ks.k`;
  }
  const sql = `WITH ${ctes.join(',\n')}
SELECT cohort, k, users FROM (
  SELECT cohort, 0 AS k, users FROM sizes
  ${later}
) r
ORDER BY cohort, k`;
  return { sql, params, meta: { buckets, periods } };
}

/** A bought-together request over `order_completed` baskets. */
export interface BoughtTogetherSpec {
  from: number;
  to: number;
  /** Keep pairs seen in at least this many baskets (default 2). */
  minBaskets?: number;
  /** Most pairs returned (default 50, at most 1000). */
  limit?: number;
}

/**
 * Bought-together pairs (association rules of size 2) over `order_completed` baskets in `[from, to)`. A basket is
 * one order event's distinct products. Rows: `(product_a, product_b, baskets, total, count_a, count_b)` with
 * `product_a < product_b`; the shaping step derives support = baskets/total, confidence(a→b) = baskets/count_a,
 * confidence(b→a) = baskets/count_b and lift = baskets·total/(count_a·count_b) (Agrawal et al. 1993).
 * Ordered by baskets, then lift.
 */
export function buildBoughtTogetherSql(spec: BoughtTogetherSpec, table: string): BuiltQuery {
  checkRange(spec.from, spec.to);
  const minBaskets = spec.minBaskets ?? 2;
  const limit = spec.limit ?? 50;
  if (!Number.isInteger(minBaskets) || minBaskets < 1) throw bad('minBaskets must be a whole number of at least 1');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw bad('limit must be a whole number from 1 to 1000');
  const params: SqlParam[] = [];
  const base = baseCte(table, spec.from, spec.to, params);
  // Apriori pruning: a pair seen in ≥ minBaskets baskets needs both products in ≥ minBaskets baskets, so rare
  // products are dropped before the self-join, and the join and grouping run on integer product numbers.
  params.push(minBaskets, minBaskets);
  const sql = `WITH ${base},
baskets AS (
  SELECT DISTINCT b.event_id AS basket, p.product_id
  FROM base b CROSS JOIN UNNEST(b.products) AS p(product_id)
  WHERE b.type = 'track' AND b.event = 'order_completed' AND p.product_id IS NOT NULL
),
total AS (SELECT COUNT(DISTINCT basket) AS n FROM baskets),
items AS (SELECT product_id, COUNT(*) AS c, row_number() OVER (ORDER BY product_id) AS pid FROM baskets GROUP BY product_id),
frequent AS (
  SELECT bk.basket, i.pid
  FROM baskets bk JOIN items i ON i.product_id = bk.product_id
  WHERE i.c >= ?
),
pairs AS (
  SELECT x.pid AS pid_a, y.pid AS pid_b, COUNT(*) AS c
  FROM frequent x JOIN frequent y ON x.basket = y.basket AND x.pid < y.pid
  GROUP BY x.pid, y.pid
  HAVING COUNT(*) >= ?
)
SELECT ia.product_id AS product_a, ib.product_id AS product_b, pr.c AS baskets, t.n AS total, ia.c AS count_a, ib.c AS count_b
FROM pairs pr
CROSS JOIN total t
JOIN items ia ON ia.pid = pr.pid_a
JOIN items ib ON ib.pid = pr.pid_b
ORDER BY pr.c DESC, CAST(pr.c AS DOUBLE) * t.n / (CAST(ia.c AS DOUBLE) * ib.c) DESC, ia.product_id, ib.product_id
LIMIT ${limit}`;
  return { sql, params, meta: {} };
}

/** A paths-before-purchase request. */
export interface PathsSpec {
  from: number;
  to: number;
  /** How many events before each `order_completed` (default 3, at most 10). */
  depth?: number;
  /** Only events this close before the order count (default 30 days). */
  withinDays?: number;
  /** Most paths returned (default 20, at most 1000). */
  limit?: number;
  /** The event the paths lead to (default `order_completed`). */
  target?: string;
}

/**
 * The dominant paths before a purchase: for every `order_completed` in `[from, to)`, the person's previous `depth`
 * track events within `withinDays` (oldest first), counted. Rows: `(e_depth, …, e_1, orders)` where `e_1` is the
 * event just before the order; NULL where the path is shorter (the person's history starts there).
 */
export function buildPathsSql(spec: PathsSpec, table: string): BuiltQuery<{ depth: number }> {
  checkRange(spec.from, spec.to);
  const depth = spec.depth ?? 3;
  const withinMs = Math.round((spec.withinDays ?? 30) * DAY_MS);
  const limit = spec.limit ?? 20;
  if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw bad('depth must be a whole number from 1 to 10');
  if (!(withinMs > 0)) throw bad('withinDays must be more than 0');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw bad('limit must be a whole number from 1 to 1000');
  // Look back before `from` too, so the first orders of the range have their history.
  const params: SqlParam[] = [];
  const base = baseCte(table, spec.from - withinMs, spec.to, params);
  const over = 'OVER (PARTITION BY person_id ORDER BY ts, event_id)';
  const lags = range(depth).flatMap((k) => [`LAG(event, ${k}) ${over} AS e${k}`, `LAG(ts, ${k}) ${over} AS ts${k}`]);
  const cols = range(depth).reverse().map((k) => `CASE WHEN ts - ts${k} <= ${withinMs} THEN e${k} END AS e${k}`);
  params.push(spec.target ?? 'order_completed', spec.from);
  const names = range(depth).reverse().map((k) => `e${k}`);
  const sql = `WITH ${base},
seq AS (
  SELECT person_id, event, ts, ${lags.join(', ')}
  FROM base WHERE type = 'track'
),
paths AS (
  SELECT ${cols.join(', ')} FROM seq WHERE event = ? AND ts >= ?
)
SELECT ${names.join(', ')}, COUNT(*) AS orders
FROM paths
GROUP BY ${names.join(', ')}
ORDER BY orders DESC, ${names.join(', ')}
LIMIT ${limit}`;
  return { sql, params, meta: { depth } };
}
