/**
 * Turns per-feature contributions (log-odds) into short sentences. Correlated features are grouped (for example
 * recency, overdue ratio and the gap statistics all say "how long since the last purchase, against the usual
 * rhythm"), so the three reasons are three different things, not one thing said three ways.
 */
import { F, FEATURE_NAMES, type FeatureName } from './features.js';

type Group = 'recency' | 'frequency' | 'monetary' | 'trend' | 'refunds' | 'tenure' | 'pattern';

/** Which reason group each feature's contribution counts towards. */
export const FEATURE_GROUP: Record<FeatureName, Group> = {
  recency_days: 'recency',
  days_since_last_order_or_refund: 'recency',
  overdue_ratio: 'recency',
  recency_z: 'recency',
  days_since_prev_order: 'recency',
  last_gap_days: 'recency',
  gap_mean_days: 'recency',
  gap_std_days: 'recency',
  tenure_days: 'tenure',
  log_orders: 'frequency',
  order_days_30: 'frequency',
  order_days_90: 'frequency',
  order_days_180: 'frequency',
  order_days_365: 'frequency',
  order_days_per_30d: 'frequency',
  active_months_ratio: 'frequency',
  orders_per_order_day: 'frequency',
  log_revenue: 'monetary',
  log_avg_order_value: 'monetary',
  log_revenue_90: 'monetary',
  log_revenue_365: 'monetary',
  log_revenue_per_30d: 'monetary',
  trend_90: 'trend',
  refund_rate: 'refunds',
  refunded_share: 'refunds',
  bgnbd_p_alive: 'pattern',
  bgnbd_p_no_purchase: 'pattern',
};

const GROUPS: Group[] = ['recency', 'frequency', 'monetary', 'trend', 'refunds', 'tenure', 'pattern'];
const GROUP_INDEX = Int32Array.from(FEATURE_NAMES.map((n) => GROUPS.indexOf(FEATURE_GROUP[n])));
const sums = new Float64Array(GROUPS.length);

const round = (v: number) => Math.round(v);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const money = (logValue: number) => {
  const v = Math.expm1(logValue);
  return v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0);
};

function sentence(group: Group, x: ArrayLike<number>): string {
  switch (group) {
    case 'recency': {
      const days = round(x[F.recency_days]);
      const gap = round(x[F.gap_mean_days]);
      return x[F.order_days_365] >= 2 || x[F.log_orders] > Math.log(2) + 1e-9
        ? `No purchase for ${plural(days, 'day')} (typical gap ${plural(gap, 'day')})`
        : `No purchase for ${plural(days, 'day')} since the first and only order`;
    }
    case 'frequency': {
      const orders = round(Math.expm1(x[F.log_orders]));
      return `${plural(orders, 'order')} in total, ${plural(round(x[F.order_days_90]), 'purchase day')} in the last 90 days`;
    }
    case 'monetary':
      return `Spent ${money(x[F.log_revenue])} in total (${money(x[F.log_avg_order_value])} per order)`;
    case 'trend': {
      const now = round(x[F.order_days_90]);
      const before = Math.max(0, round((now + 1) / Math.exp(x[F.trend_90]) - 1));
      return `${plural(now, 'purchase day')} in the last 90 days against ${before} in the 90 before`;
    }
    case 'refunds':
      return `Refunds on ${(100 * x[F.refund_rate]).toFixed(0)}% of orders (${(100 * x[F.refunded_share]).toFixed(0)}% of spend)`;
    case 'tenure':
      return `Customer for ${plural(round(x[F.tenure_days]), 'day')}`;
    case 'pattern':
      return `Purchase pattern suggests ${(100 * x[F.bgnbd_p_alive]).toFixed(0)}% chance still active`;
  }
}

/**
 * The `limit` strongest reason groups by absolute summed contribution, as sentences ending with whether they
 * raise or lower the churn risk.
 *
 * @example
 * ```ts
 * explain(features, contributions); // ['No purchase for 74 days (typical gap 21 days) — raises risk', …]
 * ```
 */
export function explain(features: ArrayLike<number>, contributions: ArrayLike<number>, limit = 3): string[] {
  sums.fill(0);
  for (let f = 0; f < GROUP_INDEX.length; f++) sums[GROUP_INDEX[f]] += contributions[f];
  const reasons: string[] = [];
  let taken = 0; // bit mask of groups already used
  // Selection of the top `limit` of seven groups: cheaper than sorting, and allocation-free until the sentences.
  for (let r = 0; r < limit; r++) {
    let best = -1;
    for (let i = 0; i < GROUPS.length; i++) {
      if (taken & (1 << i) || Math.abs(sums[i]) <= 1e-6) continue;
      if (best < 0 || Math.abs(sums[i]) > Math.abs(sums[best])) best = i;
    }
    if (best < 0) break;
    taken |= 1 << best;
    reasons.push(`${sentence(GROUPS[best], features)} — ${sums[best] > 0 ? 'raises' : 'lowers'} risk`);
  }
  return reasons;
}
