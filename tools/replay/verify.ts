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
