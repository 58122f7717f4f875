/**
 * The event archive's record layout: one row per accepted event, the same columns in the archive's Parquet files
 * (`parquet.ts`), for the local engine (DuckDB) and for AWS (S3, an Athena table partitioned by `dt`).
 *
 * Why flat, typed columns beside the raw properties: funnels, retention and basket mining filter and join on
 * person, time, event and products, and those must not need a JSON function (JSON functions differ between DuckDB
 * and Trino). Everything else stays reachable in `properties`.
 */
import type { StoredEvent } from '../../events/schema.js';
import { utcDate } from '../buckets.js';
import { actorId, currencyExponent, toMinorUnits } from '../aggregate.js';

/** One archived event. Column names are snake_case and avoid SQL keywords (`timestamp` is `event_time`). */
export interface ArchiveRecord {
  event_id: string;
  type: 'track' | 'identify' | 'alias';
  /** Track event name; null for identify and alias. */
  event: string | null;
  /** The user id: canonical (after identity merges) when known at archive time, else as sent. */
  user_id: string | null;
  anonymous_id: string | null;
  /** Who the event counts for in funnels and retention: canonical/user id, else `anon:<anonymousId>`. */
  person_id: string;
  /** Event time, epoch milliseconds (UTC): integer arithmetic keeps windows portable across SQL dialects. */
  ts: number;
  /** Event time as ISO 8601 text, for people reading rows. */
  event_time: string;
  /** Partition key: the UTC date of the event time, `YYYY-MM-DD`. */
  dt: string;
  channel: string | null;
  country: string | null;
  /** Order or refund amount in major units, exact to the currency's minor unit (a DECIMAL column). */
  revenue: number | null;
  currency: string | null;
  order_id: string | null;
  /** Product ids of an order (`properties.products[].productId`), for bought-together mining. */
  products: string[];
  /** The event's properties as JSON text. */
  properties: string;
  /** An identify's traits as JSON text (emails and phones already sealed at ingest); null for other events. */
  traits: string | null;
  /** The event's context as JSON text; null without one. */
  context: string | null;
  /** An alias's previous id; null for other events. */
  previous_id: string | null;
}

/** How a column is stored in the archive's Parquet files (`parquet.ts` maps each to a Parquet schema element). */
export type ParquetColumnType = 'STRING' | 'INT64' | 'DECIMAL_18_3' | 'STRING_LIST';

/**
 * The columns and their types, in order. The Parquet files are written with exactly these, DuckDB reads them as
 * these, and the Athena DDL is generated from the same list, so the writer and the two engines cannot drift apart.
 */
