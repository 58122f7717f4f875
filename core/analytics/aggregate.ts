/**
 * The real-time aggregator's pure fold: a batch of stored events in, coalesced deltas out.
 *
 * - One delta per (metric, granularity, bucket, dimension, value[, currency]), however many events fall in it, so
 *   DynamoDB writes scale with the buckets touched, not with the events (docs/architecture.md "Principles" 3).
 * - Buckets are UTC hours and UTC days of the event time (never the arrival time), so a replay produces the same
 *   counters as live traffic did. Coarser and zoned series are built from these at read time.
 * - Counts and money are exact: money is summed in integer minor units of its currency (pence for GBP, yen for
 *   JPY, fils for KWD), never as floating point.
 * - Distinct users are HyperLogLog sketches (`hll.ts`), merged by the writer into the stored sketch.
 * - Client-chosen strings (channel, country, event name) only ever travel as Map keys and as values inside a
 *   JSON-encoded composite key, never as object property names: `__proto__` or `constructor` is just a country.
 *
 * Exactly-once is the caller's part (per-shard sequence watermarks or conditional writes); the fold only drops
 * duplicates inside the batch, so it is safe to call on a redelivered batch that is then absorbed by idempotency.
 */
import type { StoredEvent } from '../events/schema.js';
import { HyperLogLog } from './hll.js';

/** Metrics kept as exact counters. */
export type CounterMetric = 'EVENTS' | 'ORDERS' | 'REVENUE' | 'REFUNDS' | 'REFUND_AMOUNT';
/** Metrics kept as HyperLogLog sketches (approximate distinct counts). */
export type SketchMetric = 'ACTIVE_USERS' | 'BUYERS';
/** `ALL` is the ungrouped total; the others are the contract's `groupBy` values. */
export type Dimension = 'ALL' | 'CHANNEL' | 'COUNTRY' | 'EVENT';
/** The aggregator's bucket sizes; WEEK and MONTH (and other zones) are read-time merges of these. */
export type AggregateGranularity = 'HOUR' | 'DAY';

/** Where one delta lands. */
export interface BucketKey {
  granularity: AggregateGranularity;
  /** Bucket start, epoch ms (UTC). */
  bucket: number;
  dimension: Dimension;
  /** The dimension's value; `null` when the event does not carry it (and always for `ALL`). */
  value: string | null;
}

/** An exact increment. */
export interface CounterDelta extends BucketKey {
  metric: CounterMetric;
  /** ISO 4217 code for REVENUE and REFUND_AMOUNT (amounts in different currencies are never added together). */
  currency?: string;
  /** Count, or a money amount in integer minor units of `currency`. */
  amount: number;
}

/** Ids to fold into a stored sketch. */
export interface SketchDelta extends BucketKey {
  metric: SketchMetric;
  sketch: HyperLogLog;
  /** Distinct ids added from this batch (exact, for logging and tests). */
  ids: number;
}

/**
 * A user seen in this batch, with the time of their earliest event in it. Whether they are *new* needs state the
 * fold does not have: the writer records a first-seen item with a conditional put and counts NEW_USERS in the
 * buckets of `firstAt` only when that put wins.
 */
export interface NewUserHint {
  userId: string;
  firstAt: number;
  eventId: string;
  channel: string | null;
  country: string | null;
}

/** Everything a batch contributes, plus what it skipped (nothing is dropped silently). */
export interface AggregateResult {
  counters: CounterDelta[];
  sketches: SketchDelta[];
  newUsers: NewUserHint[];
  /** Events folded. */
  events: number;
  /** Events skipped because their `eventId` already appeared earlier in the batch. */
  duplicates: number;
  /** Events skipped because their timestamp does not parse (ingest should never let one through). */
  badTimestamps: string[];
  /** Money amounts with more decimals than their currency has, rounded half away from zero to minor units. */
  roundedAmounts: string[];
}

