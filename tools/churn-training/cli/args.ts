/**
 * Command-line flags shared by `cli/train.ts` and `cli/eval.ts`: where the transactions are and how to read them.
 * With no `--csv`, the UCI Online Retail file and its columns are the defaults (column flags are then an error, not
 * ignored).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { archiveFilesOf } from '../../../core/analyticsEngine/archiveFiles.js';
import { readArchiveOrders } from '../../data/archiveOrders.js';
import { ONLINE_RETAIL_CSV, ONLINE_RETAIL_LABEL, REPO_ROOT } from '../../data/onlineRetail.js';
import { ONLINE_RETAIL_COLUMNS, parseRowFilter, readOrders, type Order, type TransactionCsvOptions, type TransactionReadStats } from '../../data/transactions.js';
import { HYPERPARAMETERS } from '../recipe.js';
import { assertLabelWindowInData, cutoffAsOf, defaultCutoff, type LabelWindowScope } from '../protocol.js';

export { REPO_ROOT };
export const DEFAULT_CSV = ONLINE_RETAIL_CSV;

export const DATA_USAGE = `Data flags (defaults: the UCI Online Retail file at ../shared/data/online_retail.csv.gz):
  --csv PATH              transactions CSV, gzip when it ends in .gz; the column flags below need it
  --user-col C            customer id column (rows with an empty value are skipped)
  --time-col C            timestamp column (naive times are UTC)
  --order-col C           order id column: rows are grouped into orders; ids starting with C are cancellations
  --amount-col C          money per row, or (not both)
  --qty-col C --price-col C   quantity and unit price per row
  --country-col C         keep this column on each order
  --where COL=V|COL!=V    keep only matching rows (repeatable)
  --archive DIR|s3://B    read the orders the stack archived instead of a CSV: a data dir's archive folder
                          (.data/archive) or a stage's archive bucket
  --cutoff YYYY-MM-DD     evaluation cutoff T (end of that UTC day); default: last data day − horizon − 1.
                          churn-eval needs T + horizon, churn-train T, on or before the last transaction
  --horizon-days N        churn horizon (default ${HYPERPARAMETERS.horizonDays})`;

const DATA_OPTIONS = {
  csv: { type: 'string' },
  'user-col': { type: 'string' },
  'time-col': { type: 'string' },
  'order-col': { type: 'string' },
  'amount-col': { type: 'string' },
  'qty-col': { type: 'string' },
  'price-col': { type: 'string' },
  'country-col': { type: 'string' },
  where: { type: 'string', multiple: true },
  archive: { type: 'string' },
  cutoff: { type: 'string' },
  'horizon-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ChurnData {
  csv: TransactionCsvOptions;
  orders: Order[];
  stats: TransactionReadStats;
  /** Path as recorded in artifacts: relative to the repository root. */
  dataFile: string;
  dataSha256: string;
  cutoff: string;
  asOf: number;
  horizonDays: number;
}

/**
 * Parses argv with the data flags plus the command's own `extra` options.
 *
 * @example
 * ```ts
 * const { values } = parseChurnArgs(process.argv.slice(2), { out: { type: 'string' } });
 * ```
 */
export function parseChurnArgs<E extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(argv: string[], extra: E) {
  return parseArgs({ args: argv, options: { ...DATA_OPTIONS, ...extra }, strict: true, allowPositionals: false });
}

/** Flags that name columns of the `--csv` file. */
const COLUMN_FLAGS = ['user-col', 'time-col', 'order-col', 'amount-col', 'qty-col', 'price-col', 'country-col'] as const;

/**
 * The transaction-reading options the flags describe. Throws on flags that would otherwise be ignored: column flags
 * without `--csv`, or `--amount-col` together with `--qty-col`/`--price-col`.
 *
 * @example
 * ```ts
 * csvOptionsFromFlags({ csv: 'tx.csv', 'user-col': 'user', 'time-col': 'ts', 'amount-col': 'total' });
 * ```
 */
