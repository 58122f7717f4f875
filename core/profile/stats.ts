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

/** Days (sorted) on which the profile ordered, up to `asOf`. */
export function orderDays(profile: Profile, asOf: string): string[] {
  const last = asOf.slice(0, 10);
  return Object.keys(profile.days)
    .filter((d) => d <= last && (profile.days[d]!.order_completed ?? 0) > 0)
    .sort();
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
  const days = orderDays(profile, asOf);
  const gaps = days.slice(1).map((d, i) => daysBetween(days[i]!, d));
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
    interPurchaseDays: gaps.length ? Math.round((gaps.reduce((a, b) => a + b, 0) / gaps.length) * 100) / 100 : null,
    tenureDays: profile.firstSeenAt ? Math.max(0, daysBetween(profile.firstSeenAt, asOf)) : null,
    discountedOrderShare: o.count > 0 ? (profile.counters[DISCOUNTED_KEY] ?? 0) / o.count : null,
    lastChannel: profile.lastChannel,
    lastCountry: profile.lastCountry,
  };
}
