import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketRanges } from '../../core/analytics/buckets.js';
import { campaignPerformance } from '../../core/journeyEngine/performance.js';

describe('campaign performance', () => {
  const buckets = bucketRanges(Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-11-03T00:00:00Z'), 'DAY', 'UTC');
  const items = [
    { kind: 'MESSAGE', status: 'SENT', createdAt: '2026-11-01T10:00:00Z' },
    { kind: 'MESSAGE', status: 'SENT', createdAt: '2026-11-02T10:00:00Z' },
    { kind: 'MESSAGE', status: 'SUPPRESSED', createdAt: '2026-11-02T11:00:00Z' },
    { kind: 'MESSAGE', status: 'QUEUED', createdAt: '2026-11-02T12:00:00Z' },
    { kind: 'GOAL', status: 'SENT', revenue: 30, createdAt: '2026-11-02T13:00:00Z' },
    { kind: 'GOAL', status: 'SENT', revenue: 5, createdAt: '2026-10-31T23:59:59Z' }, // before the range
  ] as const;

  it('counts sends, suppressions, conversions and revenue per event-time bucket and over the range', () => {
    const p = campaignPerformance(items as never, buckets);
    assert.deepEqual(p.points.map((x) => [new Date(x.start).toISOString().slice(0, 10), x.sends, x.suppressions, x.conversions, x.revenue]), [
      ['2026-11-01', 1, 0, 0, 0],
      ['2026-11-02', 1, 1, 1, 30],
    ]);
    assert.deepEqual([p.totals.sends, p.totals.suppressions, p.totals.conversions, p.totals.revenue, p.totals.cost, p.totals.roi], [2, 1, 1, 30, null, null]);
  });

  it('prices sends and gives ROI, none for a bucket that cost nothing', () => {
    const p = campaignPerformance(items as never, buckets, 2.5);
    assert.deepEqual([p.totals.cost, p.totals.roi], [5, 5]);
    assert.deepEqual(p.points.map((x) => [x.cost, x.roi]), [[2.5, -1], [2.5, 11]]);
    assert.deepEqual([campaignPerformance(items as never, buckets, 0).totals.roi], [null]);
  });
});
