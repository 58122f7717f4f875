/**
 * Turns any transactions CSV (one row per order, or one row per line item) into a clean list of orders and
 * refunds. The churn tools (`churn:train`, `churn:eval`, `bench:churn`) read data through here. The Online Retail
 * replay (`tools/replay/`) does not: it shares only the CSV reader and {@link parseTimestamp} and has its own
 * rules: invoices grouped by (customer, invoice), amounts summed in thousandths and rounded half-up to whole pence,
 * and zero-total invoices sent as no event (here they are orders of amount 0, 4 in Online Retail). So a replayed
 * profile can differ slightly from one folded from these orders.
 *
 * Rules (see {@link readOrders}):
 * - rows with an empty user are skipped (guest checkouts cannot be attributed to a profile);
 * - rows of one order are grouped by the order column, amount = Σ qty × price (or Σ amount);
 * - an order whose total is negative, or whose id starts with `C`, is a refund of the absolute total;
 * - totals are rounded to a tenth of a cent; a zero total is a purchase of amount 0;
 * - timestamps without a zone (`2010-12-01 08:26:00`) are read as UTC.
 */
import { readCsv, readCsvHeader, type CsvRow } from './csv.js';

/** One purchase or one refund/cancellation: the churn tools fold it as an `order_completed` / `order_refunded` event. */
export interface Order {
  userId: string;
  orderId: string;
  /** Event time, epoch milliseconds (UTC). The earliest row time when an order spans several rows. */
  at: number;
  /** Positive money amount: the order total, or the refunded amount when `refund` is true. */
  amount: number;
  refund: boolean;
  /** Value of the `countryCol` column (of the order's first row) when one was given. */
  country?: string;
  /** Values of the `extraCols` columns (of the order's first row). */
  extra?: Record<string, string>;
}

/** A filter on the raw rows: keep the row only if `column` equals (or, with `negate`, differs from) `value`. */
export interface RowFilter {
  column: string;
  value: string;
  negate: boolean;
}

export interface TransactionCsvOptions {
  path: string;
  userCol: string;
  timeCol: string;
  /** Groups rows into orders; without it every row is its own order. */
  orderCol?: string;
  /** Money per row. Give either this or both `qtyCol` and `priceCol`. */
  amountCol?: string;
  qtyCol?: string;
  priceCol?: string;
  countryCol?: string;
  extraCols?: string[];
  where?: RowFilter[];
  delimiter?: string;
  onProgress?: (rows: number) => void;
}

/** What was read and what was left out, so nothing is dropped silently. */
export interface TransactionReadStats {
  rows: number;
  skippedNoUser: number;
  skippedFiltered: number;
  /** Rows whose time or money could not be parsed. */
  rejected: number;
  rejectedExamples: string[];
  orders: number;
  refunds: number;
  firstAt: number | null;
  lastAt: number | null;
}

const NAIVE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;
const US_DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Parses a timestamp to epoch ms. Naive `YYYY-MM-DD[ HH:MM[:SS]]` and `M/D/YYYY[ H:MM]` are read as UTC, ISO
 * strings with a zone honour it, and 10- or 13-digit numbers are epoch seconds or milliseconds. `NaN` otherwise.
 *
 * @example
 * ```ts
 * parseTimestamp('2010-12-01 08:26:00'); // Date.UTC(2010, 11, 1, 8, 26)
 * parseTimestamp('2011-09-09T10:00:00+01:00'); // Date.UTC(2011, 8, 9, 9, 0)
 * ```
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  let m = NAIVE_DATE_TIME.exec(s);
  if (m) {
    return Date.UTC(+m[1], +m[2] - 1, +m[3], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7] ? +m[7].padEnd(3, '0') : 0);
  }
  m = US_DATE_TIME.exec(s);
  if (m) return Date.UTC(+m[3], +m[1] - 1, +m[2], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0);
  if (/^\d{10}$/.test(s)) return +s * 1000;
  if (/^\d{13}$/.test(s)) return +s;
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(s)) return Date.parse(s);
  return NaN;
}

/** Parses a number, accepting a leading currency-free sign and surrounding spaces; `NaN` when not a number. */
function parseNumber(text: string | undefined): number {
  if (text === undefined) return NaN;
  const s = text.trim();
  return s === '' ? NaN : Number(s);
}

/**
 * Parses repeatable `Col=Value` / `Col!=Value` filter expressions.
 *
 * @example
 * ```ts
 * parseRowFilter('Country!=United Kingdom'); // { column: 'Country', value: 'United Kingdom', negate: true }
 * ```
 */
export function parseRowFilter(expr: string): RowFilter {
  const ne = expr.indexOf('!=');
  if (ne > 0) return { column: expr.slice(0, ne), value: expr.slice(ne + 2), negate: true };
  const eq = expr.indexOf('=');
  if (eq > 0) return { column: expr.slice(0, eq), value: expr.slice(eq + 1), negate: false };
  throw new Error(`bad filter "${expr}": expected Column=Value or Column!=Value`);
}

