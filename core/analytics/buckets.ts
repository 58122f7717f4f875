/**
 * Event-time buckets (HOUR, DAY, WEEK, MONTH) in any IANA time zone, with the standard library only (`Intl`).
 *
 * - A bucket is the half-open instant range `[start, end)` in epoch milliseconds, so a 23- or 25-hour day across a
 *   DST change is simply a range of that length: nothing is double counted or lost.
 * - Weeks are ISO weeks: they start on Monday at local midnight.
 * - A local midnight that does not exist (a DST jump at midnight, as in America/Santiago) starts at the first
 *   instant of the day that does; a local time that happens twice starts at its first occurrence.
 * - UTC takes a pure arithmetic path, since the aggregator buckets every event by UTC hour and day.
 */
import { AnalyticsInputError } from './errors.js';

/** The bucket sizes of the analytics contract (docs/architecture.md, "Contracts"). */
export type Granularity = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

/** All granularities, for validating names that arrive as strings. */
export const GRANULARITIES: readonly Granularity[] = ['HOUR', 'DAY', 'WEEK', 'MONTH'];

/** One bucket: `[start, end)` in epoch ms. */
export interface BucketRange {
  start: number;
  end: number;
}

/**
 * Most buckets one query may ask for. Why a bound: HOUR over five years is 43,800 points, which no dashboard can
 * draw and which would read 43,800 items per series; the caller gets a typed error at once instead.
 */
