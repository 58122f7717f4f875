import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildProfiles, emptyChurnProfile, foldOrder } from '../../tools/churn-training/activity.js';
import { bgnbdPAlive, bgnbdPNoPurchase, lnGamma } from '../../core/churn/bgnbd.js';
import { dayNumber } from '../../core/churn/days.js';
import { extractFeatures, F, FEATURE_COUNT } from '../../core/churn/features.js';
import { loadModelFile, score } from '../../core/churn/model.js';
import { cutoffAsOf } from '../../tools/churn-training/protocol.js';
import type { Order } from '../../tools/data/transactions.js';
import { foldEvent } from '../../core/profile/fold.js';
import { emptyProfile } from '../../core/profile/types.js';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
const order = (iso: string, amount: number, refund = false): Order => ({ userId: 'u', orderId: iso, at: at(iso), amount, refund });
const bgnbd = { r: 0.6, alpha: 40, a: 0.2, b: 3 };
const ctx = { horizonDays: 90, bgnbd };

function handProfile() {
  const p = emptyChurnProfile();
  for (const o of [
    order('2011-06-01T10:00:00Z', 100),
    order('2011-07-01T10:00:00Z', 50),
    order('2011-08-10T10:00:00Z', 30),
    order('2011-08-10T15:00:00Z', 20),
    order('2011-08-20T10:00:00Z', 10, true),
  ]) foldOrder(p, o);
  return p;
}

test('foldOrder mirrors the tagger fold: buckets, totals, latest time per event name', () => {
  const p = handProfile();
  assert.deepEqual(p.days['2011-08-10'], { order_completed: 2, $revenue: 50 });
  assert.deepEqual(p.days['2011-08-20'], { order_refunded: 1, $refunded: 10 });
  assert.deepEqual(p.orders, { count: 4, revenue: 200, refunds: 1, refunded: 10, firstAt: '2011-06-01T10:00:00.000Z', lastAt: '2011-08-10T15:00:00.000Z' });
  assert.deepEqual(p.lastAt, { order_completed: '2011-08-10T15:00:00.000Z', order_refunded: '2011-08-20T10:00:00.000Z' });
  assert.deepEqual(Object.keys(p).sort(), ['days', 'lastAt', 'orders']); // nothing a non-purchase event could move
});

test('foldOrder prunes day buckets more than 400 days older than the newest', () => {
  const p = emptyChurnProfile();
  foldOrder(p, order('2010-01-01T00:00:00Z', 1));
  foldOrder(p, order('2010-01-02T00:00:00Z', 1));
  foldOrder(p, order('2011-02-06T00:00:00Z', 1)); // 401 days after 2010-01-01, 400 after 2010-01-02
  assert.deepEqual(Object.keys(p.days).sort(), ['2010-01-02', '2011-02-06']);
  assert.equal(p.orders.count, 3); // lifetime totals are kept
});

test('features of a hand-made profile match hand-computed values', () => {
  const asOf = cutoffAsOf('2011-09-09');
  const x = extractFeatures(handProfile(), asOf, ctx);
  assert.ok(x);
  const recency = (asOf - at('2011-08-10T15:00:00Z')) / DAY;
  const tenure = (asOf - at('2011-06-01T10:00:00Z')) / DAY;
  const tx = (at('2011-08-10T15:00:00Z') - at('2011-06-01T10:00:00Z')) / DAY;
  const expected: Record<string, number> = {
    recency_days: recency,
    tenure_days: tenure,
    log_orders: Math.log1p(4),
    log_revenue: Math.log1p(200),
    log_avg_order_value: Math.log1p(50),
    order_days_30: 0, // 2011-08-10 is exactly 30 days old: outside the last 30 days
    order_days_90: 2,
    order_days_180: 3,
    order_days_365: 3,
    log_revenue_90: Math.log1p(100),
    log_revenue_365: Math.log1p(200),
    trend_90: Math.log(3 / 2),
    gap_mean_days: 35, // gaps 30 and 40 days
    gap_std_days: Math.sqrt(50),
    overdue_ratio: recency / 35,
    refund_rate: 0.25,
    refunded_share: 10 / 210,
    days_since_last_order_or_refund: (asOf - at('2011-08-20T10:00:00Z')) / DAY, // the refund, after the last order
    orders_per_order_day: 4 / 3,
    order_days_per_30d: 90 / tenure,
    bgnbd_p_alive: bgnbdPAlive(bgnbd, 2, tx, tenure),
    bgnbd_p_no_purchase: bgnbdPNoPurchase(bgnbd, 2, tx, tenure, 90),
    last_gap_days: 40,
    days_since_prev_order: 70,
    recency_z: (recency - 35) / Math.sqrt(50),
    active_months_ratio: 3 / 4,
    log_revenue_per_30d: Math.log1p(6000 / tenure),
  };
  assert.equal(Object.keys(expected).length, FEATURE_COUNT);
  for (const [name, value] of Object.entries(expected)) {
    const got = x[F[name as keyof typeof F]];
    assert.ok(Math.abs(got - value) < 1e-9, `${name}: got ${got}, expected ${value}`);
  }
  assert.ok(Math.abs(recency - 30.375) < 1e-6);
});

