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

const daysBetween = (from: string, to: string | number) =>
  Math.floor(((typeof to === 'number' ? to : Date.parse(to)) - Date.parse(from)) / DAY_MS);

/**
 * Sum of one bucket key over the `days` days up to and including `asOf`'s day. Without `days` it is the
 * lifetime counter.
 *
 * @example
 * windowSum(profile, 'order_completed', asOf, 30) // orders in the last 30 days
 */
export function windowSum(profile: Profile, key: string, asOf: string, days?: number): number {
  const lifetime = profile.counters[key] ?? 0;
  // Every bucket key only ever grows by non-negative amounts, so a zero lifetime total means every window is
  // zero too: rare events (payment_failed, negative messages) cost no bucket scan.
  if (days === undefined || lifetime === 0) return lifetime;
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
 * The stats of a profile at `asOf`, as a view whose day-bucket figures (frequency, monetary, inter-purchase
 * days) are computed on first read: most rules read only the cheap fields, and evaluation runs on every batch.
 * Pure: the same profile and `asOf` always give the same stats, so rolling windows stay right as time passes
 * with no new events.
 *
 * @example
 * statsAt(profile, '2011-12-09T00:00:00Z').recencyDays
 */
export function statsAt(profile: Profile, asOf: string): ProfileStats {
  const o = profile.orders;
  const recencyFrom = o.lastAt ?? profile.lastSeenAt;
  const asOfMs = Date.parse(asOf);
  let frequency: number | undefined;
  let monetary: number | undefined;
  let interPurchaseDays: number | null | undefined;
  return {
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    orders: o.count,
    revenue: o.revenue,
    refunds: o.refunds,
    refunded: o.refunded,
    recencyDays: recencyFrom ? Math.max(0, daysBetween(recencyFrom, asOfMs)) : null,
    get frequency() {
      return (frequency ??= windowSum(profile, 'order_completed', asOf, 365));
    },
    get monetary() {
      return (monetary ??= Math.round(windowSum(profile, REVENUE_KEY, asOf, 365) * 100) / 100);
    },
    averageOrderValue: o.count > 0 ? Math.round((o.revenue / o.count) * 100) / 100 : null,
    get interPurchaseDays() {
      if (interPurchaseDays !== undefined) return interPurchaseDays;
      // The mean of consecutive gaps between order days telescopes to (last - first) / (days - 1).
      const span = orderDaySpan(profile, asOf);
      return (interPurchaseDays =
        span && span.count > 1 ? Math.round((daysBetween(span.first, span.last) / (span.count - 1)) * 100) / 100 : null);
    },
    tenureDays: profile.firstSeenAt ? Math.max(0, daysBetween(profile.firstSeenAt, asOfMs)) : null,
    discountedOrderShare: o.count > 0 ? (profile.counters[DISCOUNTED_KEY] ?? 0) / o.count : null,
    lastChannel: profile.lastChannel,
    lastCountry: profile.lastCountry,
  };
}

/**
 * The stats of a profile at `asOf` as a plain object, every figure computed.
 *
 * @example
 * computeStats(profile, '2011-12-09T00:00:00Z').recencyDays
 */
export const computeStats = (profile: Profile, asOf: string): ProfileStats => ({ ...statsAt(profile, asOf) });
