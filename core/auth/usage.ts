import { addRequest, requestCounts } from '../store/usage.js';

/*
 * Limits that hold across containers (docs/architecture.md, "Keys and scopes"). Each admitted request adds one to
 * two counters of its key in the usage table, each a conditional ADD, so every container sees the same count:
 *  - `r<w>#<n>`: requests in the n-th window of w seconds, at most the key's rate × w (w is 1 s, or longer for a
 *    rate under one a second: 0.2/s is one request per 5 s window);
 *  - `d#<yyyy-mm-dd>`: requests in the UTC day, at most the daily quota when the key has one. It is the metering
 *    admins read, so it is kept for a year; rate windows expire after an hour.
 * Both are written at once; a request the rate refuses is taken back off the day, so usage counts admitted
 * requests (a request refused for its quota still spent its rate window's slot, which only makes the rate stricter).
 */

const DAY_MS = 86_400_000;
const RATE_SLOT_TTL_S = 3_600;
const DAY_SLOT_TTL_S = 400 * 86_400;

export type Admission = { allowed: true } | { allowed: false; reason: 'RATE' | 'QUOTA'; retryAfterSeconds: number };

/** The rate window of a key: whole seconds, long enough to hold one request. */
export function rateWindow(perSecond: number): { seconds: number; limit: number } {
  const seconds = Math.max(1, Math.ceil(1 / perSecond));
  return { seconds, limit: Math.max(1, Math.floor(perSecond * seconds)) };
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Counts one request of a key against its rate and daily quota, over every container. A refusal says when to
 * come back: the next rate window, or the next UTC midnight.
 *
 * @example
 * const a = await admitUsage(usageTable, { id: key.id, rateLimit: 50, dailyQuota: 10_000 }, Date.now());
 * if (!a.allowed) return tooMany(a.retryAfterSeconds);
 */
export async function admitUsage(
  table: string,
  key: { id: string; rateLimit: number; dailyQuota?: number },
  nowMs: number,
): Promise<Admission> {
  const { seconds, limit } = rateWindow(key.rateLimit);
  const windowMs = seconds * 1000;
  const n = Math.floor(nowMs / windowMs);
  const daySlot = `d#${utcDay(nowMs)}`;
  const dayExpires = Math.floor(nowMs / 1000) + DAY_SLOT_TTL_S;
  // Both counters at once (one round trip of latency, not two).
  const [inRate, inQuota] = await Promise.all([
    addRequest(table, key.id, `r${seconds}#${n}`, limit, Math.floor(nowMs / 1000) + RATE_SLOT_TTL_S),
    addRequest(table, key.id, daySlot, key.dailyQuota, dayExpires),
  ]);
  if (!inRate) {
    // The day counted a request the rate refused: take it back, so usage counts admitted requests.
    if (inQuota) await addRequest(table, key.id, daySlot, undefined, dayExpires, -1);
    return { allowed: false, reason: 'RATE', retryAfterSeconds: Math.max(1, Math.ceil(((n + 1) * windowMs - nowMs) / 1000)) };
  }
  if (!inQuota) {
    const midnight = (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS;
    return { allowed: false, reason: 'QUOTA', retryAfterSeconds: Math.max(1, Math.ceil((midnight - nowMs) / 1000)) };
  }
  return { allowed: true };
}

/**
 * Admitted requests of a key per UTC day, oldest first, for the `days` days up to `nowMs` (days without requests
 * are 0).
 *
 * @example
 * await dailyUsage(usageTable, 'key_0123456789abcdef', 7, Date.now()) // [{ day: '2026-11-27', requests: 0 }, …]
 */
export async function dailyUsage(table: string, keyId: string, days: number, nowMs: number): Promise<Array<{ day: string; requests: number }>> {
  const wanted = Array.from({ length: days }, (_, i) => utcDay(nowMs - (days - 1 - i) * DAY_MS));
  const counts = await requestCounts(table, keyId, `d#${wanted[0]}`, `d#${wanted.at(-1)}`);
  return wanted.map((day) => ({ day, requests: counts.get(`d#${day}`) ?? 0 }));
}
