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

const daysBetween = (from: string, to: string) => Math.floor((Date.parse(to) - Date.parse(from)) / DAY_MS);

/**
 * Sum of one bucket key over the `days` days up to and including `asOf`'s day. Without `days` it is the
 * lifetime counter.
 *
 * @example
 * windowSum(profile, 'order_completed', asOf, 30) // orders in the last 30 days
 */
export function windowSum(profile: Profile, key: string, asOf: string, days?: number): number {
  if (days === undefined) return profile.counters[key] ?? 0;
  const last = asOf.slice(0, 10);
  const first = new Date(Date.parse(last) - (Math.min(days, DAY_RETENTION) - 1) * DAY_MS).toISOString().slice(0, 10);
  let sum = 0;
  for (const day in profile.days) {
    if (day >= first && day <= last) sum += profile.days[day]![key] ?? 0;
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

/**
 * Derives the stats of a profile at `asOf`. Pure: the same profile and `asOf` always give the same stats, so
 * rolling windows stay right as time passes with no new events.
 *
 * @example
 * computeStats(profile, '2011-12-09T00:00:00Z').recencyDays
 */
export function computeStats(profile: Profile, asOf: string): ProfileStats {
  const o = profile.orders;
  // The mean of consecutive gaps between order days telescopes to (last - first) / (days - 1).
  const span = orderDaySpan(profile, asOf);
  const recencyFrom = o.lastAt ?? profile.lastSeenAt;
  return {
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    orders: o.count,
    revenue: o.revenue,
    refunds: o.refunds,
    refunded: o.refunded,
    recencyDays: recencyFrom ? Math.max(0, daysBetween(recencyFrom, asOf)) : null,
    frequency: windowSum(profile, 'order_completed', asOf, 365),
    monetary: Math.round(windowSum(profile, REVENUE_KEY, asOf, 365) * 100) / 100,
    averageOrderValue: o.count > 0 ? Math.round((o.revenue / o.count) * 100) / 100 : null,
    interPurchaseDays: span && span.count > 1 ? Math.round((daysBetween(span.first, span.last) / (span.count - 1)) * 100) / 100 : null,
    tenureDays: profile.firstSeenAt ? Math.max(0, daysBetween(profile.firstSeenAt, asOf)) : null,
    discountedOrderShare: o.count > 0 ? (profile.counters[DISCOUNTED_KEY] ?? 0) / o.count : null,
    lastChannel: profile.lastChannel,
    lastCountry: profile.lastCountry,
  };
}
