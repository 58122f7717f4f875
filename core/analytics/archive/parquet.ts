/**
 * The archive's file format: Apache Parquet, one file per archived batch and event date, columns as
 * `ARCHIVE_COLUMNS` (docs/architecture.md, "Event archive"). Written and read in JavaScript (hyparquet-writer and
 * hyparquet, no native code), so the archiver, erasure and export Lambdas handle the same files that DuckDB reads
 * locally and Athena reads on AWS. Reading is `parquetRead.ts`, which only hyparquet's reader needs.
 *
 * Why Parquet and not the JSON lines it replaced: Athena bills the bytes a query scans, and a funnel reads four
 * or five of the nineteen columns; Parquet lets both engines read only those (and skip row groups by statistics).
 */
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { ARCHIVE_COLUMNS, type ArchiveRecord, type ParquetColumnType } from './record.js';

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

/** The Parquet schema elements of one column (a list is three: the field, its repeated group, the element). */
function schemaOf(name: string, type: ParquetColumnType): SchemaElement[] {
  switch (type) {
    case 'STRING':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }];
    case 'INT64':
      return [{ name, type: 'INT64', repetition_type: 'OPTIONAL' }];
    case 'DECIMAL_18_3':
      // INT64-backed DECIMAL(18,3): exact amounts in every currency exponent up to 3, read as decimal by both engines.
      return [{ name, type: 'INT64', converted_type: 'DECIMAL', scale: 3, precision: 18, repetition_type: 'OPTIONAL' }];
    case 'STRING_LIST':
      // The standard three-level LIST, which Athena maps to array<string> and DuckDB to VARCHAR[].
      return [
        { name, converted_type: 'LIST', repetition_type: 'OPTIONAL', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ];
  }
}

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: ARCHIVE_COLUMNS.length },
  ...ARCHIVE_COLUMNS.flatMap((c) => schemaOf(c.name, c.parquet)),
];

/** A row's cell as the writer takes it: INT64 as bigint, DECIMAL(18,3) as its unscaled integer, missing as NULL. */
function cell(value: unknown, type: ParquetColumnType): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'INT64') return BigInt(value as number);
  // The amount is exact to its currency's minor unit (at most 3 decimals), so rounding only undoes float error.
  if (type === 'DECIMAL_18_3') return BigInt(Math.round((value as number) * 1000));
  return value;
}

/**
 * Rows as one Parquet file (snappy-compressed).
 *
 * @example
 * await files.write(archiveFileKey(dt, name), encodeArchiveFile(rows));
 */
export function encodeArchiveFile(rows: readonly Partial<ArchiveRecord>[]): Uint8Array {
  const columnData = ARCHIVE_COLUMNS.map((c) => ({ name: c.name, data: rows.map((r) => cell(r[c.name], c.parquet)) })) as ColumnSource[];
  return new Uint8Array(parquetWriteBuffer({ columnData, schema: SCHEMA }));
}
