/**
 * The local archive query engine: embedded DuckDB (`@duckdb/node-api`, whose native binary ships inside its npm
 * package) reading the Parquet partitions written by the archiver (core/analyticsEngine/archiveEvents.ts) through one
 * view.
 *
 * It implements {@link ArchiveQueryEngine}, so the SQL that runs here is the SQL an Athena engine will run.
 */
import { readdir } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { ARCHIVE_FILE_SUFFIX } from '../../core/analytics/archive/files.js';
import { ARCHIVE_COLUMNS } from '../../core/analytics/archive/record.js';
import {
  ArchiveQueryTimeout,
  duckdbDialect,
  type ArchiveQueryEngine,
  type QueryOptions,
  type SqlParam,
  type SqlRow,
} from '../../core/analytics/archive/engine.js';

/** Options of {@link DuckDbArchiveEngine.open}. */
export interface DuckDbArchiveOptions {
  /** The archive folder (`archiveDir(dataDir)`). */
  dir: string;
  /** The view name the SQL reads; `archive_events` unless told. */
  table?: string;
  /** Default time budget per query; none unless told. */
  timeoutMs?: number;
  /** DuckDB threads (default: DuckDB's own choice, all cores). */
  threads?: number;
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function toJs(v: unknown): SqlRow[string] {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => String(x));
  return String(v);
}

/**
 * DuckDB over the local archive.
 *
 * @example
 * ```ts
 * const engine = await DuckDbArchiveEngine.open({ dir: archiveDir('.data') });
 * const funnel = await runFunnel(engine, spec);
 * await engine.close();
 * ```
 */
export class DuckDbArchiveEngine implements ArchiveQueryEngine {
  readonly dialect = duckdbDialect;
  private queue: Promise<unknown> = Promise.resolve();
  private viewHasFiles = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly table: string,
    private readonly dir: string,
    private readonly defaultTimeoutMs: number | undefined,
  ) {}

  /** Opens an in-memory DuckDB and defines the archive view. */
  static async open(options: DuckDbArchiveOptions): Promise<DuckDbArchiveEngine> {
    const table = options.table ?? 'archive_events';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new RangeError(`bad table name "${table}"`);
    const instance = await DuckDBInstance.create(':memory:', options.threads ? { threads: String(options.threads) } : {});
    const connection = await instance.connect();
    // DuckDB 1.5's top-N window elimination fails an internal assertion on the dedup window + ORDER BY … LIMIT of
    // the basket query ("Failed to cast expression to type"); the plan is as fast without it on archive sizes.
    await connection.run(`SET disabled_optimizers = 'top_n_window_elimination'`);
    const engine = new DuckDbArchiveEngine(instance, connection, table, options.dir, options.timeoutMs);
    await engine.defineView(false);
    return engine;
  }

  private async hasFiles(): Promise<boolean> {
    try {
      const dates = await readdir(this.dir);
      for (const d of dates) {
        if (!d.startsWith('dt=')) continue;
        const files = await readdir(`${this.dir}/${d}`);
        if (files.some((f) => f.endsWith(ARCHIVE_FILE_SUFFIX))) return true;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return false;
  }

  /**
   * (Re)defines the view. With no file yet, an empty relation of the same columns (read_parquet refuses a glob that
   * matches nothing). The glob is expanded on every query, so new partitions are seen at once. The files carry
   * `dt` themselves, so the path's `dt=` is not read as a second one. Every file has the schema of
   * `ARCHIVE_COLUMNS`, so no `union_by_name`: it reads each file's schema on every query, 40% more time on a year of
   * Online Retail (360 files). A column added later needs it back here (Athena matches columns by name already).
   */
  private async defineView(withFiles: boolean): Promise<void> {
    let body: string;
    if (withFiles) {
      const glob = quoteLiteral(`${this.dir}/dt=*/*${ARCHIVE_FILE_SUFFIX}`);
      body = `SELECT ${ARCHIVE_COLUMNS.map((c) => c.name).join(', ')} FROM read_parquet(${glob}, hive_partitioning = false)`;
    } else {
      body = `SELECT ${ARCHIVE_COLUMNS.map((c) => `CAST(NULL AS ${c.duckdb}) AS ${c.name}`).join(', ')} WHERE 1 = 0`;
    }
    await this.connection.run(`CREATE OR REPLACE VIEW ${this.table} AS ${body}`);
    this.viewHasFiles = withFiles;
  }

  /** Runs one query (queries on this engine run one at a time). */
  query(sql: string, params: readonly SqlParam[] = [], options: QueryOptions = {}): Promise<SqlRow[]> {
    const run = async (): Promise<SqlRow[]> => {
      if (!this.viewHasFiles && (await this.hasFiles())) await this.defineView(true);
      const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
      let timedOut = false;
      const timer = timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            this.connection.interrupt();
          }, timeoutMs)
        : undefined;
      try {
        const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[]);
        return reader.getRowObjectsJS().map((row) => {
          const out: SqlRow = {};
          for (const [k, v] of Object.entries(row)) out[k] = toJs(v);
          return out;
        });
      } catch (e) {
        if (timedOut) throw new ArchiveQueryTimeout(timeoutMs!);
        throw e;
      } finally {
        if (timer) clearTimeout(timer);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Closes the connection and the database. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
