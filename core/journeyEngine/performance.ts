import type { BucketRange } from '../analytics/buckets.js';
import type { PerformanceItem } from './store/outbox.js';

/** One bucket of a campaign's performance (or the whole range). */
export interface PerformancePoint {
  start: number;
  sends: number;
  suppressions: number;
  /** Goal conversions: enrollments whose goal event came within the goal window (outbox GOAL items). */
  conversions: number;
  /** Revenue of those goal events. */
  revenue: number;
  /** sends × cost per send; null without a cost per send. */
  cost: number | null;
  /** (revenue − cost) / cost; null without a cost, or with a cost of 0. */
  roi: number | null;
}

function emptyPoint(start: number): PerformancePoint {
  return { start, sends: 0, suppressions: 0, conversions: 0, revenue: 0, cost: null, roi: null };
}

function priced(p: PerformancePoint, costPerSend: number | undefined): PerformancePoint {
  if (costPerSend === undefined) return p;
  const cost = p.sends * costPerSend;
  return { ...p, cost, roi: cost > 0 ? (p.revenue - cost) / cost : null };
}

/** The bucket holding `ms`, by binary search over contiguous ranges; -1 outside them. */
function bucketOf(buckets: readonly BucketRange[], ms: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = buckets[mid]!;
    if (ms < b.start) hi = mid - 1;
    else if (ms >= b.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * A campaign's sends, suppressions, goal conversions and goal revenue per bucket, in event time (a send at its
 * step's time, a conversion at its goal event's), and over the whole range; cost and ROI when a cost per send is
 * given. Pure: the resolver reads the items (`performanceItems`) and the buckets (`bucketRanges`).
 *
 * @example
 * campaignPerformance(items, bucketRanges(from, to, 'DAY', 'UTC'), 0.01).totals.roi // (revenue − cost) / cost
 */
export function campaignPerformance(
  items: readonly PerformanceItem[],
  buckets: readonly BucketRange[],
  costPerSend?: number,
): { totals: PerformancePoint; points: PerformancePoint[] } {
  const points = buckets.map((b) => emptyPoint(b.start));
  const totals = emptyPoint(buckets[0]?.start ?? 0);
  for (const item of items) {
    const i = bucketOf(buckets, Date.parse(item.createdAt));
    if (i < 0) continue;
    for (const p of [points[i]!, totals]) {
      if (item.kind === 'GOAL') {
        p.conversions++;
        p.revenue += typeof item.revenue === 'number' ? item.revenue : 0;
      } else if (item.status === 'SENT') p.sends++;
      else if (item.status === 'SUPPRESSED') p.suppressions++;
    }
  }
  return { totals: priced(totals, costPerSend), points: points.map((p) => priced(p, costPerSend)) };
}