export function csvOptionsFromFlags(v: Record<string, unknown>): TransactionCsvOptions {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const where = Array.isArray(v.where) ? (v.where as string[]).map(parseRowFilter) : undefined;
  const csv = str('csv');
  if (csv === undefined) {
    const given = COLUMN_FLAGS.filter((k) => v[k] !== undefined).map((k) => `--${k}`);
    if (given.length > 0) {
      throw new Error(`${given.join(', ')} without --csv: the default file (UCI Online Retail) is read with its own columns; give --csv PATH to use other columns`);
    }
    return { path: DEFAULT_CSV, ...ONLINE_RETAIL_COLUMNS, where };
  }
  const userCol = str('user-col');
  const timeCol = str('time-col');
  if (!userCol || !timeCol) throw new Error('--csv needs --user-col and --time-col');
  if (str('amount-col') !== undefined && (str('qty-col') !== undefined || str('price-col') !== undefined)) {
    throw new Error('give either --amount-col or --qty-col with --price-col, not both');
  }
  if (!str('amount-col') && !(str('qty-col') && str('price-col'))) throw new Error('--csv needs --amount-col, or --qty-col and --price-col');
  return {
    path: resolve(csv), userCol, timeCol, orderCol: str('order-col'), amountCol: str('amount-col'),
    qtyCol: str('qty-col'), priceCol: str('price-col'), countryCol: str('country-col'), where,
  };
}

/** sha256 of a file's bytes (the compressed bytes for .gz), streamed. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Reads the data the flags describe and resolves cutoff and horizon, logging progress to stderr. Throws when the
 * label windows the command reads run past the last transaction (`scope`: churn-eval reads (T, T + horizon],
 * churn-train only windows ending by T; see `assertLabelWindowInData`).
 *
 * @example
 * ```ts
 * const data = await loadChurnData(values, log, 'evaluation');
 * ```
 */
export async function loadChurnData(v: Record<string, unknown>, log: (m: string) => void, scope: LabelWindowScope): Promise<ChurnData> {
  const archive = typeof v.archive === 'string' ? v.archive : undefined;
  if (archive !== undefined && (v.csv !== undefined || v.where !== undefined)) throw new Error('--archive reads the archive: give it without --csv or --where');
  // The archive's columns, named for the artifact's record of what was read.
  const csv: TransactionCsvOptions = archive !== undefined ? { path: archive, userCol: 'person_id', timeCol: 'ts', orderCol: 'order_id', amountCol: 'revenue' } : csvOptionsFromFlags(v);
  log(`reading ${csv.path}`);
  const progress = (n: number) => log(`  ${n.toLocaleString('en')} rows`);
  const [{ orders, stats }, dataSha256] =
    archive !== undefined
      ? await readArchiveOrders(archiveFilesOf(/^[a-z0-9]+:\/\//.test(archive) ? archive : pathToFileURL(resolve(archive)).href), progress).then((r) => [r, r.sha256] as const)
      : await Promise.all([readOrders({ ...csv, onProgress: progress }), fileSha256(csv.path)]);
  log(`  ${stats.rows} rows → ${stats.orders} orders, ${stats.refunds} refunds; skipped ${stats.skippedNoUser} without user, ${stats.skippedFiltered} filtered, ${stats.rejected} rejected`);
  for (const ex of stats.rejectedExamples) log(`  rejected: ${ex}`);
  if (stats.lastAt === null) throw new Error('no orders in the data');
  const horizonDays = typeof v['horizon-days'] === 'string' ? Number(v['horizon-days']) : HYPERPARAMETERS.horizonDays;
  if (!Number.isInteger(horizonDays) || horizonDays <= 0) throw new Error('--horizon-days must be a positive integer');
  const cutoff = typeof v.cutoff === 'string' ? v.cutoff : defaultCutoff(stats.lastAt, horizonDays);
  const asOf = cutoffAsOf(cutoff);
  assertLabelWindowInData(asOf, horizonDays, stats.lastAt, scope);
  // The shared file is recorded under its documented place, wherever this checkout sits.
  const rel = csv.path === DEFAULT_CSV ? ONLINE_RETAIL_LABEL : archive !== undefined && /^s3:/.test(archive) ? archive : relative(REPO_ROOT, resolve(csv.path));
  return { csv, orders, stats, dataFile: rel, dataSha256, cutoff, asOf, horizonDays };
}

/** Progress logger to stderr with elapsed seconds. */
export function stderrLogger(quiet = false): (m: string) => void {
  const t0 = Date.now();
  return (m) => {
    if (!quiet) process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  };
}
