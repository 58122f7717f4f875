/**
 * Streaming CSV reading (RFC 4180 style) for transaction logs of any size.
 *
 * Quoted fields may contain commas, doubled quotes (`""`) and line breaks. A `.gz` path is gunzipped on the fly,
 * so a year of line items never has to sit in memory as text.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** One parsed record: the header names mapped to the raw (unquoted) field text. */
export type CsvRow = Record<string, string>;

export interface CsvReadOptions {
  /** Field separator; a comma unless told. */
  delimiter?: string;
  /** Called every `progressEvery` records with the count read so far (for progress output on long files). */
  onProgress?: (records: number) => void;
  progressEvery?: number;
}

/**
 * Splits one logical CSV record into fields. Returns `null` when a quoted field is still open at the end of the
 * text, so the caller can append the next physical line and try again.
 *
 * @example
 * ```ts
 * splitCsvRecord('a,"b, c","say ""hi"""'); // ['a', 'b, c', 'say "hi"']
 * splitCsvRecord('a,"open');               // null: the quoted field continues on the next line
 * ```
 */
export function splitCsvRecord(text: string, delimiter = ','): string[] | null {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (i < n && text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return null; // unterminated: record spans lines
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      // Anything between the closing quote and the delimiter is kept, as lenient parsers do.
      const d = text.indexOf(delimiter, j);
      if (d < 0) {
        fields.push(value + text.slice(j));
        return fields;
      }
      fields.push(value + text.slice(j, d));
      i = d + delimiter.length;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d < 0) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, d));
      i = d + delimiter.length;
    }
  }
}

/** Opens a file as a text line stream, gunzipping when the name ends in `.gz`. */
function openLines(path: string): AsyncIterable<string> {
  let input: Readable = createReadStream(path);
  if (path.toLowerCase().endsWith('.gz')) input = input.pipe(createGunzip());
  return createInterface({ input, crlfDelay: Infinity });
}

/**
 * Reads a CSV file with a header line and yields one object per record, header name → field text.
 * Fields missing at the end of a short record read as `''`.
 *
 * @example
 * ```ts
 * for await (const row of readCsv('orders.csv.gz')) console.log(row.CustomerID, row.InvoiceDate);
 * ```
 */
export async function* readCsv(path: string, options: CsvReadOptions = {}): AsyncGenerator<CsvRow> {
  const delimiter = options.delimiter ?? ',';
  const every = options.progressEvery ?? 100_000;
  let header: string[] | null = null;
  let pending = '';
  let records = 0;
  for await (const line of openLines(path)) {
    const text = pending === '' ? line : `${pending}\n${line}`;
    const fields = splitCsvRecord(text, delimiter);
    if (fields === null) {
      pending = text;
      continue;
    }
    pending = '';
    if (header === null) {
      // Strip a UTF-8 byte-order mark so the first column name matches what the user typed.
      header = fields.map((h, k) => (k === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    const row: CsvRow = {};
    for (let k = 0; k < header.length; k++) row[header[k]] = fields[k] ?? '';
    records++;
    if (options.onProgress && records % every === 0) options.onProgress(records);
    yield row;
  }
  if (pending !== '') throw new Error(`${path}: unterminated quoted field at end of file`);
  if (header === null) throw new Error(`${path}: empty file (no header line)`);
}

/**
 * Returns the header names of a CSV file (reads only the first record).
 *
 * @example
 * ```ts
 * await readCsvHeader('orders.csv'); // ['InvoiceNo', 'StockCode', ...]
 * ```
 */
export async function readCsvHeader(path: string, delimiter = ','): Promise<string[]> {
  let pending = '';
  for await (const line of openLines(path)) {
    const text = pending === '' ? line : `${pending}\n${line}`;
    const fields = splitCsvRecord(text, delimiter);
    if (fields === null) {
      pending = text;
      continue;
    }
    return fields.map((h, k) => (k === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
  }
  throw new Error(`${path}: empty file (no header line)`);
}