test('features ignore day buckets after asOf and profiles without orders', () => {
  const asOf = cutoffAsOf('2011-09-09');
  const p = handProfile();
  const before = extractFeatures(p, asOf, ctx, new Float64Array(FEATURE_COUNT));
  p.days['2011-09-20'] = { order_completed: 3, $revenue: 999 };
  assert.deepEqual(extractFeatures(p, asOf, ctx, new Float64Array(FEATURE_COUNT)), before);
  assert.equal(extractFeatures(emptyChurnProfile(), asOf, ctx), null);
});

test('a one-time buyer gets the tenure as gap and an overdue ratio of 1', () => {
  const p = emptyChurnProfile();
  foldOrder(p, order('2011-08-01T00:00:00Z', 10));
  const x = extractFeatures(p, '2011-08-31T00:00:00Z', ctx);
  assert.ok(x);
  assert.equal(x[F.gap_mean_days], 30);
  assert.equal(x[F.overdue_ratio], 1);
  assert.equal(x[F.bgnbd_p_alive], 1);
});

test('day numbers and BG/NBD helpers', () => {
  assert.equal(dayNumber('1970-01-02'), 1);
  assert.equal(dayNumber('2011-09-09'), Date.UTC(2011, 8, 9) / DAY);
  assert.ok(Number.isNaN(dayNumber('2011-9-9')));
  assert.ok(Math.abs(Math.exp(lnGamma(5)) - 24) < 1e-9);
  assert.ok(Math.abs(lnGamma(0.5) - Math.log(Math.sqrt(Math.PI))) < 1e-12);
  // More days without a purchase since the last one → less likely alive.
  assert.ok(bgnbdPAlive(bgnbd, 3, 50, 60) > bgnbdPAlive(bgnbd, 3, 50, 200));
});

test('foldOrder gives the same churn fields as the tagger fold of the equivalent events', () => {
  const orders = [
    order('2010-01-01T09:00:00Z', 12.345),
    order('2011-06-01T10:00:00Z', 100.1),
    order('2011-08-10T10:00:00Z', 30.2),
    order('2011-08-10T15:00:00Z', 20.3),
    order('2011-08-20T10:00:00Z', 10.05, true),
    order('2011-02-06T12:00:00Z', 7), // out of order
  ];
  const mine = emptyChurnProfile();
  const real = emptyProfile('u');
  orders.forEach((o, i) => {
    foldOrder(mine, o);
    const event = {
      type: 'track', event: o.refund ? 'order_refunded' : 'order_completed', eventId: `e${i}`, userId: 'u',
      timestamp: new Date(o.at).toISOString(), properties: { orderId: o.orderId, revenue: o.amount },
    };
    foldEvent(real, event as Parameters<typeof foldEvent>[1]);
  });
  // structuredClone: values only (the tagger's maps have null prototypes, the churn fold's plain ones).
  const pick = (p: typeof mine) => structuredClone({ days: p.days, orders: p.orders, lastAt: p.lastAt });
  assert.deepEqual(pick(mine), pick(real));
});

type LiveEvent = Parameters<typeof foldEvent>[1];