export const DEFAULT_MAX_BUCKETS = 2_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface WallTime {
  y: number;
  mo: number; // 1-12
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new AnalyticsInputError('BAD_TIME_ZONE', `unknown time zone "${timeZone}" (use an IANA name such as Europe/London)`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Checks a time zone name and returns its canonical spelling.
 *
 * Why: a typo must be a `BAD_USER_INPUT` before any data is read, not a RangeError deep in a loop.
 *
 * @example
 * ```ts
 * assertTimeZone('europe/london'); // 'Europe/London'
 * assertTimeZone('Mars/Olympus');  // throws AnalyticsInputError (BAD_TIME_ZONE)
 * ```
 */
export function assertTimeZone(timeZone: string): string {
  return formatterFor(timeZone).resolvedOptions().timeZone;
}

function isUtc(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC' || timeZone === 'GMT' || timeZone === 'Etc/GMT';
}

function wallTime(ms: number, timeZone: string): WallTime {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const w: WallTime = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of parts) {
    switch (p.type) {
      case 'year': w.y = +p.value; break;
      case 'month': w.mo = +p.value; break;
      case 'day': w.d = +p.value; break;
      case 'hour': w.h = +p.value; break;
      case 'minute': w.mi = +p.value; break;
      case 'second': w.s = +p.value; break;
      default: break;
    }
  }
  return w;
}

/** The wall-clock time as if it were UTC, in ms: comparable and easy to do calendar arithmetic on. */
function wallAsUtc(w: WallTime): number {
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
}

/** The zone's offset from UTC at an instant, in ms (whole seconds). */
function offsetAt(ms: number, timeZone: string): number {
  const floored = Math.floor(ms / 1000) * 1000;
  return wallAsUtc(wallTime(floored, timeZone)) - floored;
}

/**
 * The first instant whose local wall time is at or after `localMs` (a wall time written as UTC ms). Around a DST
 * change the offset is taken from a day before and a day after; the earliest candidate that reaches the wall time
 * wins (first occurrence in a fold, the jump instant in a gap).
 */
function localToInstant(localMs: number, timeZone: string): number {
  const a = localMs - offsetAt(localMs - DAY_MS, timeZone);
  const b = localMs - offsetAt(localMs + DAY_MS, timeZone);
  const candidates = a <= b ? [a, b] : [b, a];
  for (const c of candidates) {
    if (wallAsUtc(wallTime(c, timeZone)) >= localMs) return c;
  }
  return candidates[1]!;
}

function checkTime(ms: number, name: string): void {
  if (!Number.isFinite(ms)) throw new AnalyticsInputError('BAD_TIME', `${name} is not a valid time`);
}

/**
 * The start (epoch ms) of the bucket that contains instant `ms`.
 *
 * Why event time and an explicit zone: docs/architecture.md "Principles" 1 (replays give the same numbers), and a shop in
 * Shanghai wants its day to start at its own midnight.
 *
 * @example
 * ```ts
 * bucketStart(Date.parse('2021-03-28T12:00:00Z'), 'DAY', 'Europe/London'); // Date.parse('2021-03-28T00:00:00Z')
 * bucketStart(Date.parse('2021-06-02T10:00:00Z'), 'WEEK', 'UTC');           // Monday 2021-05-31T00:00:00Z
 * ```
 */
export function bucketStart(ms: number, granularity: Granularity, timeZone = 'UTC'): number {
  checkTime(ms, 'time');
  if (isUtc(timeZone)) {
    switch (granularity) {
      case 'HOUR': return Math.floor(ms / HOUR_MS) * HOUR_MS;
      case 'DAY': return Math.floor(ms / DAY_MS) * DAY_MS;
      case 'WEEK': {
        const day = Math.floor(ms / DAY_MS) * DAY_MS;
        const dow = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
        return day - dow * DAY_MS;
      }
      case 'MONTH': {
        const d = new Date(ms);
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      }
      default: throw badGranularity(granularity);
    }
  }
  const w = wallTime(ms, timeZone);
  switch (granularity) {
    case 'HOUR': {
      // Truncate the local time to its hour; works for half- and quarter-hour offsets too (India, Nepal).
      const local = ms + offsetAt(ms, timeZone);
      return ms - (((local % HOUR_MS) + HOUR_MS) % HOUR_MS);
    }
    case 'DAY': return localToInstant(Date.UTC(w.y, w.mo - 1, w.d), timeZone);
    case 'WEEK': {
      const localDay = Date.UTC(w.y, w.mo - 1, w.d);
      const dow = (new Date(localDay).getUTCDay() + 6) % 7;
      return localToInstant(localDay - dow * DAY_MS, timeZone);
    }
    case 'MONTH': return localToInstant(Date.UTC(w.y, w.mo - 1, 1), timeZone);
    default: throw badGranularity(granularity);
  }
}

function badGranularity(g: string): AnalyticsInputError {
  return new AnalyticsInputError('BAD_GRANULARITY', `unknown granularity "${g}" (use one of ${GRANULARITIES.join(', ')})`);
}

/**
 * The start of the bucket after the one starting at `start` (which must be a bucket start).
 *
 * Why not `start + 24h`: a local day across a DST change is 23 or 25 hours, and a month is 28 to 31 days.
 *
 * @example
 * ```ts
 * nextBucketStart(Date.parse('2021-03-28T00:00:00Z'), 'DAY', 'Europe/London'); // Date.parse('2021-03-28T23:00:00Z')
 * ```
 */
export function nextBucketStart(start: number, granularity: Granularity, timeZone = 'UTC'): number {
  checkTime(start, 'time');
  if (granularity === 'HOUR') return bucketStart(start + HOUR_MS, 'HOUR', timeZone);
  const utc = isUtc(timeZone);
  const w = utc ? wallTime0(start) : wallTime(start, timeZone);
  let local: number;
  switch (granularity) {
    case 'DAY': local = Date.UTC(w.y, w.mo - 1, w.d + 1); break;
    case 'WEEK': local = Date.UTC(w.y, w.mo - 1, w.d + 7); break;
    case 'MONTH': local = Date.UTC(w.y, w.mo, 1); break;
    default: throw badGranularity(granularity);
  }
  return utc ? local : localToInstant(local, timeZone);
}

function wallTime0(ms: number): WallTime {
  const d = new Date(ms);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

/** A cheap upper bound of the bucket count of `[from, to)`, so the guard runs before any loop. */
function estimateBuckets(from: number, to: number, granularity: Granularity): number {
  const span = to - from;
  switch (granularity) {
    case 'HOUR': return Math.ceil(span / HOUR_MS) + 2;
    case 'DAY': return Math.ceil(span / (23 * HOUR_MS)) + 2;
    case 'WEEK': return Math.ceil(span / (7 * DAY_MS - HOUR_MS)) + 2;
    case 'MONTH': return Math.ceil(span / (28 * DAY_MS - HOUR_MS)) + 2;
    default: throw badGranularity(granularity);
  }
}

/** Options of {@link bucketRanges}. */
export interface BucketRangeOptions {
  /** Refuse more buckets than this; {@link DEFAULT_MAX_BUCKETS} unless told. */
  maxBuckets?: number;
}

/**
 * The buckets that cover `[from, to)`: from the one containing `from` to the one containing `to - 1`. The first
 * bucket may start before `from` (a series point is a whole bucket); `from == to` gives no bucket.
 *
 * Why the checks live here: every metric and retention query passes through this, so "from after to", an unknown
 * zone and "too many buckets" are refused in one place, fast, with `BAD_USER_INPUT`.
 *
 * @throws AnalyticsInputError RANGE_REVERSED, TOO_MANY_BUCKETS, BAD_TIME_ZONE, BAD_GRANULARITY, BAD_TIME
 * @example
 * ```ts
 * bucketRanges(Date.parse('2021-03-27T00:00Z'), Date.parse('2021-03-29T00:00Z'), 'DAY', 'Europe/London');
 * // [{ start: 03-27T00:00Z, end: 03-28T00:00Z }, { start: 03-28T00:00Z, end: 03-28T23:00Z }, { start: 03-28T23:00Z, end: 03-29T23:00Z }]
 * ```
 */
export function bucketRanges(
  from: number,
  to: number,
  granularity: Granularity,
  timeZone = 'UTC',
  options: BucketRangeOptions = {},
): BucketRange[] {
  checkTime(from, 'from');
  checkTime(to, 'to');
  if (!GRANULARITIES.includes(granularity)) throw badGranularity(granularity);
  assertTimeZone(timeZone);
  if (from > to) {
    throw new AnalyticsInputError('RANGE_REVERSED', `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`);
  }
  const max = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
  const tooMany = () =>
    new AnalyticsInputError(
      'TOO_MANY_BUCKETS',
      `${granularity} buckets from ${new Date(from).toISOString()} to ${new Date(to).toISOString()} are more than ${max}; use a coarser granularity or a shorter range`,
    );
  if (from === to) return [];
  if (estimateBuckets(from, to, granularity) > max + 2) throw tooMany();
  const out: BucketRange[] = [];
  let start = bucketStart(from, granularity, timeZone);
  while (start < to) {
    const end = nextBucketStart(start, granularity, timeZone);
    out.push({ start, end });
    if (out.length > max) throw tooMany();
    start = end;
  }
  return out;
}

/**
 * The UTC calendar date (`YYYY-MM-DD`) of an instant: the archive's partition key.
 *
 * @example
 * ```ts
 * utcDate(Date.parse('2011-12-09T12:50:00Z')); // '2011-12-09'
 * ```
 */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
