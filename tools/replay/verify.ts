/**
 * Replay, step 5: verifying. Expected profile figures of the Online Retail replay, computed straight from the CSV
 * with this file's own parsing (no code shared with the replay or `tools/data`), so a replay bug cannot hide
 * behind itself. The replay test and `bench/replay.ts` both compare against it.
 *
 * The business rules, which the replay (`plan.ts`, rules listed in `index.ts`) applies too:
 * - rows are grouped into invoices by (CustomerID, InvoiceNo); duplicate rows are real line items and count;
 * - an invoice's total is Σ Quantity × UnitPrice, exact in thousandths of a pound, and its amount is the absolute
 *   total rounded half-up to whole pence; its time is its earliest row's InvoiceDate, read as UTC;
 * - an invoice numbered `C…` is a refund of its amount; any other invoice is an order when its total is positive,
 *   a refund when it is negative (bad-debt adjustments), and no event at all when it is zero;
 * - a customer's `identify` is at their earliest row of any invoice (zero-total ones included), so
 *   firstSeenAt is that time and lastSeenAt the latest of it and their order/refund times;
 * - a guest invoice (no CustomerID) that yields an event is its own profile `anon:guest-<InvoiceNo>`;
 * - RFM frequency and monetary and the 30/90-day order windows count orders by their UTC day up to
 *   {@link STATS_AS_OF}.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { nativeItemBytes } from '../../core/store/itemSize.js';
// One query asks for as many profiles as the gateway allows aliases.
import { MAX_ALIASES } from '../../gateway/limits.js';

/**
 * The `asOf` of the windowed figures: the file's last day. Windows count whole UTC days back from asOf's day,
 * that day included ("the last 30 days" are 2011-11-10 … 2011-12-09).
 */
export const STATS_AS_OF = '2011-12-09T12:00:00.000Z';

export interface ExpectedStats {
  orders: number;
  /** Pounds, to the penny. */
  revenue: number;
  refunds: number;
  refunded: number;
  /** ISO 8601 with milliseconds, as `toISOString` writes it. */
  firstSeenAt: string;
  lastSeenAt: string;
  /** Orders and their revenue in the 365 days up to {@link STATS_AS_OF} (RFM frequency and monetary). */
  frequency: number;
  monetary: number;
  /** Orders in the last 30 and 90 days up to {@link STATS_AS_OF}. */
  last30d: number;
  last90d: number;
}

const DAY = 86_400_000;
const asOfDay = Date.parse(STATS_AS_OF.slice(0, 10));

/** The windowed figures of some orders (epoch ms and pence each). */
function windowed(orders: Array<{ at: number; pence: number }>): Pick<ExpectedStats, 'frequency' | 'monetary' | 'last30d' | 'last90d'> {
  const inLast = (days: number) => orders.filter((o) => Date.parse(new Date(o.at).toISOString().slice(0, 10)) > asOfDay - days * DAY);
  const year = inLast(365);
  return {
    frequency: year.length,
    monetary: year.reduce((sum, o) => sum + o.pence, 0) / 100,
    last30d: inLast(30).length,
    last90d: inLast(90).length,
  };
}

export interface ExpectedProfiles {
  /** CustomerID → figures, for every customer in the file. */
  customers: Map<string, ExpectedStats>;
  /** Customer ids sorted numerically: the order `--slice` / `--limit-customers` count in. */
  customerIds: string[];
  /** `anon:guest-<InvoiceNo>` → figures, for every guest invoice that yields an event. */
  guests: Map<string, ExpectedStats>;
  /** Every invoice that yields an event, with its profile id: what time series (orders per day, …) are checked against. */
  invoices: Array<{ profileId: string; at: number; pence: number; refund: boolean }>;
}

/** Splits one CSV line; double quotes wrap fields with commas, `""` is a quote inside them. */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error(`unbalanced quotes in CSV line: ${line.slice(0, 200)}`);
  out.push(cur);
  return out;
}

/** `-1.255` → -1255 (thousandths), from the digits, without floating point. */
function thousandths(text: string): number {
  const m = /^(-?)(\d*)(?:\.(\d{0,3}))?$/.exec(text.trim());
  if (!m || (m[2] === '' && !m[3])) throw new Error(`not a price with at most 3 decimals: "${text}"`);
  const value = Number(m[2] || '0') * 1000 + Number((m[3] ?? '').padEnd(3, '0'));
  return m[1] ? -value : value;
}

/** `2010-12-01 08:26:00` → epoch ms, taken as UTC. */
function utcMillis(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)(?::(\d\d))?$/.exec(text.trim());
  if (!m) throw new Error(`unexpected InvoiceDate "${text}"`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
}

