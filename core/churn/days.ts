/**
 * UTC day keys (`YYYY-MM-DD`) as the profile's day buckets use them, and fast conversion to day numbers.
 * Parsing is hand-rolled because it runs once per bucket per scored profile (see bench/churn-inference.ts).
 */
import { DAY_MS } from './types.js';

/**
 * The UTC calendar day of an epoch-ms time, as a bucket key.
 *
 * @example
 * ```ts
 * dayKey(Date.UTC(2011, 8, 9, 23, 0)); // '2011-09-09'
 * ```
 */
export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Days since 1970-01-01 of a `YYYY-MM-DD` key; `NaN` when the key is not of that shape.
 *
 * @example
 * ```ts
 * dayNumber('1970-01-02'); // 1
 * ```
 */
export function dayNumber(key: string): number {
  if (key.length !== 10 || key.charCodeAt(4) !== 45 || key.charCodeAt(7) !== 45) return NaN;
  const y = digits(key, 0, 4);
  const m = digits(key, 5, 2);
  const d = digits(key, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return NaN;
  return daysFromCivil(y, m, d);
}

/** The day number (days since epoch) containing an epoch-ms time. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

function digits(s: string, start: number, len: number): number {
  let v = 0;
  for (let i = start; i < start + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Howard Hinnant's days_from_civil: proleptic Gregorian date → days since 1970-01-01, no Date allocation. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
