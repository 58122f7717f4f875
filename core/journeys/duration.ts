/**
 * ISO 8601 durations (`P3D`, `PT1H30M`, `P1W`), parsed and added to event times. Journeys store waits as durations
 * so that they read the same in every time zone; timers are computed from event time, never from the wall clock.
 */

/** The components of a duration, each a non-negative whole number. */
export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** Longest wait a journey may declare: past this a timer is almost surely a typo (`P365W`). */
export const MAX_DURATION_DAYS = 400;

const PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const DAY_MS = 86_400_000;

/**
 * Parses an ISO 8601 duration with whole-number components, or returns an error message. Returning the reason
 * (not throwing) lets the validator report it as a `BAD_DURATION` problem with the document path.
 *
 * @example
 * parseDuration('PT1H30M') // { ok: true, value: { hours: 1, minutes: 30, ... } }
 * parseDuration('3 days')  // { ok: false, error: '...' }
 */
export function parseDuration(text: string): { ok: true; value: Duration } | { ok: false; error: string } {
  const m = PATTERN.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    return { ok: false, error: `'${text}' is not an ISO 8601 duration such as P3D, PT1H or P1DT12H` };
  }
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const value: Duration = { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
  const approxDays =
    value.years * 366 + value.months * 31 + value.weeks * 7 + value.days + (value.hours * 3600 + value.minutes * 60 + value.seconds) / 86_400;
  if (approxDays <= 0) return { ok: false, error: `'${text}' is zero: a duration must be positive` };
  if (approxDays > MAX_DURATION_DAYS) return { ok: false, error: `'${text}' is longer than ${MAX_DURATION_DAYS} days` };
  return { ok: true, value };
}

/**
 * The instant `duration` after `from`, in UTC: years and months move the calendar date, weeks and days are whole
 * 24-hour days. Throws on a bad duration (journeys are validated before they run).
 *
 * @example
 * addDuration('2024-01-31T10:00:00.000Z', 'P1D') // '2024-02-01T10:00:00.000Z'
 */
export function addDuration(from: string, duration: string): string {
  const parsed = parseDuration(duration);
  if (!parsed.ok) throw new RangeError(parsed.error);
  const d = parsed.value;
  const t = new Date(Date.parse(from));
  if (d.years || d.months) t.setUTCMonth(t.getUTCMonth() + d.years * 12 + d.months);
  const ms = (d.weeks * 7 + d.days) * DAY_MS + ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return new Date(t.getTime() + ms).toISOString();
}
