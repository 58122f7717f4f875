/**
 * Turns per-feature contributions (log-odds) into short sentences. Correlated features are grouped (for example
 * recency, overdue ratio and the gap statistics all say "how long since the last purchase, against the usual
 * rhythm"), so the three reasons are three different things, not one thing said three ways. Each sentence states
 * the features' actual values and the direction the group moves the score, and never a value that reads against
 * that direction.
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

/** How a value reads on its own: as a sign of risk (1), as reassuring (-1), or neither (0). */
type Reading = 1 | -1 | 0;

/** A reason group in words, with how its values read on their own. */
interface Sentence {
  text: string;
  reads: Reading;
}

const pct = (p: number) => `${(100 * p).toFixed(0)}%`;

/**
 * The words for one group, chosen from the actual values and the direction the group moves the score, so each
 * sentence states what the features say and nothing the direction would contradict. `raises` is the sign of the
 * group's summed contribution.
 */
function sentence(group: Group, x: ArrayLike<number>, raises: boolean, horizonDays: number): Sentence {
  switch (group) {
    case 'recency': {
      const days = round(x[F.recency_days]);
      const gap = round(x[F.gap_mean_days]);
      if (!(x[F.order_days_365] >= 2 || x[F.log_orders] > Math.log(2) + 1e-9)) {
        return { text: `No purchase for ${plural(days, 'day')} since the first and only order`, reads: 0 };
      }
      return days > gap
        ? { text: `No purchase for ${plural(days, 'day')}, longer than the typical gap of ${plural(gap, 'day')}`, reads: 1 }
        : { text: `Last purchase ${plural(days, 'day')} ago, within the typical gap of ${plural(gap, 'day')}`, reads: -1 };
    }
    case 'frequency': {
      const orders = round(Math.expm1(x[F.log_orders]));
      const recent = round(x[F.order_days_90]);
      return {
        text: `${plural(orders, 'order')} in total, ${plural(recent, 'purchase day')} in the last 90 days`,
        reads: orders <= 1 ? 1 : recent >= 1 ? -1 : 0,
      };
    }
    case 'monetary':
      return { text: `Spent ${money(x[F.log_revenue])} in total (${money(x[F.log_avg_order_value])} per order)`, reads: 0 };
    case 'trend': {
      const now = round(x[F.order_days_90]);
      const before = Math.max(0, round((now + 1) / Math.exp(x[F.trend_90]) - 1));
      return {
        text: `${plural(now, 'purchase day')} in the last 90 days against ${before} in the 90 before`,
        reads: now < before ? 1 : now > before ? -1 : 0,
      };
    }
    case 'refunds':
      return x[F.refund_rate] > 0 || x[F.refunded_share] > 0
        ? { text: `Refunds on ${pct(x[F.refund_rate])} of orders (${pct(x[F.refunded_share])} of spend)`, reads: 0 }
        : { text: 'No refunds on any order', reads: 0 };
    case 'tenure':
      return { text: `Customer for ${plural(round(x[F.tenure_days]), 'day')}`, reads: 0 };
    case 'pattern': {
      // BG/NBD puts a one-time buyer's P(alive) at 1 (no repeat yet, so no chance to drop out), which is why a high
      // P(alive) can come with a raised risk. The probability of no purchase is the figure that reads with the
      // direction; P(alive) is named only when it agrees (high and lowering the risk, or low and raising it).
      const alive = x[F.bgnbd_p_alive];
      const quiet = x[F.bgnbd_p_no_purchase];
      const window = `no purchase in the next ${plural(horizonDays, 'day')}`;
      const named = raises ? alive < 0.5 : alive >= 0.5;
      return {
        text: named
          ? `Probability still active from purchase pattern is ${pct(alive)} (${window}: ${pct(quiet)})`
          : `Chance of ${window} from purchase pattern is ${pct(quiet)}`,
        reads: quiet >= 0.5 ? 1 : -1,
      };
    }
  }
}

/**
 * The `limit` strongest reason groups by absolute summed contribution, as sentences ending with whether they
 * raise or lower the churn risk. A group whose values read the other way on their own (say, purchases rising
 * while the group raises the risk: the trees learned it from an interaction the sentence cannot state) is left out
 * and the next group taken, so every reason is true as it reads. `horizonDays` is the model's horizon.
 *
 * @example
 * ```ts
 * explain(features, contributions);
 * // ['No purchase for 74 days, longer than the typical gap of 21 days — raises risk', …]
 * ```
 */
export function explain(features: ArrayLike<number>, contributions: ArrayLike<number>, limit = 3, horizonDays = 90): string[] {
  sums.fill(0);
  for (let f = 0; f < GROUP_INDEX.length; f++) sums[GROUP_INDEX[f]] += contributions[f];
  const reasons: string[] = [];
  let taken = 0; // bit mask of groups already used or left out
  // Selection of the top `limit` of seven groups: cheaper than sorting, and allocation-free until the sentences.
  while (reasons.length < limit) {
    let best = -1;
    for (let i = 0; i < GROUPS.length; i++) {
      if (taken & (1 << i) || Math.abs(sums[i]) <= 1e-6) continue;
      if (best < 0 || Math.abs(sums[i]) > Math.abs(sums[best])) best = i;
    }
    if (best < 0) break;
    taken |= 1 << best;
    const raises = sums[best] > 0;
    const { text, reads } = sentence(GROUPS[best], features, raises, horizonDays);
    if (reads !== 0 && reads > 0 !== raises) continue;
    reasons.push(`${text} — ${raises ? 'raises' : 'lowers'} risk`);
  }
  return reasons;
}
