/**
 * Whether an ISO 8601 / RFC 3339 timestamp names a real calendar instant. `Date.parse` is lenient: it takes
 * `2026-02-30` (and shifts it to 2 March) and `T24:00:00` (the next midnight). Ingest stores what the client
 * meant or refuses it, so each field is checked against the calendar before the string is parsed: month 01–12,
 * day within its month (leap years included), hour 00–23, minute and second 00–59 (no leap second: JavaScript
 * time cannot hold one), and a zone offset of at most 23:59.
 */

const PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * True when every field of the timestamp lies within the calendar; false for impossible dates and times, and
 * for strings not of the shape `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH[:]MM)`.
 *
 * @example
 * isCalendarTimestamp('2024-02-29T10:00:00Z') // true
 * isCalendarTimestamp('2026-02-30T10:00:00Z') // false
 * isCalendarTimestamp('2026-01-01T24:00:01Z') // false
 */
export function isCalendarTimestamp(s: string): boolean {
  const m = PARTS.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12) return false;
  if (day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}