interface Inv {
  invoiceNo: string;
  customer: string;
  at: number;
  milli: number;
}

/**
 * Reads the file and computes every customer's and guest invoice's expected stats.
 *
 * @example
 * ```ts
 * const expected = await computeExpected(ONLINE_RETAIL_CSV);
 * expected.customers.get('12347'); // { orders: 7, revenue: 4310, refunds: 0, … }
 * ```
 */
export async function computeExpected(csvPath: string): Promise<ExpectedProfiles> {
  let raw = await readFile(csvPath);
  if (csvPath.endsWith('.gz')) raw = gunzipSync(raw);
  const lines = raw.toString('utf8').split(/\r?\n/);
  const header = fields(lines[0]!.replace(/^\uFEFF/, ''));
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no column ${name} in ${header.join(',')}`);
    return i;
  };
  const cInvoice = col('InvoiceNo');
  const cQty = col('Quantity');
  const cDate = col('InvoiceDate');
  const cPrice = col('UnitPrice');
  const cCustomer = col('CustomerID');

  const invoices = new Map<string, Inv>();
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    const f = fields(line);
    const invoiceNo = f[cInvoice]!.trim();
    const customer = (f[cCustomer] ?? '').trim();
    const at = utcMillis(f[cDate]!);
    const qty = Number(f[cQty]);
    if (!Number.isInteger(qty)) throw new Error(`line ${n + 1}: quantity "${f[cQty]}"`);
    const key = customer + '|' + invoiceNo;
    const inv = invoices.get(key) ?? { invoiceNo, customer, at, milli: 0 };
    inv.milli += qty * thousandths(f[cPrice]!);
    inv.at = Math.min(inv.at, at);
    invoices.set(key, inv);
  }

  type Customer = Pick<ExpectedStats, 'orders' | 'refunds'> & {
    first: number;
    last: number;
    pence: number;
    refundedPence: number;
    orderList: Array<{ at: number; pence: number }>;
  };
  const customers = new Map<string, Customer>();
  const guests = new Map<string, ExpectedStats>();
  const withEvents: ExpectedProfiles['invoices'] = [];
  for (const inv of invoices.values()) {
    const isCancel = inv.invoiceNo.startsWith('C') || inv.invoiceNo.startsWith('c');
    const hasEvent = isCancel || inv.milli !== 0;
    const isRefund = isCancel || inv.milli < 0;
    const pence = Math.round(Math.abs(inv.milli) / 10);
    if (hasEvent) withEvents.push({ profileId: inv.customer === '' ? `anon:guest-${inv.invoiceNo}` : inv.customer, at: inv.at, pence, refund: isRefund });
    if (inv.customer === '') {
      if (!hasEvent) continue;
      const t = new Date(inv.at).toISOString();
      guests.set(`anon:guest-${inv.invoiceNo}`, {
        orders: isRefund ? 0 : 1, revenue: isRefund ? 0 : pence / 100,
        refunds: isRefund ? 1 : 0, refunded: isRefund ? pence / 100 : 0, firstSeenAt: t, lastSeenAt: t,
        ...windowed(isRefund ? [] : [{ at: inv.at, pence }]),
      });
      continue;
    }
    let c = customers.get(inv.customer);
    if (!c) {
      c = { orders: 0, refunds: 0, first: inv.at, last: -Infinity, pence: 0, refundedPence: 0, orderList: [] };
      customers.set(inv.customer, c);
    }
    c.first = Math.min(c.first, inv.at); // the identify: every invoice counts
    if (!hasEvent) continue;
    c.last = Math.max(c.last, inv.at);
    if (isRefund) {
      c.refunds++;
      c.refundedPence += pence;
    } else {
      c.orders++;
      c.pence += pence;
      c.orderList.push({ at: inv.at, pence });
    }
  }
  const out = new Map<string, ExpectedStats>();
  for (const [id, c] of customers) {
    // The identify is an event too: with no order or refund, the last seen time is the first.
    out.set(id, {
      orders: c.orders, revenue: c.pence / 100, refunds: c.refunds, refunded: c.refundedPence / 100,
      firstSeenAt: new Date(c.first).toISOString(), lastSeenAt: new Date(Math.max(c.first, c.last)).toISOString(),
      ...windowed(c.orderList),
    });
  }
  const customerIds = [...out.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  return { customers: out, customerIds, guests, invoices: withEvents };
}

/**
 * Picks `n` distinct ids with a seeded generator (mulberry32), so a sample is the same on every run.
 *
 * @example
 * ```ts
 * sampleIds(expected.customerIds, 50, 42); // the same 50 ids every time
 * ```
 */
export function sampleIds(ids: readonly string[], n: number, seed: number): string[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pool = [...ids];
  const count = Math.min(n, pool.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

export interface Mismatch {
  id: string;
  field: keyof ExpectedStats | 'profile';
  expected: unknown;
  actual: unknown;
}

interface StatsAnswer {
  orders: number;
  revenue: number;
  refunds: number;
  refunded: number;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  frequency: number;
  monetary: number;
  windows: Array<{ event: string; last30d: number; last90d: number }>;
}

/**
 * Reads `User.stats` (at {@link STATS_AS_OF}) of each id through GraphQL and compares it with the expected figures:
 * counts exactly, money within a penny, first/last seen to the millisecond. Returns every difference (none when all
 * agree).
 *
 * @example
 * ```ts
 * const { mismatches } = await compareWithGraphql({ graphqlUrl, apiKey, expected: expected.customers, ids });
 * ```
 */
export async function compareWithGraphql(options: {
  graphqlUrl: string;
  apiKey: string;
  expected: Map<string, ExpectedStats>;
  ids: string[];
}): Promise<{ sampled: number; mismatches: Mismatch[] }> {
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < options.ids.length; i += MAX_ALIASES) {
    const ids = options.ids.slice(i, i + MAX_ALIASES);
    const query = `query($asOf: DateTime, ${ids.map((_, k) => `$id${k}: ID!`).join(', ')}) { ${ids
      .map((_, k) => `u${k}: user(id: $id${k}) { id stats(asOf: $asOf) {
        orders revenue refunds refunded firstSeenAt lastSeenAt frequency monetary windows { event last30d last90d } } }`)
      .join(' ')} }`;
    const res = await fetch(options.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
      body: JSON.stringify({ query, variables: { asOf: STATS_AS_OF, ...Object.fromEntries(ids.map((id, k) => [`id${k}`, id])) } }),
    });
    const body = (await res.json()) as { data?: Record<string, { id: string; stats: StatsAnswer } | null>; errors?: unknown[] };
    if (body.errors?.length || !body.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
    ids.forEach((id, k) => {
      const want = options.expected.get(id);
      const got = body.data![`u${k}`];
      if (!want) throw new Error(`no expected figures for ${id}`);
      if (!got) {
        mismatches.push({ id, field: 'profile', expected: 'a profile', actual: null });
        return;
      }
      const s = got.stats;
      const orderWindow = s.windows.find((w) => w.event === 'order_completed');
      const counts = { ...s, last30d: orderWindow?.last30d ?? 0, last90d: orderWindow?.last90d ?? 0 };
      for (const field of ['orders', 'refunds', 'frequency', 'last30d', 'last90d'] as const) {
        if (counts[field] !== want[field]) mismatches.push({ id, field, expected: want[field], actual: counts[field] });
      }
      for (const field of ['revenue', 'refunded', 'monetary'] as const) {
        if (!(Math.abs(s[field] - want[field]) <= 0.01 + 1e-9)) mismatches.push({ id, field, expected: want[field], actual: s[field] });
      }
      for (const field of ['firstSeenAt', 'lastSeenAt'] as const) {
        const actual = s[field];
        if (actual === null || Date.parse(actual) !== Date.parse(want[field])) mismatches.push({ id, field, expected: want[field], actual });
      }
    });
  }
  return { sampled: options.ids.length, mismatches };
}

/** The granularities the analytics checks compare. */
export type MetricGranularity = 'DAY' | 'MONTH';

/** The replayed year as a `metric` range: every invoice falls in it. */
export const METRIC_RANGE = { from: '2010-12-01T00:00:00.000Z', to: '2011-12-10T00:00:00.000Z' } as const;

/** A UTC bucket's label: `2011-01-04` by DAY, `2011-01` by MONTH. */
export function metricBucketOf(at: number, g: MetricGranularity): string {
  return new Date(at).toISOString().slice(0, g === 'DAY' ? 10 : 7);
}

/** What the analytics metrics of some replayed profiles must be, counted straight from their invoices. */
export interface ExpectedMetrics {
  /** `ORDERS/DAY`, `REVENUE/MONTH` (in pence), `REFUNDS/DAY`, … → bucket → value: what must match exactly. */
  exact: Record<string, Record<string, number>>;
  /** BUYERS and ACTIVE_USERS: bucket → the people, whose count the sketches must come within 2% of. */
  distinct: Record<'BUYERS' | 'ACTIVE_USERS', Record<MetricGranularity, Map<string, Set<string>>>>;
}

/**
 * The expected ORDERS, REVENUE and REFUNDS (exact) and BUYERS and ACTIVE_USERS (distinct people) by UTC day and
 * month, for the replayed `profiles` (customer ids and `anon:` guests). A customer is active in the bucket of their
 * first invoice too, where the replay's identify falls, even when that invoice has no event of its own.
 *
 * @example
 * const want = expectedMetrics(expected, new Set([...plan.customers, ...plan.guests.map((g) => `anon:${g}`)]), plan.customers);
 */
export function expectedMetrics(expected: ExpectedProfiles, profiles: ReadonlySet<string>, customers: readonly string[]): ExpectedMetrics {
  const exact: ExpectedMetrics['exact'] = {};
  const add = (key: string, bucket: string, v: number) => {
    const m = (exact[key] ??= {});
    m[bucket] = (m[bucket] ?? 0) + v;
  };
  const people = () => ({ DAY: new Map<string, Set<string>>(), MONTH: new Map<string, Set<string>>() });
  const distinct: ExpectedMetrics['distinct'] = { BUYERS: people(), ACTIVE_USERS: people() };
  const addTo = (m: Map<string, Set<string>>, k: string, id: string) => m.set(k, (m.get(k) ?? new Set()).add(id));
  for (const i of expected.invoices) {
    if (!profiles.has(i.profileId)) continue;
    for (const g of ['DAY', 'MONTH'] as const) {
      const bucket = metricBucketOf(i.at, g);
      if (i.refund) add(`REFUNDS/${g}`, bucket, 1);
      else {
        add(`ORDERS/${g}`, bucket, 1);
        add(`REVENUE/${g}`, bucket, i.pence);
        addTo(distinct.BUYERS[g], bucket, i.profileId);
      }
      addTo(distinct.ACTIVE_USERS[g], bucket, i.profileId);
    }
  }
  for (const id of customers) {
    const at = Date.parse(expected.customers.get(id)!.firstSeenAt);
    for (const g of ['DAY', 'MONTH'] as const) addTo(distinct.ACTIVE_USERS[g], metricBucketOf(at, g), id);
  }
  return { exact, distinct };
}

/**
 * Whether sketched distinct counts are close enough: every expected bucket and no other, each within 2% of the
 * exact count, or within one person (a bucket of a few people cannot be 2% off).
 */
export function distinctWithin(got: Record<string, number>, want: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  return Object.keys(got).length === want.size && [...want].every(([b, ids]) => Math.abs((got[b] ?? 0) - ids.size) <= Math.max(1, 0.02 * ids.size));
}

/**
 * One metric's non-zero points over {@link METRIC_RANGE} through GraphQL, by bucket label; REVENUE in pence.
 *
 * @example
 * await metricPointsOf({ graphqlUrl, apiKey }, 'ORDERS', 'DAY') // { '2010-12-01': 127, … }
 */
export async function metricPointsOf(options: { graphqlUrl: string; apiKey: string }, metric: string, g: MetricGranularity): Promise<Record<string, number>> {
  const query = `{ metric(metric: ${metric}, from: "${METRIC_RANGE.from}", to: "${METRIC_RANGE.to}", granularity: ${g}) { points { start value } } }`;
  const res = await fetch(options.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: { metric: Array<{ points: Array<{ start: string; value: number }> }> }; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
  const points = body.data.metric[0]?.points ?? [];
  return Object.fromEntries(points.filter((p) => p.value !== 0).map((p) => [metricBucketOf(Date.parse(p.start), g), metric === 'REVENUE' ? Math.round(p.value * 100) : p.value]));
}

/** Item sizes of a profiles table, as DynamoDB sizes them (`core/store/itemSize.ts`): for the size report. */
export async function profileItemSizes(table: string): Promise<{ items: number; mean: number; p50: number; p99: number; max: number; over_1kb: number; over_4kb: number }> {
  const sizes: number[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) sizes.push(nativeItemBytes(item));
    start = page.LastEvaluatedKey;
  } while (start);
  sizes.sort((a, b) => a - b);
  const at = (p: number) => sizes[Math.min(sizes.length - 1, Math.max(0, Math.ceil((p / 100) * sizes.length) - 1))] ?? 0;
  return {
    items: sizes.length,
    mean: Math.round(sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)),
    p50: at(50),
    p99: at(99),
    max: sizes.at(-1) ?? 0,
    over_1kb: sizes.filter((s) => s > 1024).length,
    over_4kb: sizes.filter((s) => s > 4096).length,
  };
}
