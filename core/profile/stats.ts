import { own } from './keys.js';
import { DAY_RETENTION, DISCOUNTED_KEY, REVENUE_KEY, type Profile } from './types.js';

const DAY_MS = 86_400_000;

/** Figures derived from a profile at an explicit `asOf` (event time): what `User.stats` and rules see. */
export interface ProfileStats {
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  orders: number;
  revenue: number;
  refunds: number;
  refunded: number;
  /** Whole days from the last order (or, with no order, the last activity) to `asOf`. */
  recencyDays: number | null;
  /** Orders in the last 365 days. */
  frequency: number;
  /** Revenue in the last 365 days. */
  monetary: number;
  averageOrderValue: number | null;
  /** Mean days between consecutive order days, over the retained history. */
  interPurchaseDays: number | null;
  tenureDays: number | null;
  discountedOrderShare: number | null;
  lastChannel: string | null;
  lastCountry: string | null;
}

const daysBetween = (from: string, toMs: number) => Math.floor((toMs - Date.parse(from)) / DAY_MS);

/**
 * Sum of one bucket key over the `days` days up to and including `asOf`'s day. Without `days` it is the
 * lifetime counter.
 *
 * @example
 * windowSum(profile, 'order_completed', asOf, 30) // orders in the last 30 days
 */
export function windowSum(profile: Profile, key: string, asOf: string, days?: number): number {
  // Own reads only: `key` comes from rules and API callers, and may be a name such as `constructor`.
  const lifetime = own(profile.counters, key) ?? 0;
  // Every bucket key only ever grows by non-negative amounts, so a zero lifetime total means every window is
  // zero too: rare events (payment_failed, negative messages) cost no bucket scan.
  if (days === undefined || lifetime === 0) return lifetime;
  const last = asOf.slice(0, 10);
  const first = new Date(Date.parse(last) - (Math.min(days, DAY_RETENTION) - 1) * DAY_MS).toISOString().slice(0, 10);
  let sum = 0;
  for (const day in profile.days) {
    if (day >= first && day <= last) sum += own(profile.days[day]!, key) ?? 0;
  }
  return sum;
}

/** The first and last day (up to `asOf`) on which the profile ordered, and how many such days there are. */
export function orderDaySpan(profile: Profile, asOf: string): { first: string; last: string; count: number } | null {
  const until = asOf.slice(0, 10);
  let first: string | null = null;
  let last: string | null = null;
  let count = 0;
  for (const day in profile.days) {
    if (day > until || !(profile.days[day]!.order_completed! > 0)) continue;
    count++;
    if (first === null || day < first) first = day;
    if (last === null || day > last) last = day;
  }
  return first === null || last === null ? null : { first, last, count };
}

type StatField = keyof ProfileStats;
type FieldOf = { [K in StatField]: (profile: Profile, asOf: string, asOfMs: number) => ProfileStats[K] };

const round2 = (n: number) => Math.round(n * 100) / 100;

/** How each stat is derived. One function per field, so a caller can ask for only the fields it reads. */
const STAT_FIELDS: FieldOf = {
  firstSeenAt: (p) => p.firstSeenAt,
  lastSeenAt: (p) => p.lastSeenAt,
  orders: (p) => p.orders.count,
  revenue: (p) => p.orders.revenue,
  refunds: (p) => p.orders.refunds,
  refunded: (p) => p.orders.refunded,
  recencyDays: (p, _, asOfMs) => {
    const from = p.orders.lastAt ?? p.lastSeenAt;
    return from ? Math.max(0, daysBetween(from, asOfMs)) : null;
  },
  frequency: (p, asOf) => windowSum(p, 'order_completed', asOf, 365),
  monetary: (p, asOf) => round2(windowSum(p, REVENUE_KEY, asOf, 365)),
  averageOrderValue: (p) => (p.orders.count > 0 ? round2(p.orders.revenue / p.orders.count) : null),
  interPurchaseDays: (p, asOf) => {
    // The mean of consecutive gaps between order days telescopes to (last - first) / (days - 1).
    const span = orderDaySpan(p, asOf);
    return span && span.count > 1 ? round2(daysBetween(span.first, Date.parse(span.last)) / (span.count - 1)) : null;
  },
  tenureDays: (p, _, asOfMs) => (p.firstSeenAt ? Math.max(0, daysBetween(p.firstSeenAt, asOfMs)) : null),
  discountedOrderShare: (p) => (p.orders.count > 0 ? (p.counters[DISCOUNTED_KEY] ?? 0) / p.orders.count : null),
  lastChannel: (p) => p.lastChannel,
  lastCountry: (p) => p.lastCountry,
};

/** Every stat, in schema order. */
export const STAT_NAMES = Object.keys(STAT_FIELDS) as StatField[];

/**
 * The named stats of a profile at `asOf` (unknown names are skipped). Rules ask only for the fields they read:
 * this runs for every profile of every batch, and the window fields scan day buckets.
 *
 * @example
 * statsFields(profile, '2011-12-09T00:00:00Z', ['revenue', 'orders']) // { revenue: 1200, orders: 3 }
 */
export function statsFields(profile: Profile, asOf: string, fields: Iterable<string>): Partial<ProfileStats> {
  const asOfMs = Date.parse(asOf);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!Object.hasOwn(STAT_FIELDS, f)) continue; // `stats.constructor` is no stat
    const derive = STAT_FIELDS[f as StatField] as (p: Profile, a: string, ms: number) => unknown;
    out[f] = derive(profile, asOf, asOfMs);
  }
  return out as Partial<ProfileStats>;
}

/**
 * Derives the stats of a profile at `asOf`. Pure: the same profile and `asOf` always give the same stats, so
 * rolling windows stay right as time passes with no new events.
 *
 * @example
 * computeStats(profile, '2011-12-09T00:00:00Z').recencyDays
 */
export const computeStats = (profile: Profile, asOf: string): ProfileStats => statsFields(profile, asOf, STAT_NAMES) as ProfileStats;
