/**
 * Folds orders into {@link ChurnProfile}s exactly as the tagger folds `order_completed` / `order_refunded` events,
 * so offline training and evaluation see the same documents the live scorer reads.
 */
import { DAY_RETENTION, REFUND_KEY, REVENUE_KEY } from '../profile/types.js';
import type { Order } from '../data/transactions.js';
import { dayKey, dayNumber } from './days.js';
import { ORDER_EVENT, REFUND_EVENT, type ChurnProfile } from './types.js';

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
    firstSeenAt: null,
    lastSeenAt: null,
    counters: {},
    days: {},
    orders: { count: 0, revenue: 0, refunds: 0, refunded: 0, firstAt: null, lastAt: null },
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
 * day bucket counts and money, lifetime order totals, counters, first/last seen, and pruning of day buckets
 * {@link DAY_RETENTION} or more days older than the newest bucket.
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
  const bucket = (profile.days[key] ??= {});
  if (order.refund) {
    bucket[REFUND_EVENT] = (bucket[REFUND_EVENT] ?? 0) + 1;
    bucket[REFUND_KEY] = (bucket[REFUND_KEY] ?? 0) + order.amount;
    profile.orders.refunds += 1;
    profile.orders.refunded += order.amount;
    profile.counters[REFUND_EVENT] = (profile.counters[REFUND_EVENT] ?? 0) + 1;
  } else {
    bucket[ORDER_EVENT] = (bucket[ORDER_EVENT] ?? 0) + 1;
    bucket[REVENUE_KEY] = (bucket[REVENUE_KEY] ?? 0) + order.amount;
    profile.orders.count += 1;
    profile.orders.revenue += order.amount;
    profile.orders.firstAt = minIso(profile.orders.firstAt, iso);
    profile.orders.lastAt = maxIso(profile.orders.lastAt, iso);
    profile.counters[ORDER_EVENT] = (profile.counters[ORDER_EVENT] ?? 0) + 1;
  }
  profile.firstSeenAt = minIso(profile.firstSeenAt, iso);
  profile.lastSeenAt = maxIso(profile.lastSeenAt, iso);
  pruneDays(profile);
}

/**
 * Drops day buckets {@link DAY_RETENTION} or more days older than the newest bucket (the profile keeps
 * `DAY_RETENTION` days counted back from its latest bucket).
 */
export function pruneDays(profile: ChurnProfile): void {
  let latest = -Infinity;
  for (const k in profile.days) {
    const n = dayNumber(k);
    if (n > latest) latest = n;
  }
  for (const k in profile.days) {
    if (latest - dayNumber(k) >= DAY_RETENTION) delete profile.days[k];
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
