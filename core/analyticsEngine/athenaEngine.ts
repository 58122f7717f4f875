import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type Row,
} from '@aws-sdk/client-athena';
import {
  ArchiveQueryTimeout,
  trinoDialect,
  type ArchiveQueryEngine,
  type QueryOptions,
  type SqlParam,
  type SqlRow,
} from '../analytics/archive/engine.js';
import { sleep } from '../platform/sleep.js';

/** Where Athena runs the archive's SQL: the stage's workgroup (with its result location) and its Glue table. */
export interface AthenaArchiveSettings {
  workgroup: string;
  database: string;
  table: string;
}

/**
 * Parses `ARCHIVE_ENGINE` of an AWS stage: `athena:<workgroup>:<database>.<table>`.
 *
 * @example
 * athenaSettingsOf('athena:opsgraph-prod:opsgraph_prod.events') // { workgroup: 'opsgraph-prod', database: 'opsgraph_prod', table: 'events' }
 */
export function athenaSettingsOf(spec: string): AthenaArchiveSettings {
  const m = /^athena:([A-Za-z0-9._-]+):([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(spec);
  if (!m) throw new Error(`ARCHIVE_ENGINE must be athena:<workgroup>:<database>.<table>, not ${JSON.stringify(spec)}`);
  return { workgroup: m[1]!, database: m[2]!, table: m[3]! };
}

/**
 * A bound value as Athena's ExecutionParameters take it: SQL literal text (strings quoted, quotes doubled).
 *
 * @example
 * athenaLiteral("o'brien") // "'o''brien'"
 */
export function athenaLiteral(v: SqlParam): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`cannot bind ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return `'${v.replace(/'/g, "''")}'`;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'integer', 'bigint', 'double', 'float', 'real', 'decimal']);

/** One result cell as the engine contract's JS value, by the column's Athena type. */
export function athenaValue(text: string | undefined, column: ColumnInfo): SqlRow[string] {
  if (text === undefined) return null; // Athena leaves VarCharValue out for NULL
  const type = (column.Type ?? 'varchar').toLowerCase();
  if (NUMERIC.has(type)) {
    const n = Number(text);
    return type === 'bigint' && !Number.isSafeInteger(n) ? text : n;
  }
  if (type === 'boolean') return text === 'true';
  if (type === 'array') return text.replace(/^\[|\]$/g, '').split(', ').filter((x) => x !== '');
  return text;
}

const POLL_MS = [100, 200, 400, 800, 1000];

/**
 * The archive's SQL on Athena (engine v3, Trino): StartQueryExecution with the `?` values as ExecutionParameters,
 * polling until it ends, then GetQueryResults page by page. A query past its time budget is stopped.
 *
 * @example
 * const engine = new AthenaArchiveEngine(new AthenaClient({}), athenaSettingsOf(requireEnv('ARCHIVE_ENGINE')));
 * const [funnel] = await runFunnel(engine, spec);
 */
export class AthenaArchiveEngine implements ArchiveQueryEngine {
  readonly dialect = trinoDialect;
  readonly table: string;

  constructor(
    private readonly athena: AthenaClient,
    private readonly settings: AthenaArchiveSettings,
    private readonly defaultTimeoutMs?: number,
  ) {
    this.table = `"${settings.database}"."${settings.table}"`;
  }

  async query(sql: string, params: readonly SqlParam[] = [], options: QueryOptions = {}): Promise<SqlRow[]> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const deadline = timeoutMs ? Date.now() + timeoutMs : Infinity;
    const started = await this.athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.settings.workgroup,
        QueryExecutionContext: { Database: this.settings.database },
        ...(params.length ? { ExecutionParameters: params.map(athenaLiteral) } : {}),
      }),
    );
    const id = started.QueryExecutionId!;
    for (let i = 0; ; i++) {
      const { QueryExecution } = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') throw new Error(`archive query ${state.toLowerCase()}: ${QueryExecution?.Status?.StateChangeReason ?? ''}`);
      if (Date.now() >= deadline) {
        await this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        throw new ArchiveQueryTimeout(timeoutMs!);
      }
      await sleep(POLL_MS[Math.min(i, POLL_MS.length - 1)]!);
    }
    const rows: SqlRow[] = [];
    let columns: ColumnInfo[] = [];
    let token: string | undefined;
    let header = true;
    do {
      const page = await this.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
      columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? columns;
      for (const row of page.ResultSet?.Rows ?? ([] as Row[])) {
        if (header) {
          header = false; // the first row of the first page repeats the column names
          continue;
        }
        const out: SqlRow = {};
        columns.forEach((c, k) => (out[c.Name!] = athenaValue(row.Data?.[k]?.VarCharValue, c)));
        rows.push(out);
      }
      token = page.NextToken;
    } while (token);
    return rows;
  }

  async close(): Promise<void> {
    this.athena.destroy();
  }
}
