import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processAggregates } from '../../core/analyticsEngine/onEvents.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { gql, postJson, track, useTestStack, waitFor, type TestStack } from '../support/stack.js';
import { record } from '../support/streamRecords.js';

/*
 * Real-time analytics end to end: events through ingest, the aggregator function on the real stream writing
 * counters and sketches to dynalite, and `metric` read back through the gateway, against figures counted here.
 * Each test uses its own years of event time, so their figures never mix.
 */
const stack = useTestStack();

async function ingest(s: TestStack, events: unknown[]) {
  for (let i = 0; i < events.length; i += 200) {
    const r = await postJson(s.ingestUrl, { events: events.slice(i, i + 200) }, s.apiKey);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
}

const METRIC = `query($m: Metric!, $from: DateTime!, $to: DateTime!, $g: Granularity!, $tz: String, $by: MetricGroupBy) {
  metric(metric: $m, from: $from, to: $to, granularity: $g, timeZone: $tz, groupBy: $by) { group currency points { start value exact } } }`;

async function metric(s: TestStack, vars: Record<string, unknown>) {
  const r = await gql(s, METRIC, vars);
  return r.json;
}

const values = (series: any) => series.points.map((p: any) => p.value);

describe('real-time metrics on the local stack', () => {
  it('counts orders, revenue, refunds, events, new and active users by event-time bucket, zone and group', async () => {
    // Three days of 2003; money chosen to be inexact in binary floating point.
    const day = (d: number, h: number) => new Date(Date.UTC(2003, 2, d, h, 30)).toISOString();
    const events: unknown[] = [];
    const expected = { orders: [0, 0, 0], revenue: [0, 0, 0], refunds: [0, 0, 0], refundAmount: [0, 0, 0], active: [0, 1, 2].map(() => new Set<string>()) };
    for (let i = 0; i < 30; i++) {
      const d = i % 3;
      const userId = `an-${i % 12}`;
      const revenue = Math.round((10.1 + i * 0.7) * 100) / 100;
      events.push(track(userId, 'order_completed', day(10 + d, 9 + (i % 5)), { orderId: `an-o${i}`, revenue, currency: 'GBP' }, { context: { country: i % 2 ? 'GB' : 'FR', channel: 'web' } }));
      expected.orders[d]!++;
      expected.active[d]!.add(userId);
      expected.revenue[d]! += Math.round(revenue * 100);
      if (i % 7 === 0) {
        events.push(track(userId, 'order_refunded', day(10 + d, 15), { orderId: `an-o${i}`, revenue: 3.3, currency: 'GBP' }));
        expected.refunds[d]!++;
        expected.refundAmount[d]! += 330;
      }
    }
    for (let i = 0; i < 12; i++) {
      events.push({ type: 'identify', userId: `an-${i}`, timestamp: day(10, 8), traits: { name: `n${i}` } });
      expected.active[0]!.add(`an-${i}`);
    }
    await ingest(stack, events);

    const range = { from: '2003-03-10T00:00:00Z', to: '2003-03-13T00:00:00Z', g: 'DAY' };
    const orders = await waitFor(async () => {
      const r = await metric(stack, { ...range, m: 'ORDERS' });
      const s = r.data?.metric?.[0];
      return s && values(s).reduce((a: number, b: number) => a + b, 0) === 30 ? s : null;
    }, 'all 30 orders in the aggregates', 30_000);
    assert.deepEqual(values(orders), expected.orders);
    assert.deepEqual(orders.points.map((p: any) => p.start), ['2003-03-10T00:00:00.000Z', '2003-03-11T00:00:00.000Z', '2003-03-12T00:00:00.000Z']);
    assert.ok(orders.points.every((p: any) => p.exact));

    const revenue = (await metric(stack, { ...range, m: 'REVENUE' })).data.metric;
    assert.equal(revenue.length, 1);
    assert.equal(revenue[0].currency, 'GBP');
    assert.deepEqual(values(revenue[0]), expected.revenue.map((p) => p / 100), 'to the penny');
    const refunds = (await metric(stack, { ...range, m: 'REFUNDS' })).data.metric[0];
    assert.deepEqual(values(refunds), expected.refunds);
    const refundAmount = (await metric(stack, { ...range, m: 'REFUND_AMOUNT' })).data.metric[0];
    assert.deepEqual(values(refundAmount), expected.refundAmount.map((p) => p / 100));
    const aov = (await metric(stack, { ...range, m: 'AVERAGE_ORDER_VALUE' })).data.metric[0];
    aov.points.forEach((p: any, d: number) => assert.ok(Math.abs(p.value - expected.revenue[d]! / 100 / expected.orders[d]!) < 1e-9));

    // One month, in a zone: the same totals. London's March 2003 ends at 23:00 UTC (summer time from the 30th).
    const month = (await metric(stack, { m: 'REVENUE', from: '2003-03-01T00:00:00Z', to: '2003-03-31T23:00:00Z', g: 'MONTH', tz: 'Europe/London' })).data.metric[0];
    assert.equal(month.points.length, 1);
    assert.equal(month.points[0].value, expected.revenue.reduce((a, b) => a + b, 0) / 100);

    const byCountry = (await metric(stack, { ...range, m: 'ORDERS', by: 'COUNTRY' })).data.metric;
    assert.deepEqual(byCountry.map((s: any) => s.group), ['FR', 'GB']);
    assert.deepEqual(byCountry.map((s: any) => values(s).reduce((a: number, b: number) => a + b, 0)), [15, 15]);

    const byEvent = (await metric(stack, { ...range, m: 'EVENTS', by: 'EVENT' })).data.metric;
    const total = (name: string) => values(byEvent.find((s: any) => s.group === name)).reduce((a: number, b: number) => a + b, 0);
    assert.deepEqual([total('order_completed'), total('order_refunded'), total('$identify')], [30, expected.refunds.reduce((a, b) => a + b, 0), 12]);

    const active = (await metric(stack, { ...range, m: 'ACTIVE_USERS' })).data.metric[0];
    assert.deepEqual(values(active), expected.active.map((a) => a.size), 'identify makes all 12 active on day one');
    assert.ok(active.points.every((p: any) => p.exact === false));
    const newUsers = (await metric(stack, { ...range, m: 'NEW_USERS' })).data.metric[0];
    assert.deepEqual(values(newUsers), [12, 0, 0]);
    const buyers = (await metric(stack, { m: 'BUYERS', from: '2003-03-01T00:00:00Z', to: '2003-04-01T00:00:00Z', g: 'MONTH' })).data.metric[0];
    assert.deepEqual(values(buyers), [12], 'distinct buyers over the month, merged from daily sketches');
  });

  it('a redelivered or extended batch, or a resent event, adds nothing twice', async () => {
    const table = process.env.AGGREGATES_TABLE!;
    const identities = process.env.IDENTITIES_TABLE!;
    const at = (h: number) => new Date(Date.UTC(2004, 5, 1, h)).toISOString();
    const events: StoredEvent[] = Array.from({ length: 40 }, (_, i) => ({
      type: 'track',
      event: 'order_completed',
      eventId: `rd-${i}`,
      userId: `rd-u${i % 4}`,
      timestamp: at(i % 24),
      properties: { orderId: `rd-${i}`, revenue: 1.1, currency: 'GBP' },
    }));
    const records = events.map((e) => record(e, 'shardId-000000000077'));
    await processAggregates({ table, identities, consent: process.env.CONSENT_TABLE! }, records.slice(0, 25));
    await processAggregates({ table, identities, consent: process.env.CONSENT_TABLE! }, records.slice(0, 25)); // the same batch again
    await processAggregates({ table, identities, consent: process.env.CONSENT_TABLE! }, records.slice(0, 40)); // a retry that reaches further
    await processAggregates({ table, identities, consent: process.env.CONSENT_TABLE! }, records.slice(10, 40)); // a late duplicate of part of it
    // A client's resend: the same events again as new stream records.
    await processAggregates({ table, identities, consent: process.env.CONSENT_TABLE! }, events.slice(0, 5).map((e) => record(e, 'shardId-000000000077')));
    const r = await metric(stack, { m: 'ORDERS', from: '2004-06-01T00:00:00Z', to: '2004-06-02T00:00:00Z', g: 'DAY' });
    assert.deepEqual(values(r.data.metric[0]), [40]);
    const rev = await metric(stack, { m: 'REVENUE', from: '2004-06-01T00:00:00Z', to: '2004-06-02T00:00:00Z', g: 'HOUR' });
    assert.equal(Math.round(values(rev.data.metric[0]).reduce((a: number, b: number) => a + b, 0) * 100), 4400);
    const nu = await metric(stack, { m: 'NEW_USERS', from: '2004-06-01T00:00:00Z', to: '2004-06-02T00:00:00Z', g: 'DAY' });
    assert.deepEqual(values(nu.data.metric[0]), [4]);
  });

  it('keeps the daily sizes of segments and churn bands from the hourly counts', async () => {
    const seg = await gql(stack, 'mutation { createSegment(input: { id: "size_gold", name: "Gold", expression: "traits.plan == \\"gold\\"" }) { id } }');
    assert.equal(seg.json.errors, undefined, JSON.stringify(seg.json));
    await new Promise((r) => setTimeout(r, 1100)); // the tagger's rule cache (1 s in tests)
    const gold = (u: string) => ({ type: 'identify', userId: u, timestamp: new Date().toISOString(), traits: { plan: 'gold' } });
    await ingest(stack, [gold('size-1'), gold('size-2')]);
    const members = async () => (await gql(stack, '{ segment(id: "size_gold") { size } }')).json.data?.segment?.size;
    await waitFor(async () => (await members()) === 2, 'two members');
    // Two counts on one day, then one the next: each day keeps its last.
    await stack.runScheduled('audiences', new Date('2026-06-01T09:00:00Z'));
    await ingest(stack, [gold('size-3')]);
    await waitFor(async () => (await members()) === 3, 'three members');
    await stack.runScheduled('audiences', new Date('2026-06-01T23:00:00Z'));
    await stack.runScheduled('audiences', new Date('2026-06-02T00:00:00Z'));
    const r = await gql(
      stack,
      `{ segmentSizeHistory(segment: "size_gold", from: "2026-05-31T00:00:00Z", to: "2026-06-03T00:00:00Z") { day size countedAt }
         churnBandHistory(from: "2026-06-01T00:00:00Z", to: "2026-06-02T00:00:00Z") { band sizes { day size } } }`,
    );
    assert.equal(r.json.errors, undefined, JSON.stringify(r.json));
    assert.deepEqual(r.json.data.segmentSizeHistory, [
      { day: '2026-06-01T00:00:00.000Z', size: 3, countedAt: '2026-06-01T23:00:00.000Z' },
      { day: '2026-06-02T00:00:00.000Z', size: 3, countedAt: '2026-06-02T00:00:00.000Z' },
    ]);
    assert.deepEqual(r.json.data.churnBandHistory.map((b: any) => [b.band, b.sizes.map((x: any) => x.day)]), [
      ['LOW', ['2026-06-01T00:00:00.000Z']],
      ['MEDIUM', ['2026-06-01T00:00:00.000Z']],
      ['HIGH', ['2026-06-01T00:00:00.000Z']],
    ]);
    const reversed = await gql(stack, '{ segmentSizeHistory(segment: "size_gold", from: "2026-06-03T00:00:00Z", to: "2026-06-01T00:00:00Z") { size } }');
    assert.equal(reversed.json.errors?.[0]?.extensions?.reason, 'RANGE_REVERSED');
  });

  it('forecasts weekly orders from the complete weeks before `to`', async () => {
    // Ten Monday weeks of 2007 with 10, 12, …, 28 orders: an exact linear trend, which the linear-trend model
    // fits with no error (so it is chosen, and its interval has no width).
    const monday = Date.UTC(2007, 0, 1);
    const orders = Array.from({ length: 10 }, (_, w) =>
      Array.from({ length: 10 + 2 * w }, (_, i) => track(`fc-${w}-${i}`, 'order_completed', new Date(monday + w * 7 * 86_400_000 + i * 60_000).toISOString(), { orderId: `fc-${w}-${i}`, revenue: 1 })),
    ).flat();
    await ingest(stack, orders);
    const to = new Date(monday + 10 * 7 * 86_400_000 + 3 * 86_400_000).toISOString(); // a Thursday: its week is not over
    const q = `{ orderForecast(to: "${to}", weeks: 3, historyWeeks: 20) { history { start value } points { start value lower upper } model level } }`;
    const f = await waitFor(async () => {
      const r = (await gql(stack, q)).json;
      return r.data?.orderForecast?.history.length === 10 && r.data.orderForecast.history.at(-1).value === 28 ? r.data.orderForecast : null;
    }, 'ten weeks of orders', 60_000); // 190 orders through the aggregator: slow when the whole suite shares two cores
    assert.equal(f.history[0].start, '2007-01-01T00:00:00.000Z', 'the weeks before the first order are left out');
    assert.equal(f.model, 'AAN');
    assert.deepEqual(f.points.map((p: any) => [p.start.slice(0, 10), Math.round(p.value), Math.round(p.upper - p.lower)]), [
      ['2007-03-12', 30, 0],
      ['2007-03-19', 32, 0],
      ['2007-03-26', 34, 0],
    ]);
    const short = (await gql(stack, `{ orderForecast(to: "2007-02-01T00:00:00Z") { model } }`)).json;
    assert.equal(short.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', 'four weeks of history are too few');
  });

  it('refuses a reversed range, too many buckets, an unknown zone and a grouping the metric lacks, with typed errors', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ m: 'ORDERS', from: '2003-02-01T00:00:00Z', to: '2003-01-01T00:00:00Z', g: 'DAY' }, 'RANGE_REVERSED'],
      [{ m: 'ORDERS', from: '2000-01-01T00:00:00Z', to: '2005-01-01T00:00:00Z', g: 'HOUR' }, 'TOO_MANY_BUCKETS'],
      [{ m: 'ORDERS', from: '2003-01-01T00:00:00Z', to: '2003-02-01T00:00:00Z', g: 'DAY', tz: 'Mars/Olympus' }, 'BAD_TIME_ZONE'],
      [{ m: 'REVENUE', from: '2003-01-01T00:00:00Z', to: '2003-02-01T00:00:00Z', g: 'DAY', by: 'EVENT' }, 'BAD_ARGUMENT'],
    ];
    for (const [vars, reason] of cases) {
      const r = await metric(stack, vars);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r));
      assert.equal(r.errors?.[0]?.extensions?.reason, reason);
    }
    const unknown = await metric(stack, { m: 'PAGEVIEWS', from: '2003-01-01T00:00:00Z', to: '2003-02-01T00:00:00Z', g: 'DAY' });
    assert.ok(unknown.errors?.[0]?.extensions?.code, JSON.stringify(unknown));
  });
});
