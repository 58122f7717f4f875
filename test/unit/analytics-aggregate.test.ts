/** The aggregator's fold: exact money, coalesced deltas, prototype-safe keys, in-batch duplicates. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredEvent } from '../../core/events/schema.js';
import { aggregateEvents, toMinorUnits, type CounterDelta } from '../../core/analytics/aggregate.js';

const T = Date.parse('2011-12-09T10:15:00Z');
let n = 0;
function order(user: string, revenue: number, at = T, context: StoredEvent['context'] = { channel: 'web', country: 'United Kingdom' }, currency = 'GBP'): StoredEvent {
  return { type: 'track', event: 'order_completed', eventId: `o${++n}`, userId: user, timestamp: new Date(at).toISOString(), properties: { orderId: `${n}`, revenue, currency }, context };
}

function find(counters: CounterDelta[], metric: string, granularity: string, dimension: string, value: string | null): CounterDelta | undefined {
  return counters.find((c) => c.metric === metric && c.granularity === granularity && c.dimension === dimension && c.value === value);
}

describe('aggregateEvents', () => {
  it('sums money exactly in minor units (0.1 + 0.2 is 30 pence, not 30.000000000000004)', () => {
    const events = [order('a', 0.1), order('b', 0.2), ...Array.from({ length: 1000 }, (_, i) => order(`u${i}`, 19.99))];
    const { counters } = aggregateEvents(events);
    assert.equal(find(counters, 'REVENUE', 'DAY', 'ALL', null)!.amount, 30 + 1000 * 1999);
    assert.equal(find(counters, 'REVENUE', 'DAY', 'ALL', null)!.currency, 'GBP');
    assert.equal(find(counters, 'ORDERS', 'HOUR', 'COUNTRY', 'United Kingdom')!.amount, 1002);
    assert.deepEqual(toMinorUnits(12.34, 'GBP'), { minor: 1234, rounded: false });
    assert.deepEqual(toMinorUnits(1500, 'JPY'), { minor: 1500, rounded: false });
    assert.deepEqual(toMinorUnits(1.234, 'KWD'), { minor: 1234, rounded: false });
    assert.equal(toMinorUnits(1.005, 'GBP').rounded, true);
  });

  it('coalesces: writes scale with buckets touched, not with events', () => {
    const many = Array.from({ length: 5000 }, (_, i) => order(`u${i % 50}`, 1, T + (i % 60) * 1000));
    const few = many.slice(0, 10);
    const a = aggregateEvents(many);
    const b = aggregateEvents(few);
    assert.equal(a.counters.length, b.counters.length);
    assert.equal(a.sketches.length, b.sketches.length);
    assert.equal(find(a.counters, 'EVENTS', 'HOUR', 'ALL', null)!.amount, 5000);
    const buyers = a.sketches.find((s) => s.metric === 'BUYERS' && s.granularity === 'DAY' && s.dimension === 'ALL')!;
    assert.equal(buyers.ids, 50);
    assert.equal(Math.round(buyers.sketch.estimate()), 50);
  });

  it('buckets by event time in UTC hours and days, refunds apart from orders', () => {
    const refund: StoredEvent = { type: 'track', event: 'order_refunded', eventId: 'r1', userId: 'a', timestamp: '2011-12-09T23:59:59.999Z', properties: { orderId: 'C1', revenue: 5.5, currency: 'GBP' } };
    const next: StoredEvent = { ...order('a', 2), timestamp: '2011-12-10T00:00:00.000Z' };
    const { counters } = aggregateEvents([order('a', 1), refund, next]);
    assert.equal(find(counters, 'REFUND_AMOUNT', 'DAY', 'ALL', null)!.amount, 550);
    assert.equal(find(counters, 'REFUND_AMOUNT', 'DAY', 'ALL', null)!.bucket, Date.parse('2011-12-09T00:00Z'));
    assert.equal(find(counters, 'REFUNDS', 'HOUR', 'ALL', null)!.bucket, Date.parse('2011-12-09T23:00Z'));
    const days = counters.filter((c) => c.metric === 'REVENUE' && c.granularity === 'DAY' && c.dimension === 'ALL');
    assert.deepEqual(days.map((d) => [new Date(d.bucket).toISOString().slice(0, 10), d.amount]).sort(), [['2011-12-09', 100], ['2011-12-10', 200]]);
  });

  it('client strings such as __proto__ and constructor are ordinary dimension values', () => {
    const hostile = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '["x",1]', '\u0000'];
    const events = hostile.flatMap((v, i) => [order(`h${i}`, 1, T, { channel: v, country: v }), order(`k${i}`, 2, T, { channel: v, country: v })]);
    const { counters, sketches } = aggregateEvents(events);
    for (const v of hostile) {
      assert.equal(find(counters, 'ORDERS', 'DAY', 'CHANNEL', v)!.amount, 2, v);
      assert.equal(find(counters, 'REVENUE', 'DAY', 'COUNTRY', v)!.amount, 300, v);
      assert.equal(sketches.find((s) => s.metric === 'ACTIVE_USERS' && s.granularity === 'DAY' && s.dimension === 'CHANNEL' && s.value === v)!.ids, 2);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    // a hostile property name inside properties does not confuse the money reader
    const weird: StoredEvent = { ...order('w', 3), properties: JSON.parse('{"__proto__": {"revenue": 999}, "orderId": "x", "revenue": 3, "currency": "GBP"}') };
    assert.equal(find(aggregateEvents([weird]).counters, 'REVENUE', 'DAY', 'ALL', null)!.amount, 300);
  });

  it('drops in-batch duplicates (redelivery) and reports them; missing dimensions are null', () => {
    const e = order('a', 1, T, {});
    const r = aggregateEvents([e, e, { ...e }]);
    assert.equal(r.duplicates, 2);
    assert.equal(r.events, 1);
    assert.equal(find(r.counters, 'ORDERS', 'DAY', 'CHANNEL', null)!.amount, 1);
  });

  it('EVENT dimension, anonymous and canonical actors, new-user hints', () => {
    const identify: StoredEvent = { type: 'identify', eventId: 'i1', userId: 'a', timestamp: new Date(T - 1000).toISOString() };
    const anon: StoredEvent = { type: 'track', event: 'product_viewed', eventId: 'v1', anonymousId: 'g1', timestamp: new Date(T).toISOString() };
    const merged: StoredEvent = { type: 'track', event: 'product_viewed', eventId: 'v2', anonymousId: 'g2', timestamp: new Date(T).toISOString() };
    const r = aggregateEvents([identify, anon, merged, order('a', 1)], { canonicalUserId: (e) => (e.anonymousId === 'g2' ? 'a' : undefined) });
    assert.equal(find(r.counters, 'EVENTS', 'DAY', 'EVENT', '$identify')!.amount, 1);
    assert.equal(find(r.counters, 'EVENTS', 'DAY', 'EVENT', 'product_viewed')!.amount, 2);
    assert.equal(r.sketches.find((s) => s.metric === 'ACTIVE_USERS' && s.granularity === 'DAY' && s.dimension === 'ALL')!.ids, 2); // a, anon:g1
    assert.deepEqual(r.newUsers.map((u) => [u.userId, u.eventId]).sort(), [['a', 'i1'], ['anon:g1', 'v1']]);
  });
});
