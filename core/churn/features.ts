/**
 * Churn features: a pure function of a {@link ChurnProfile} at an explicit `asOf`. Training, evaluation, the
 * benchmark and the Lambda scorer all call {@link extractFeatures}, so there is one definition of every number.
 *
 * Only day buckets inside the last {@link WINDOW_DAYS} days before `asOf` are read (the profile keeps 400), plus the
 * lifetime totals in `orders`; buckets after `asOf` are ignored, so scoring a profile "as of" a past date is honest
 * about its day buckets.
 *
 * No train/serve skew: the model is trained on profiles folded from orders and refunds only, and scored on live
 * profiles that also fold logins, page views, identify… So every feature reads only what purchases and refunds alone
 * determine (the `order_completed` count and `$revenue` of day buckets, `orders`, `lastAt.order_refunded`), never
 * `firstSeenAt`/`lastSeenAt`, counters or other events' buckets. test/unit/churn-features.test.ts checks that the two
 * folds give identical features.
 */
import { REVENUE_KEY } from '../profile/types.js';
import { bgnbdPAlive, bgnbdPNoPurchase, type BgNbdParams } from './bgnbd.js';
import { dayNumber, dayOf } from './days.js';
import { DAY_MS, ORDER_EVENT, REFUND_EVENT, type ChurnProfile } from './types.js';

/** Longest look-back of any windowed feature, in days (inside the profile's 400-day retention). */
export const WINDOW_DAYS = 365;

/**
 * Feature names, in vector order. A model artifact records the names it was trained on and is refused when they
 * differ, so append new features; rename one only when its meaning changes, which retires every artifact that used
 * the old meaning. (Index 17 was `days_since_last_seen`, which read `lastSeenAt`: any event moved it live, only orders
 * and refunds in training.)
 */
