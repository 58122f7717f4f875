/**
 * Replay, step 1: reading the Online Retail CSV into invoices. Rows are grouped by (CustomerID, InvoiceNo); every
 * row counts as it is, duplicates too; money is summed exactly in thousandths of a pound (Σ Quantity × UnitPrice);
 * an invoice's time is its earliest row's `InvoiceDate`, read as UTC (as `tools/data/transactions.ts` does).
 * The conversion to events is in `plan.ts`; the full list of the replay's rules is in `index.ts`.
 */
import { stat } from 'node:fs/promises';
import { readCsv } from '../data/csv.js';
import { parseTimestamp } from '../data/transactions.js';

/** One line item kept on an event (at most `maxProducts` per invoice). */
export interface Line {
  productId: string;
  name: string;
  price: number;
  quantity: number;
}

/** The line items of one (CustomerID, InvoiceNo), summed. `customerId` is '' for a guest checkout. */
export interface Invoice {
  invoiceNo: string;
  customerId: string;
  at: number;
  totalMilli: number;
  lineCount: number;
  lines: Line[];
  country: string;
}

/** What reading the file found, before any event is planned. */
export interface ReadStats {
  rows: number;
  /** Rows whose date, quantity or price could not be read (listed in `rejectedExamples`). */
  rejectedRows: number;
  rejectedExamples: string[];
}

export interface InvoiceFile {
  /** By `<CustomerID>\0<InvoiceNo>`, in order of first appearance. */
  invoices: Map<string, Invoice>;
  /** InvoiceNo → the customer ids ('' for a guest) whose rows carry it. */
  owners: Map<string, Set<string>>;
  stats: ReadStats;
}

/** Reads `12.345` as 12345 thousandths exactly (the file's prices have at most three decimals). */
function milli(text: string): number {
  const n = Number(text.trim());
  return text.trim() === '' ? NaN : Math.round(n * 1000);
}

/**
 * Reads the CSV (gzip when it ends in `.gz`) into invoices, keeping the first `maxProducts` lines of each.
 *
 * @example
 * ```ts
 * const { invoices, stats } = await readInvoices(ONLINE_RETAIL_CSV, 20);
 * stats.rows; // 541909
 * ```
 */
export async function readInvoices(csvPath: string, maxProducts: number): Promise<InvoiceFile> {
  const stats: ReadStats = { rows: 0, rejectedRows: 0, rejectedExamples: [] };
  const invoices = new Map<string, Invoice>();
  const owners = new Map<string, Set<string>>();
  for await (const row of readCsv(csvPath)) {
    stats.rows++;
    const at = parseTimestamp(row.InvoiceDate ?? '');
    const quantity = Number((row.Quantity ?? '').trim());
    const price = milli(row.UnitPrice ?? '');
    const invoiceNo = (row.InvoiceNo ?? '').trim();
    if (!Number.isFinite(at) || !Number.isFinite(quantity) || (row.Quantity ?? '').trim() === '' || !Number.isFinite(price) || invoiceNo === '') {
      stats.rejectedRows++;
      if (stats.rejectedExamples.length < 5) stats.rejectedExamples.push(JSON.stringify(row));
      continue;
    }
    const customerId = (row.CustomerID ?? '').trim();
    const key = `${customerId}\u0000${invoiceNo}`;
    let inv = invoices.get(key);
    if (!inv) {
      inv = { invoiceNo, customerId, at, totalMilli: 0, lineCount: 0, lines: [], country: (row.Country ?? '').trim() };
      invoices.set(key, inv);
      let set = owners.get(invoiceNo);
      if (!set) owners.set(invoiceNo, (set = new Set()));
      set.add(customerId);
    }
    inv.totalMilli += quantity * price;
    inv.lineCount++;
    if (at < inv.at) inv.at = at;
    if (inv.lines.length < maxProducts) {
      inv.lines.push({ productId: (row.StockCode ?? '').trim(), name: (row.Description ?? '').trim(), price: price / 1000, quantity });
    }
  }
  return { invoices, owners, stats };
}

/** Size of the CSV, for a summary (and to notice a changed file). */
export async function describeFile(path: string): Promise<{ path: string; bytes: number }> {
  const s = await stat(path);
  return { path, bytes: s.size };
}
