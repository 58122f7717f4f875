import { MIN_EVENT_TIME } from '../../events/contract.js';
import type { ArchiveQueryEngine, QueryOptions, SqlParam } from './engine.js';
import { jsonObject } from './record.js';
import { baseCte } from './sql.js';

/** One archived event as a profile lists events (the shape of the profile's EventSummary). */
export interface ArchivedEvent {
  eventId: string;
  type: 'track' | 'identify' | 'alias';
  event: string | null;
  timestamp: string;
  channel: string | null;
  properties: Record<string, unknown>;
}

/** A page of one person's archived events, newest first, after a (time, event id) position. */
export interface HistorySpec {
  /** The person's ids as the archive names them: the user id, and `anon:<id>` for each visitor id merged in. */
  personIds: readonly string[];
  /** Only events strictly before this position (the previous page's last): time in ms, then event id. */
  before?: { ts: number; eventId: string };
  limit: number;
  /** Upper bound of the scan (default: now + 1 day, for clients whose clocks run ahead). */
  to?: number;
}

/**
 * A person's full event history from the archive, one page at a time (keyset paging: the same page for the same
 * position, however many events arrive meanwhile). Why the archive: the profile keeps only its last 100 events.
 * The scan covers every partition up to the position (a person's rows are not partitioned by person), so a page
 * costs one scan of the archive on Athena.
 *
 * @example
 * await runHistory(engine, { personIds: ['u1', 'anon:v1'], limit: 20 }) // the 20 newest
 */
export async function runHistory(engine: ArchiveQueryEngine, spec: HistorySpec, options?: QueryOptions): Promise<ArchivedEvent[]> {
  if (spec.personIds.length === 0) return [];
  const params: SqlParam[] = [];
  const to = spec.before ? spec.before.ts + 1 : (spec.to ?? Date.now() + 86_400_000);
  const base = baseCte(engine.table, MIN_EVENT_TIME, to, params);
  params.push(...spec.personIds);
  let position = '';
  if (spec.before) {
    position = ' AND (ts < ? OR (ts = ? AND event_id < ?))';
    params.push(spec.before.ts, spec.before.ts, spec.before.eventId);
  }
  const limit = Math.max(1, Math.min(1000, Math.floor(spec.limit)));
  const sql = `WITH ${base}
SELECT event_id, type, event, ts, channel, properties FROM base
WHERE person_id IN (${spec.personIds.map(() => '?').join(', ')})${position}
ORDER BY ts DESC, event_id DESC
LIMIT ${limit}`;
  const rows = await engine.query(sql, params, options);
  return rows.map((r) => ({
    eventId: String(r.event_id),
    type: r.type as ArchivedEvent['type'],
    event: r.event === null ? null : String(r.event),
    timestamp: new Date(Number(r.ts)).toISOString(),
    channel: r.channel === null ? null : String(r.channel),
    properties: jsonObject(r.properties) ?? {},
  }));
}