export const FEATURE_NAMES = [
  'recency_days',
  'tenure_days',
  'log_orders',
  'log_revenue',
  'log_avg_order_value',
  'order_days_30',
  'order_days_90',
  'order_days_180',
  'order_days_365',
  'log_revenue_90',
  'log_revenue_365',
  'trend_90',
  'gap_mean_days',
  'gap_std_days',
  'overdue_ratio',
  'refund_rate',
  'refunded_share',
  'days_since_last_order_or_refund',
  'orders_per_order_day',
  'order_days_per_30d',
  'bgnbd_p_alive',
  'bgnbd_p_no_purchase',
  'last_gap_days',
  'days_since_prev_order',
  'recency_z',
  'active_months_ratio',
  'log_revenue_per_30d',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;
/** Index of each feature in the vector. */
export const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as { [K in FeatureName]: number };

/** Parameters some features need, stored in the model artifact. */
export interface FeatureContext {
  horizonDays: number;
  bgnbd: BgNbdParams;
}

// Scratch space reused across calls: scoring must not allocate per bucket (100k+ profiles/s).
const scratchDays = new Int32Array(512);
const scratchOrders = new Float64Array(512);
const scratchRevenue = new Float64Array(512);

/** BG/NBD summary (x repeat purchase days, tx and T in days) of a profile at `asOf`, as the features use it. */
export interface RfmSummary {
  x: number;
  tx: number;
  T: number;
}

/**
 * Computes the feature vector of a profile at `asOf` (epoch ms or ISO string). Profiles with no order yet get
 * `null`: churn is defined only for customers who bought.
 *
 * @example
 * ```ts
 * const v = extractFeatures(profile, '2011-09-09T23:59:59.999Z', { horizonDays: 90, bgnbd: model.bgnbd });
 * v?.[F.recency_days]; // e.g. 74.2
 * ```
 */
export function extractFeatures(
  profile: ChurnProfile,
  asOf: number | string,
  ctx: FeatureContext,
  out: Float64Array = new Float64Array(FEATURE_COUNT),
  rfm?: RfmSummary,
): Float64Array | null {
  const o = profile.orders;
  if (o.count <= 0 || o.firstAt === null || o.lastAt === null) return null;
  const asOfMs = typeof asOf === 'number' ? asOf : Date.parse(asOf);
  const today = dayOf(asOfMs);
  const firstMs = Date.parse(o.firstAt);
  const lastMs = Date.parse(o.lastAt);

  // Collect order days inside the window [today - 364, today].
  let n = 0;
  let ordersInWindow = 0;
  for (const key in profile.days) {
    const bucket = profile.days[key];
    const c = bucket[ORDER_EVENT];
    if (!(c > 0)) continue;
    const d = dayNumber(key);
    const age = today - d;
    if (!(age >= 0 && age < WINDOW_DAYS) || n >= scratchDays.length) continue;
    scratchDays[n] = d;
    scratchOrders[n] = c;
    scratchRevenue[n] = bucket[REVENUE_KEY] ?? 0;
    ordersInWindow += c;
    n++;
  }
  sortByDay(n);

  let d30 = 0, d90 = 0, d180 = 0, dPrev90 = 0, rev90 = 0, rev365 = 0;
  for (let i = 0; i < n; i++) {
    const age = today - scratchDays[i];
    rev365 += scratchRevenue[i];
    if (age < 30) d30++;
    if (age < 90) {
      d90++;
      rev90 += scratchRevenue[i];
    } else if (age < 180) dPrev90++;
    if (age < 180) d180++;
  }

  const recency = Math.max(0, (asOfMs - lastMs) / DAY_MS);
  const tenure = Math.max(0, (asOfMs - firstMs) / DAY_MS);
  const revenue = Math.max(0, o.revenue);

  // Inter-purchase gaps between distinct order days in the window. With fewer than two order days there is no
  // gap yet; fall back to the lifetime average, then to the tenure (a lower bound on a one-time buyer's gap).
  let gapMean: number;
  let gapStd = 0;
  if (n >= 2) {
    gapMean = (scratchDays[n - 1] - scratchDays[0]) / (n - 1);
    if (n >= 3) {
      let ss = 0;
      for (let i = 1; i < n; i++) {
        const g = scratchDays[i] - scratchDays[i - 1] - gapMean;
        ss += g * g;
      }
      gapStd = Math.sqrt(ss / (n - 2));
    }
  } else if (o.count >= 2 && lastMs > firstMs) {
    gapMean = (lastMs - firstMs) / DAY_MS / (o.count - 1);
  } else {
    gapMean = Math.max(1, tenure);
  }

  // Purchase days for BG/NBD: distinct days in the window plus any lifetime orders older than the window.
  const purchaseDays = n + Math.max(0, o.count - ordersInWindow);
  const x = Math.max(0, purchaseDays - 1);
  const tx = Math.max(0, (lastMs - firstMs) / DAY_MS);
  const T = Math.max(tx, tenure);
  if (rfm) {
    rfm.x = x;
    rfm.tx = tx;
    rfm.T = T;
  }

  out[0] = recency;
  out[1] = tenure;
  out[2] = Math.log1p(o.count);
  out[3] = Math.log1p(revenue);
  out[4] = Math.log1p(revenue / o.count);
  out[5] = d30;
  out[6] = d90;
  out[7] = d180;
  out[8] = n;
  out[9] = Math.log1p(rev90);
  out[10] = Math.log1p(Math.max(0, rev365));
  out[11] = Math.log((d90 + 1) / (dPrev90 + 1));
  out[12] = gapMean;
  out[13] = gapStd;
  out[14] = recency / Math.max(1, gapMean);
  out[15] = o.refunds / o.count;
  out[16] = o.refunded > 0 ? o.refunded / (revenue + o.refunded) : 0;
  // The latest purchase or refund. Not lastSeenAt: live, every event (a login, a page view) moves that.
  const lastRefund = profile.lastAt[REFUND_EVENT];
  const lastRefundMs = lastRefund === undefined ? -Infinity : Date.parse(lastRefund);
  out[17] = Math.max(0, (asOfMs - Math.max(lastMs, lastRefundMs)) / DAY_MS);
  out[18] = n > 0 ? ordersInWindow / n : 1;
  out[19] = (30 * purchaseDays) / Math.max(30, T);
  out[20] = bgnbdPAlive(ctx.bgnbd, x, tx, T);
  out[21] = bgnbdPNoPurchase(ctx.bgnbd, x, tx, T, ctx.horizonDays);
  const lastGap = n >= 2 ? scratchDays[n - 1] - scratchDays[n - 2] : gapMean;
  out[22] = lastGap;
  out[23] = n >= 2 ? today - scratchDays[n - 2] : Math.max(tenure, recency + lastGap);
  out[24] = (recency - gapMean) / Math.max(gapStd, Math.sqrt(gapMean), 1);
  let monthsMask = 0;
  for (let i = 0; i < n; i++) monthsMask |= 1 << Math.floor((today - scratchDays[i]) / 30.5);
  let months = 0;
  for (let m = monthsMask; m !== 0; m &= m - 1) months++;
  out[25] = months / Math.max(1, Math.min(12, Math.ceil(Math.max(T, 1) / 30.5)));
  out[26] = Math.log1p((30 * Math.max(0, rev365)) / Math.max(30, Math.min(WINDOW_DAYS, T)));
  return out;
}

/** Insertion sort of the scratch arrays by day: n is small and buckets are usually already in order. */
function sortByDay(n: number): void {
  for (let i = 1; i < n; i++) {
    const d = scratchDays[i];
    if (d >= scratchDays[i - 1]) continue;
    const c = scratchOrders[i];
    const r = scratchRevenue[i];
    let j = i - 1;
    while (j >= 0 && scratchDays[j] > d) {
      scratchDays[j + 1] = scratchDays[j];
      scratchOrders[j + 1] = scratchOrders[j];
      scratchRevenue[j + 1] = scratchRevenue[j];
      j--;
    }
    scratchDays[j + 1] = d;
    scratchOrders[j + 1] = c;
    scratchRevenue[j + 1] = r;
  }
}
