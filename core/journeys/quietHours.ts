/**
 * Quiet hours in the user's own time zone. A send due inside the window is queued until the window ends, in local
 * wall-clock time (so "08:00" is 08:00 for the user on both sides of a DST change).
 */

/** A daily window in local time; `start` after `end` spans midnight (21:00–08:00). Equal times mean no window. */
export interface QuietHours {
  start: string;
  end: string;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Whether `timeZone` is an IANA zone this runtime knows (`Asia/Shanghai`, `UTC`). Traits are user data: a bad
 * value falls back to the stage default instead of failing the send.
 */
export function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function localParts(ms: number, timeZone: string): LocalParts & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant of a local wall-clock time (two passes settle DST; a time in a spring-forward gap moves later). */
function zonedToUtc(p: LocalParts, timeZone: string): number {
  const guess = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  const first = guess - offsetAt(guess, timeZone);
  const second = guess - offsetAt(first, timeZone);
  return Math.max(first, second);
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the quiet window containing `asOf` ends, as an ISO instant, or null when `asOf` is outside it.
 *
 * @example
 * quietHoursEnd('2024-05-01T14:30:00Z', { start: '21:00', end: '08:00' }, 'Asia/Shanghai') // 22:30 local
 * // → '2024-05-02T00:00:00.000Z' (08:00 in Shanghai)
 */
export function quietHoursEnd(asOf: string, window: QuietHours, timeZone: string): string | null {
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (start === end) return null;
  const ms = Date.parse(asOf);
  const local = localParts(ms, timeZone);
  const now = local.hour * 60 + local.minute;
  let dayOffset: number;
  if (start < end) {
    if (now < start || now >= end) return null;
    dayOffset = 0;
  } else if (now >= start) {
    dayOffset = 1; // evening part: ends tomorrow morning
  } else if (now < end) {
    dayOffset = 0; // morning part
  } else {
    return null;
  }
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + dayOffset));
  const at = zonedToUtc(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: Math.floor(end / 60), minute: end % 60 },
    timeZone,
  );
  return new Date(Math.max(at, ms)).toISOString();
}
