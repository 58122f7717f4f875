/**
 * The churn evaluation protocol (shared/data/README.md): a cutoff date T, a horizon h, customers scored when they
 * bought on or before T, churned = no purchase in (T, T + h days]; training only on earlier cutoffs whose label
 * window ends on or before T.
 *
 * A cutoff date `YYYY-MM-DD` means the END of that UTC day: everything stamped on the cutoff date is known.
 */
import type { Order } from '../data/transactions.js';
import { buildProfiles, emptyChurnProfile, foldOrder } from './activity.js';
import { dayKey, dayOf } from '../../core/churn/days.js';
import { DAY_MS, type ChurnProfile } from '../../core/churn/types.js';

/**
 * The `asOf` instant of a cutoff date: the last millisecond of that UTC day.
 *
 * @example
 * ```ts
 * new Date(cutoffAsOf('2011-09-09')).toISOString(); // '2011-09-09T23:59:59.999Z'
 * ```
 */
export function cutoffAsOf(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`bad cutoff "${date}": expected YYYY-MM-DD`);
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(ms)) throw new Error(`bad cutoff "${date}"`);
  return ms + DAY_MS - 1;
}

/** The cutoff date (`YYYY-MM-DD`) of an `asOf` instant. */
export function cutoffDate(asOf: number): string {
  return dayKey(asOf);
}

/**
 * Default evaluation cutoff of a file: the last full label window before the last transaction day, i.e.
 * lastDay − horizon − 1 (for UCI Online Retail, 2011-12-09 → 2011-09-09).
 *
 * @example
 * ```ts
 * defaultCutoff(Date.parse('2011-12-09T12:50:00Z'), 90); // '2011-09-09'
 * ```
 */
export function defaultCutoff(lastAt: number, horizonDays: number): string {
  return dayKey((dayOf(lastAt) - horizonDays - 1) * DAY_MS);
}

/** Which label windows of a cutoff T must lie inside the data: T's own (evaluation) or its training cutoffs'. */
export type LabelWindowScope = 'evaluation' | 'training';

/**
 * Throws unless the label windows the protocol reads at evaluation cutoff `asOf` end on or before the last
 * transaction `lastAt`: for `evaluation`, (T, T + horizon]; for `training`, the latest training cutoff's window
 * (T − horizon, T], i.e. T itself. A window that runs past the data would label customers churned only because
 * the data ends. The message names the cutoff, the horizon, the last transaction and the latest cutoff allowed.
 *
 * @example
 * ```ts
 * assertLabelWindowInData(cutoffAsOf('2011-09-10'), 90, Date.parse('2011-12-09T12:50:00Z'), 'evaluation');
 * // throws: cutoff 2011-09-10 with a 90-day horizon: the label window ends 2011-12-09T23:59:59.999Z, after the last
 * // transaction (2011-12-09T12:50:00.000Z) … use a cutoff on or before 2011-09-09
 * ```
 */
export function assertLabelWindowInData(asOf: number, horizonDays: number, lastAt: number, scope: LabelWindowScope): void {
  const reach = scope === 'evaluation' ? horizonDays : 0;
  const end = asOf + reach * DAY_MS;
  if (end <= lastAt) return;
  // The latest day D whose end-of-day cutoff keeps the window inside the data: (D + 1)·day − 1 + reach·day ≤ lastAt.
  const latest = dayKey((Math.floor((lastAt + 1) / DAY_MS) - reach - 1) * DAY_MS);
  const iso = (ms: number) => new Date(ms).toISOString();
  const window = scope === 'evaluation' ? 'the label window' : 'the latest training label window';
  throw new Error(
    `cutoff ${cutoffDate(asOf)} with a ${horizonDays}-day horizon: ${window} ends ${iso(end)}, after the last transaction ` +
      `(${iso(lastAt)}), so customers would be labelled churned only because the data ends; use a cutoff on or before ${latest}`,
  );
}

export interface TrainingCutoffOptions {
  horizonDays: number;
  /** Days between consecutive training cutoffs. */
  stepDays: number;
  /** A training cutoff needs at least this many days of data before it. */
  minHistoryDays: number;
  maxCutoffs: number;
}

/**
 * Training cutoffs for evaluation cutoff `asOf`: T − h, T − h − step, … (newest first), each with its label window
 * ending on or before T and at least `minHistoryDays` of data since `firstAt`.
 *
 * @example
 * ```ts
 * trainingCutoffs(cutoffAsOf('2011-09-09'), Date.parse('2010-12-01'), { horizonDays: 90, stepDays: 30, minHistoryDays: 60, maxCutoffs: 12 })
 *   .map(cutoffDate); // ['2011-06-11', '2011-05-12', '2011-04-12', '2011-03-13', '2011-02-11']
 * ```
 */
export function trainingCutoffs(asOf: number, firstAt: number, opts: TrainingCutoffOptions): number[] {
  const out: number[] = [];
  for (let k = 0; out.length < opts.maxCutoffs; k++) {
    const c = asOf - (opts.horizonDays + k * opts.stepDays) * DAY_MS;
    if ((c - firstAt) / DAY_MS < opts.minHistoryDays) break;
    out.push(c);
  }
  return out;
}

/**
 * Purchase times per user, ascending (refunds are not purchases), for labelling.
 */
export function purchaseTimes(orders: readonly Order[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const o of orders) {
    if (o.refund) continue;
    let a = m.get(o.userId);
    if (!a) m.set(o.userId, (a = []));
    a.push(o.at);
  }
  for (const a of m.values()) a.sort((x, y) => x - y);
  return m;
}

/**
 * 1 when the user made no purchase in (asOf, asOf + horizon days], else 0.
 *
 * @example
 * ```ts
 * churnLabel([Date.parse('2011-10-01')], cutoffAsOf('2011-09-09'), 90); // 0
 * ```
 */
export function churnLabel(times: readonly number[] | undefined, asOf: number, horizonDays: number): 0 | 1 {
  if (!times) return 1;
  const end = asOf + horizonDays * DAY_MS;
  // Binary search for the first purchase after asOf.
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo < times.length && times[lo] <= end ? 0 : 1;
}

/**
 * Folds time-sorted orders once and calls `visit` at each cutoff (ascending) with every profile that has at least
 * one purchase at that instant. Profiles are live objects: read them inside `visit`, do not keep them.
 *
 * @example
 * ```ts
 * forEachCutoff(orders, cutoffs, (asOf, profiles) => { for (const [user, p] of profiles) … });
 * ```
 */
export function forEachCutoff(
  orders: readonly Order[],
  cutoffs: readonly number[],
  visit: (asOf: number, profiles: ReadonlyMap<string, ChurnProfile>) => void,
): void {
  const sorted = [...cutoffs].sort((a, b) => a - b);
  const profiles = new Map<string, ChurnProfile>();
  const buyers = new Map<string, ChurnProfile>();
  let i = 0;
  for (const asOf of sorted) {
    for (; i < orders.length && orders[i].at <= asOf; i++) {
      const o = orders[i];
      let p = profiles.get(o.userId);
      if (!p) profiles.set(o.userId, (p = emptyChurnProfile()));
      foldOrder(p, o);
      if (p.orders.count > 0 && !buyers.has(o.userId)) buyers.set(o.userId, p);
    }
    visit(asOf, buyers);
  }
}

export { buildProfiles };
