import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../core/events/schema.js';
import { foldEvent } from '../../core/profile/fold.js';
import { computeStats, windowSum } from '../../core/profile/stats.js';
import { emptyProfile } from '../../core/profile/types.js';

const order = (day: string, revenue: number, extra: Record<string, unknown> = {}): StoredEvent => ({
  type: 'track',
  event: 'order_completed',
  eventId: `o-${day}-${revenue}`,
  userId: 'u',
  timestamp: `${day}T12:00:00.000Z`,
  properties: { orderId: `o-${day}`, revenue, ...extra },
});

describe('profile stats at asOf', () => {
  const profile = emptyProfile('u');
  for (const e of [order('2026-01-01', 10), order('2026-01-11', 20, { coupon: 'X' }), order('2026-01-31', 30)]) foldEvent(profile, e);

  it('matches hand-computed RFM, average order value and inter-purchase time', () => {
    const s = computeStats(profile, '2026-02-10T00:00:00.000Z');
    assert.equal(s.orders, 3);
    assert.equal(s.revenue, 60);
    assert.equal(s.averageOrderValue, 20);
    assert.equal(s.interPurchaseDays, 15); // gaps of 10 and 20 days
    assert.equal(s.recencyDays, 9); // 2026-01-31T12:00 → 2026-02-10T00:00
    assert.equal(s.tenureDays, 39);
    assert.equal(s.frequency, 3);
    assert.equal(s.monetary, 60);
    assert.equal(s.discountedOrderShare, 1 / 3);
  });

  it('slides rolling windows with asOf and no new events', () => {
    assert.equal(windowSum(profile, 'order_completed', '2026-01-31T23:00:00Z', 7), 1);
    assert.equal(windowSum(profile, 'order_completed', '2026-01-31T23:00:00Z', 30), 2); // Jan 2 … Jan 31
    assert.equal(windowSum(profile, 'order_completed', '2026-02-20T00:00:00Z', 7), 0);
    assert.equal(windowSum(profile, 'order_completed', '2026-04-30T00:00:00Z', 90), 1);
    assert.equal(windowSum(profile, '$revenue', '2026-04-30T00:00:00Z', 90), 30);
    assert.equal(windowSum(profile, 'order_completed', '2026-04-30T00:00:00Z'), 3); // lifetime
    assert.equal(computeStats(profile, '2026-05-01T12:00:00.000Z').recencyDays, 90);
  });

  it('ignores an event it has already applied', () => {
    const again = structuredClone(profile);
    assert.equal(foldEvent(again, order('2026-01-11', 20, { coupon: 'X' })), false);
    assert.deepEqual(again, structuredClone(profile)); // values: the clone's maps lose their null prototypes
  });
});