interface Pending {
  userId: string;
  orderId: string;
  at: number;
  amount: number;
  cancelled: boolean;
  country?: string;
  extra?: Record<string, string>;
}

/**
 * Reads a transactions CSV into orders and refunds, sorted by time (then order id), with read statistics.
 *
 * @example
 * ```ts
 * const { orders, stats } = await readOrders({
 *   path: '../shared/data/online_retail.csv.gz', userCol: 'CustomerID', timeCol: 'InvoiceDate',
 *   orderCol: 'InvoiceNo', qtyCol: 'Quantity', priceCol: 'UnitPrice', countryCol: 'Country',
 * });
 * // orders[0] → { userId: '17850', orderId: '536365', at: 1291191960000, amount: 139.12, refund: false, country: 'United Kingdom' }
 * ```
 */
export async function readOrders(options: TransactionCsvOptions): Promise<{ orders: Order[]; stats: TransactionReadStats }> {
  const useAmount = options.amountCol !== undefined;
  if (!useAmount && (options.qtyCol === undefined || options.priceCol === undefined)) {
    throw new Error('give either an amount column or both a quantity and a price column');
  }
  const header = await readCsvHeader(options.path, options.delimiter);
  const needed = [options.userCol, options.timeCol, options.orderCol, options.amountCol, options.qtyCol, options.priceCol,
    options.countryCol, ...(options.extraCols ?? []), ...(options.where ?? []).map((w) => w.column)];
  for (const col of needed) {
    if (col !== undefined && !header.includes(col)) {
      throw new Error(`${options.path}: no column "${col}" (columns: ${header.join(', ')})`);
    }
  }

  const stats: TransactionReadStats = {
    rows: 0, skippedNoUser: 0, skippedFiltered: 0, rejected: 0, rejectedExamples: [], orders: 0, refunds: 0,
    firstAt: null, lastAt: null,
  };
  const reject = (row: CsvRow, why: string) => {
    stats.rejected++;
    if (stats.rejectedExamples.length < 5) stats.rejectedExamples.push(`${why}: ${JSON.stringify(row)}`);
  };
  // Keyed by user + order id: an order id reused by two users is two orders, not one.
  const groups = new Map<string, Pending>();
  let rowIndex = 0;
  for await (const row of readCsv(options.path, { delimiter: options.delimiter, onProgress: options.onProgress })) {
    stats.rows++;
    rowIndex++;
    if (options.where && !options.where.every((w) => (row[w.column] === w.value) !== w.negate)) {
      stats.skippedFiltered++;
      continue;
    }
    const userId = row[options.userCol].trim();
    if (userId === '') {
      stats.skippedNoUser++;
      continue;
    }
    const at = parseTimestamp(row[options.timeCol]);
    if (!Number.isFinite(at)) {
      reject(row, 'bad time');
      continue;
    }
    const amount = useAmount
      ? parseNumber(row[options.amountCol as string])
      : parseNumber(row[options.qtyCol as string]) * parseNumber(row[options.priceCol as string]);
    if (!Number.isFinite(amount)) {
      reject(row, 'bad amount');
      continue;
    }
    const orderId = options.orderCol !== undefined ? row[options.orderCol].trim() : `row-${rowIndex}`;
    const key = `${userId}\u0000${orderId}`;
    const existing = groups.get(key);
    if (existing) {
      existing.amount += amount;
      if (at < existing.at) existing.at = at;
      continue;
    }
    const pending: Pending = { userId, orderId, at, amount, cancelled: /^c/i.test(orderId) && options.orderCol !== undefined };
    if (options.countryCol !== undefined) pending.country = row[options.countryCol];
    if (options.extraCols && options.extraCols.length > 0) {
      pending.extra = {};
      for (const col of options.extraCols) pending.extra[col] = row[col];
    }
    groups.set(key, pending);
  }

  const orders: Order[] = [];
  for (const g of groups.values()) {
    // Money sums of many float line items: round to a tenth of a cent so equal inputs give equal outputs.
    const total = Math.round(g.amount * 1000) / 1000;
    const refund = g.cancelled || total < 0;
    const order: Order = { userId: g.userId, orderId: g.orderId, at: g.at, amount: Math.abs(total) + 0, refund };
    if (g.country !== undefined) order.country = g.country;
    if (g.extra !== undefined) order.extra = g.extra;
    orders.push(order);
    if (refund) stats.refunds++;
    else stats.orders++;
    if (stats.firstAt === null || g.at < stats.firstAt) stats.firstAt = g.at;
    if (stats.lastAt === null || g.at > stats.lastAt) stats.lastAt = g.at;
  }
  orders.sort((a, b) => a.at - b.at || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0) || (a.userId < b.userId ? -1 : 1));
  return { orders, stats };
}

/** Column mapping and path of the UCI Online Retail file, the defaults of the churn tools. */
export const ONLINE_RETAIL_COLUMNS = {
  userCol: 'CustomerID',
  timeCol: 'InvoiceDate',
  orderCol: 'InvoiceNo',
  qtyCol: 'Quantity',
  priceCol: 'UnitPrice',
  countryCol: 'Country',
} as const;
