/** UTC day arithmetic for ranges the views ask for. */
const DAY = 86_400_000;

/** Midnight UTC `days` days before today's midnight (0: today's). */
export function utcDay(days = 0, now = Date.now()): string {
  return new Date(Math.floor(now / DAY) * DAY - days * DAY).toISOString();
}

/** The end of today (tomorrow's midnight UTC): the exclusive `to` of "up to now". */
export const endOfToday = (now = Date.now()) => utcDay(-1, now);

/** `YYYY-MM-DD` of an ISO instant, for date inputs. */
export const dayOf = (iso: string) => iso.slice(0, 10);

/** Midnight UTC of a date input's `YYYY-MM-DD`. */
export const fromDayInput = (day: string) => new Date(`${day}T00:00:00.000Z`).toISOString();