/** An order or refund as the live stack receives it (what the replay sends). */
const orderEvent = (o: Order, id: string): LiveEvent => ({
  type: 'track', event: o.refund ? 'order_refunded' : 'order_completed', eventId: id, userId: o.userId,
  timestamp: new Date(o.at).toISOString(), properties: { orderId: o.orderId, revenue: o.amount },
});

test('no train/serve skew: the training fold and the live fold with logins, views and identify interleaved give identical features and scores', async () => {
  const model = await loadModelFile(fileURLToPath(new URL('../../models/churn-model.json', import.meta.url)));
  const orders = [
    order('2010-03-01T09:00:00Z', 40),
    order('2011-03-15T10:00:00Z', 25.5),
    order('2011-06-01T10:00:00Z', 100),
    order('2011-07-01T10:00:00Z', 50),
    order('2011-07-05T10:00:00Z', 50, true),
    order('2011-08-10T15:00:00Z', 20),
    order('2011-08-20T10:00:00Z', 10, true), // a refund after the last order
  ];
  const iso = (t: string) => new Date(t).toISOString();
  const others: LiveEvent[] = [
    { type: 'identify', eventId: 'x0', userId: 'u', timestamp: iso('2009-12-01T08:00:00Z'), traits: { country: 'UK' } }, // before any order
    { type: 'track', event: 'product_viewed', eventId: 'x1', userId: 'u', timestamp: iso('2010-02-27T12:00:00Z'), properties: { category: 'gifts' } },
    { type: 'track', event: 'login', eventId: 'x2', userId: 'u', timestamp: iso('2011-06-20T08:00:00Z') },
    { type: 'track', event: 'product_viewed', eventId: 'x3', userId: 'u', timestamp: iso('2011-08-10T14:00:00Z'), properties: { category: 'gifts' } },
    { type: 'track', event: 'message_received', eventId: 'x4', userId: 'u', timestamp: iso('2011-08-25T09:00:00Z'), properties: { text: 'still waiting, awful' } },
    { type: 'track', event: 'login', eventId: 'x5', userId: 'u', timestamp: iso('2011-09-01T07:00:00Z') },
    { type: 'track', event: 'product_viewed', eventId: 'x6', userId: 'u', timestamp: iso('2011-09-09T18:00:00Z'), properties: { category: 'toys' } },
    { type: 'identify', eventId: 'x7', userId: 'u', timestamp: iso('2011-10-02T11:00:00Z'), traits: { plan: 'pro' } },
    // Two years of silence, then a login: the live fold prunes old buckets relative to the login's day.
    { type: 'track', event: 'login', eventId: 'x8', userId: 'u', timestamp: iso('2013-09-01T10:00:00Z') },
  ];
  const live = [...orders.map((o, i) => orderEvent(o, `o${i}`)), ...others].sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
  // Score at every event's time (the scorer scores at the changing event's time), at cutoffs and long after.
  const asOfs = [...live.map((e) => Date.parse(e.timestamp)), cutoffAsOf('2011-09-09'), cutoffAsOf('2011-12-31'), cutoffAsOf('2015-01-01')];

  let compared = 0;
  let seenMoved = 0;
  for (const asOf of asOfs) {
    const trained = buildProfiles(orders, asOf).get('u');
    const real = emptyProfile('u');
    for (const e of live) if (Date.parse(e.timestamp) <= asOf) foldEvent(real, e);
    if (!trained || trained.orders.count === 0) {
      assert.equal(score(model, real, asOf), null);
      continue;
    }
    const when = new Date(asOf).toISOString();
    assert.deepEqual(extractFeatures(real, asOf, model.ctx), extractFeatures(trained, asOf, model.ctx), `features at ${when}`);
    assert.deepEqual(score(model, real, asOf), score(model, trained, asOf), `score at ${when}`);
    compared++;
    // The live profile really was "seen" outside its purchases: the old lastSeenAt / firstSeenAt reading would differ.
    const lastPurchaseOrRefund = [trained.orders.lastAt!, trained.lastAt.order_refunded ?? ''].sort().at(-1)!;
    if (real.lastSeenAt! > lastPurchaseOrRefund && real.firstSeenAt! < trained.orders.firstAt!) seenMoved++;
  }
  assert.ok(compared >= 12, `compared ${compared}`);
  assert.ok(seenMoved >= 8, `seenMoved ${seenMoved}`);
});
