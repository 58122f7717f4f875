/**
 * Reading the archive's Parquet files (`parquet.ts` writes them): a module of its own, so that code which only
 * reads (exports, erasure's first pass) loads hyparquet's reader alone, on first use.
 */
import { parquetReadObjects } from 'hyparquet';
import type { ArchiveRecord } from './record.js';

/**
 * A file's rows, as the writer was given them (BIGINT and DECIMAL back to numbers), with only `columns` when named.
 * Columns a file lacks are left out of its rows, so a reader sees them as missing, not as a value.
 *
 * @example
 * const rows = await decodeArchiveFile(await files.read(key));
 */
export async function decodeArchiveFile(bytes: Uint8Array, columns?: ReadonlyArray<keyof ArchiveRecord>): Promise<Partial<ArchiveRecord>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file, ...(columns ? { columns: [...columns] } : {}) })) as Array<Record<string, unknown>>;
  return rows.map((row) => {
    for (const [k, v] of Object.entries(row)) if (typeof v === 'bigint') row[k] = Number(v);
    return row as Partial<ArchiveRecord>;
  });
}