/** Options of {@link aggregateEvents}. */
export interface AggregateOptions {
  /** The canonical profile id of an event's user when identity resolution knows it (merged anonymous visitors). */
  canonicalUserId?: (event: StoredEvent) => string | undefined;
  /** Currency of money events that name none; `USD` unless told. */
  defaultCurrency?: string;
  /**
   * People kept out of user-level state (they refused `analytics`): their events still count in the totals, but
   * never in a distinct-user sketch or as a new user.
   */
  excludedUsers?: ReadonlySet<string>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The event-name dimension value of non-track events. `$` cannot start a snake_case track name, so no clash. */
export function eventDimensionValue(e: Pick<StoredEvent, 'type' | 'event'>): string {
  return e.type === 'track' ? (e.event ?? '$track') : `$${e.type}`;
}

/**
 * The profile id an event counts for: the canonical id when known, else `userId`, else `anon:<anonymousId>`
 * (the profile ids the rest of opsgraph uses).
 */
export function actorId(e: StoredEvent, canonical?: string): string | null {
  if (canonical) return canonical;
  if (e.userId) return e.userId;
  if (e.anonymousId) return `anon:${e.anonymousId}`;
  return null;
}

/**
 * The composite key of a delta. JSON of an array is injective, so no client string can make two keys collide
 * or reach an object prototype.
 */
export function deltaKey(metric: CounterMetric | SketchMetric | 'NEW_USERS', k: BucketKey, currency?: string): string {
  return JSON.stringify([metric, k.granularity, k.bucket, k.dimension, k.value, currency ?? null]);
}

const exponents = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (2 for GBP, 0 for JPY, 3 for KWD), from Intl. */
export function currencyExponent(currency: string): number {
  let e = exponents.get(currency);
  if (e === undefined) {
    try {
      e = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      e = 2;
    }
    exponents.set(currency, e);
  }
  return e;
}

/**
 * Converts a money amount to integer minor units, exactly for any amount with at most the currency's decimals
 * (12.34 → 1234 although 12.34 × 100 is 1233.9999999999998 in floating point).
 *
 * @returns the minor units and whether the amount had to be rounded
 */
export function toMinorUnits(amount: number, currency: string): { minor: number; rounded: boolean } {
  const scale = 10 ** currencyExponent(currency);
  const scaled = amount * scale;
  const minor = Math.sign(scaled) * Math.round(Math.abs(scaled));
  return { minor, rounded: Math.abs(scaled - minor) > 1e-6 * Math.max(1, Math.abs(scaled)) };
}

function ownString(obj: Record<string, unknown> | undefined, key: string): string | undefined {
  if (!obj || !Object.hasOwn(obj, key)) return undefined;
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

function ownNumber(obj: Record<string, unknown> | undefined, key: string): number | undefined {
  if (!obj || !Object.hasOwn(obj, key)) return undefined;
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Folds a batch into coalesced deltas (see the file comment for the rules).
 *
 * Which dimensions each metric is kept by:
 * - EVENTS and ACTIVE_USERS: ALL, CHANNEL, COUNTRY and EVENT;
 * - ORDERS, REVENUE, REFUNDS, REFUND_AMOUNT and BUYERS: ALL, CHANNEL and COUNTRY (by EVENT they would only
 *   repeat the ALL figure under the one event that defines them).
 *
 * Why ACTIVE_USERS counts every event type (identify too): a user who did anything that day is active that day,
 * as in PostHog's DAU.
 *
 * @example
 * ```ts
 * const { counters, sketches } = aggregateEvents(records.map((r) => r.event));
 * // counters: one entry per (metric, HOUR|DAY, bucket, dimension, value); write each with one ADD update.
 * ```
 */
export function aggregateEvents(events: Iterable<StoredEvent>, options: AggregateOptions = {}): AggregateResult {
  const defaultCurrency = (options.defaultCurrency ?? 'USD').toUpperCase();
  const counters = new Map<string, CounterDelta>();
  const sketches = new Map<string, { delta: SketchDelta; seen: Set<string> }>();
  const users = new Map<string, NewUserHint>();
  const seenEvents = new Set<string>();
  const result: AggregateResult = { counters: [], sketches: [], newUsers: [], events: 0, duplicates: 0, badTimestamps: [], roundedAmounts: [] };

  const count = (metric: CounterMetric, k: BucketKey, amount: number, currency?: string) => {
    const key = deltaKey(metric, k, currency);
    const d = counters.get(key);
    if (d) d.amount += amount;
    else counters.set(key, { ...k, metric, ...(currency ? { currency } : {}), amount });
  };
  const sketch = (metric: SketchMetric, k: BucketKey, id: string) => {
    const key = deltaKey(metric, k);
    let s = sketches.get(key);
    if (!s) {
      s = { delta: { ...k, metric, sketch: new HyperLogLog(), ids: 0 }, seen: new Set() };
      sketches.set(key, s);
    }
    if (!s.seen.has(id)) {
      s.seen.add(id);
      s.delta.ids++;
      s.delta.sketch.add(id);
    }
  };

  for (const e of events) {
    if (seenEvents.has(e.eventId)) {
      result.duplicates++;
      continue;
    }
    seenEvents.add(e.eventId);
    const at = Date.parse(e.timestamp);
    if (!Number.isFinite(at)) {
      result.badTimestamps.push(e.eventId);
      continue;
    }
    result.events++;
    const channel = e.context?.channel ?? null;
    const country = e.context?.country ?? null;
    const eventName = eventDimensionValue(e);
    const person = actorId(e, options.canonicalUserId?.(e));
    const actor = person && options.excludedUsers?.has(person) ? undefined : person;
    const props = e.properties;
    const isOrder = e.type === 'track' && e.event === 'order_completed';
    const isRefund = e.type === 'track' && e.event === 'order_refunded';
    const currency = (ownString(props, 'currency') ?? defaultCurrency).toUpperCase();
    let money: number | undefined;
    if (isOrder || isRefund) {
      const revenue = ownNumber(props, 'revenue');
      if (revenue !== undefined) {
        const { minor, rounded } = toMinorUnits(revenue, currency);
        if (rounded) result.roundedAmounts.push(e.eventId);
        money = minor;
      }
    }

    for (const granularity of ['HOUR', 'DAY'] as const) {
      const size = granularity === 'HOUR' ? HOUR_MS : DAY_MS;
      const bucket = Math.floor(at / size) * size;
      const keys: BucketKey[] = [
        { granularity, bucket, dimension: 'ALL', value: null },
        { granularity, bucket, dimension: 'CHANNEL', value: channel },
        { granularity, bucket, dimension: 'COUNTRY', value: country },
      ];
      const byEvent: BucketKey = { granularity, bucket, dimension: 'EVENT', value: eventName };
      for (const k of [...keys, byEvent]) {
        count('EVENTS', k, 1);
        if (actor) sketch('ACTIVE_USERS', k, actor);
      }
      for (const k of keys) {
        if (isOrder) {
          count('ORDERS', k, 1);
          if (money !== undefined) count('REVENUE', k, money, currency);
          if (actor) sketch('BUYERS', k, actor);
        } else if (isRefund) {
          count('REFUNDS', k, 1);
          if (money !== undefined) count('REFUND_AMOUNT', k, money, currency);
        }
      }
    }

    if (actor) {
      const u = users.get(actor);
      if (!u || at < u.firstAt) users.set(actor, { userId: actor, firstAt: at, eventId: e.eventId, channel, country });
    }
  }

  result.counters = [...counters.values()];
  for (const c of result.counters) {
    if (!Number.isSafeInteger(c.amount)) throw new RangeError(`counter ${deltaKey(c.metric, c, c.currency)} overflowed`);
  }
  result.sketches = [...sketches.values()].map((s) => s.delta);
  result.newUsers = [...users.values()];
  return result;
}
