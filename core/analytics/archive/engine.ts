/**
 * The one seam between the archive queries and an SQL engine: embedded DuckDB locally (`local/archive/`), Athena
 * on AWS. The query builders (`sql.ts`) emit one SQL text with `?` positional parameters that both run.
 *
 * Dialect notes (what the builders avoid, so no per-engine function is needed):
 * - time is epoch-ms BIGINT arithmetic, never INTERVAL or date_diff (their spellings differ);
 * - divisions cast to DOUBLE first (`/` on integers is integer division in Trino, real division in DuckDB);
 * - GREATEST/LEAST are not used (Trino returns NULL if any argument is NULL, DuckDB skips NULLs);
 * - medians are computed exactly with row_number/count windows (DuckDB has `median`, Trino only `approx_percentile`);
 * - `CROSS JOIN UNNEST(arr) AS t(x)`, `VALUES … AS t(cols)`, `IS NOT DISTINCT FROM` and window functions are
 *   spelled the same in both;
 * - property filters need a JSON function: {@link SqlDialect.jsonString} is the only dialect-specific piece.
 */

/** A bound parameter value. */
export type SqlParam = string | number | boolean | null;

/** A result row: column name → JS value (BIGINT as number when safe, else string; DECIMAL as number). */
export type SqlRow = Record<string, string | number | boolean | null | string[]>;

/** The few spellings that differ between engines. */
export interface SqlDialect {
  readonly name: 'duckdb' | 'trino';
  /** A JSON text column's top-level string/number value at `key`, as VARCHAR (NULL when missing). */
  jsonString(jsonExpr: string, key: string): string;
}

function jsonPath(key: string): string {
  // Bracket notation with a quoted key: any key, dots and quotes included, stays one path step.
  return `'$["${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/'/g, "''")}"]'`;
}

/**
 * DuckDB (json extension, built in). Its JSONPath has no bracket form for keys, so the key goes in as an RFC 6901
 * JSON pointer (`/key`, with `~` → `~0` and `/` → `~1`), which DuckDB accepts in place of a path.
 */
export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  jsonString: (expr, key) => `json_extract_string(${expr}, '/${key.replace(/~/g, '~0').replace(/\//g, '~1').replace(/'/g, "''")}')`,
};

/** Trino / Athena engine v3. */
export const trinoDialect: SqlDialect = {
  name: 'trino',
  jsonString: (expr, key) => `json_extract_scalar(${expr}, ${jsonPath(key)})`,
};

/** Options of one query. */
export interface QueryOptions {
  /** Abort the query after this long (the API's time budget); the engine throws {@link ArchiveQueryTimeout}. */
  timeoutMs?: number;
}

/**
 * Runs archive SQL. Why an interface: the GraphQL resolvers, the benchmark and the tests depend on this only, so
 * an Athena engine (StartQueryExecution with ExecutionParameters, polling, paging) drops in with the same SQL.
 */
export interface ArchiveQueryEngine {
  readonly dialect: SqlDialect;
  /** The relation holding {@link ArchiveRecord} rows (a view locally, `db.table` on Athena). */
  readonly table: string;
  query(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<SqlRow[]>;
  close(): Promise<void>;
}

/** The query ran past its time budget. GraphQL maps `code` to `extensions.code`. */
export class ArchiveQueryTimeout extends Error {
  readonly code = 'QUERY_TIMEOUT' as const;
  constructor(readonly timeoutMs: number) {
    super(`archive query took longer than ${timeoutMs} ms; narrow the date range`);
    this.name = 'ArchiveQueryTimeout';
  }
}
