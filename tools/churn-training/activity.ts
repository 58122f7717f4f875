/**
 * Folds orders into {@link ChurnProfile}s exactly as the tagger folds `order_completed` / `order_refunded` events
 * (for the fields a churn profile has), so offline training and evaluation see the same documents the live scorer
 * reads. The live profile also folds every other event (logins, page views, identify…) into the same fields; the
 * features read only the parts those events cannot change (see {@link ChurnProfile}).
 */
import { DAY_RETENTION, REFUND_KEY, REVENUE_KEY } from '../../core/profile/types.js';
import type { Order } from '../data/transactions.js';
import { dayKey, dayNumber } from '../../core/churn/days.js';
import { ORDER_EVENT, REFUND_EVENT, type ChurnProfile } from '../../core/churn/types.js';

/**
 * A churn profile with nothing folded in yet.
 *
 * @example
 * ```ts
 * emptyChurnProfile().orders.count; // 0
 * ```
 */
export function emptyChurnProfile(): ChurnProfile {
  return {
    days: {},
    orders: { count: 0, revenue: 0, refunds: 0, refunded: 0, firstAt: null, lastAt: null },
    lastAt: {},
  };
}

function minIso(a: string | null, b: string): string {
  return a === null || b < a ? b : a;
}
function maxIso(a: string | null, b: string): string {
  return a === null || b > a ? b : a;
}

/**
 * Applies one order (a purchase or a refund) to a profile in place, mirroring the tagger's fold:
 * day bucket counts and money, lifetime order totals, the latest time per event name (`lastAt`), and pruning of day
 * buckets more than {@link DAY_RETENTION} days older than the newest bucket (see core/profile/fold.ts).
 *
 * @example
 * ```ts
 * const p = emptyChurnProfile();
 * foldOrder(p, { userId: 'u', orderId: '1', at: Date.parse('2011-09-01T10:00:00Z'), amount: 20, refund: false });
 * p.days['2011-09-01']; // { order_completed: 1, $revenue: 20 }
 * ```
 */
export function foldOrder(profile: ChurnProfile, order: Order): void {
  const iso = new Date(order.at).toISOString();
  const key = dayKey(order.at);
  const name = order.refund ? REFUND_EVENT : ORDER_EVENT;
  profile.lastAt[name] = maxIso(profile.lastAt[name] ?? null, iso);
  if (order.refund) {
    bump(profile, key, REFUND_EVENT, 1);
    bump(profile, key, REFUND_KEY, order.amount);
    profile.orders.refunds += 1;
    profile.orders.refunded = round(profile.orders.refunded + order.amount);
  } else {
    bump(profile, key, ORDER_EVENT, 1);
    bump(profile, key, REVENUE_KEY, order.amount);
    const o = profile.orders;
    o.count += 1;
    o.revenue = round(o.revenue + order.amount);
    o.firstAt = minIso(o.firstAt, iso);
    o.lastAt = maxIso(o.lastAt, iso);
  }
  pruneDays(profile);
}

/** Money and counts are rounded to 1e-6 as the tagger's fold does, so sums agree to the last digit. */
const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Adds to a day bucket key, rounded as the fold rounds. */
function bump(profile: ChurnProfile, day: string, key: string, by: number): void {
  const bucket = (profile.days[day] ??= {});
  bucket[key] = round((bucket[key] ?? 0) + by);
}

/**
 * Drops day buckets more than {@link DAY_RETENTION} days older than the newest bucket, as the tagger's fold does
 * (it keeps every day from newest − DAY_RETENTION on). Live, the newest bucket may be a later non-purchase event's,
 * so more old buckets go; at an `asOf` on or after the last event both keep every bucket the features read (the last
 * `WINDOW_DAYS` = 365 days, see features.ts).
 */
export function pruneDays(profile: ChurnProfile): void {
  let latest = -Infinity;
  for (const k in profile.days) {
    const n = dayNumber(k);
    if (n > latest) latest = n;
  }
  for (const k in profile.days) {
    if (latest - dayNumber(k) > DAY_RETENTION) delete profile.days[k];
  }
}

/**
 * Folds time-sorted orders with `at <= asOf` into one profile per user.
 *
 * @example
 * ```ts
 * const profiles = buildProfiles(orders, Date.parse('2011-09-09T23:59:59.999Z'));
 * profiles.get('17850')?.orders.count;
 * ```
 */
export function buildProfiles(orders: readonly Order[], asOf: number): Map<string, ChurnProfile> {
  const profiles = new Map<string, ChurnProfile>();
  for (const o of orders) {
    if (o.at > asOf) continue;
    let p = profiles.get(o.userId);
    if (!p) profiles.set(o.userId, (p = emptyChurnProfile()));
    foldOrder(p, o);
  }
  return profiles;
}