export const ARCHIVE_COLUMNS: ReadonlyArray<{ name: keyof ArchiveRecord; duckdb: string; athena: string; parquet: ParquetColumnType }> = [
  { name: 'event_id', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'type', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'event', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'user_id', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'anonymous_id', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'person_id', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'ts', duckdb: 'BIGINT', athena: 'bigint', parquet: 'INT64' },
  { name: 'event_time', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'dt', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'channel', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'country', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'revenue', duckdb: 'DECIMAL(18,3)', athena: 'decimal(18,3)', parquet: 'DECIMAL_18_3' },
  { name: 'currency', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'order_id', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'products', duckdb: 'VARCHAR[]', athena: 'array<string>', parquet: 'STRING_LIST' },
  { name: 'properties', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'traits', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'context', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
  { name: 'previous_id', duckdb: 'VARCHAR', athena: 'string', parquet: 'STRING' },
];

/**
 * Builds the archive row of an accepted event.
 *
 * Why the canonical id is a parameter: the archive is written after identity resolution, so a merged visitor's
 * later events already carry the user they belong to; earlier rows keep their anonymous person id.
 *
 * @example
 * ```ts
 * toArchiveRecord({ type: 'track', event: 'order_completed', eventId: 'invoice-536365', userId: '17850',
 *   timestamp: '2010-12-01T08:26:00.000Z', properties: { orderId: '536365', revenue: 139.12, currency: 'GBP' } });
 * // { event_id: 'invoice-536365', person_id: '17850', dt: '2010-12-01', revenue: 139.12, order_id: '536365', … }
 * ```
 */
export function toArchiveRecord(e: StoredEvent, canonicalUserId?: string): ArchiveRecord {
  const ts = Date.parse(e.timestamp);
  if (!Number.isFinite(ts)) throw new RangeError(`event ${e.eventId} has an unparseable timestamp`);
  const props = e.properties ?? {};
  const userId = canonicalUserId ?? e.userId ?? null;
  const person = actorId(e, canonicalUserId);
  if (!person) throw new RangeError(`event ${e.eventId} has no user`);
  const isMoney = e.type === 'track' && (e.event === 'order_completed' || e.event === 'order_refunded');
  let revenue: number | null = null;
  let currency: string | null = null;
  if (isMoney && Object.hasOwn(props, 'revenue') && typeof props.revenue === 'number' && Number.isFinite(props.revenue)) {
    currency = (typeof props.currency === 'string' ? props.currency : 'USD').toUpperCase();
    const { minor } = toMinorUnits(props.revenue, currency);
    revenue = minor / 10 ** currencyExponent(currency);
  }
  const products: string[] = [];
  if (Object.hasOwn(props, 'products') && Array.isArray(props.products)) {
    for (const p of props.products as unknown[]) {
      if (p && typeof p === 'object' && Object.hasOwn(p, 'productId')) {
        const id = (p as { productId?: unknown }).productId;
        if (typeof id === 'string' && id !== '') products.push(id);
      }
    }
  }
  return {
    event_id: e.eventId,
    type: e.type,
    event: e.type === 'track' ? (e.event ?? null) : null,
    user_id: userId,
    anonymous_id: e.anonymousId ?? null,
    person_id: person,
    ts,
    event_time: new Date(ts).toISOString(),
    dt: utcDate(ts),
    channel: e.context?.channel ?? null,
    country: e.context?.country ?? null,
    revenue,
    currency,
    order_id: Object.hasOwn(props, 'orderId') && typeof props.orderId === 'string' ? props.orderId : null,
    products,
    properties: JSON.stringify(props),
    traits: e.traits ? JSON.stringify(e.traits) : null,
    context: e.context ? JSON.stringify(e.context) : null,
    previous_id: e.previousId ?? null,
  };
}

/** A JSON text column's object, or undefined for NULL, damaged text or a non-object. */
export function jsonObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The event an archive row was made from, for replays and backfills: the user id is the canonical one the row
 * was archived with (it routes to the same profile). Null for a row that cannot be one (a damaged line).
 *
 * @example
 * fromArchiveRecord(toArchiveRecord(e)) // e, with the canonical user id
 */
export function fromArchiveRecord(row: Partial<ArchiveRecord>): StoredEvent | null {
  if (typeof row.event_id !== 'string' || typeof row.ts !== 'number' || (row.type !== 'track' && row.type !== 'identify' && row.type !== 'alias')) return null;
  const properties = jsonObject(row.properties);
  const traits = jsonObject(row.traits);
  const context = jsonObject(row.context);
  const e: StoredEvent = {
    type: row.type,
    eventId: row.event_id,
    timestamp: new Date(row.ts).toISOString(),
    ...(row.type === 'track' && typeof row.event === 'string' ? { event: row.event } : {}),
    ...(typeof row.user_id === 'string' ? { userId: row.user_id } : {}),
    ...(typeof row.anonymous_id === 'string' ? { anonymousId: row.anonymous_id } : {}),
    ...(typeof row.previous_id === 'string' ? { previousId: row.previous_id } : {}),
    ...(properties && Object.keys(properties).length ? { properties } : {}),
    ...(traits ? { traits } : {}),
    ...(context ? { context } : {}),
  } as StoredEvent;
  return e;
}
