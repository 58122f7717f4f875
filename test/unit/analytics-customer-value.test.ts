/**
 * LTV by first-seen cohort and the RFM grid on synthetic orders with hand-known answers, through the real local
 * archive (Parquet on a temp folder, embedded DuckDB).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLtv, runRfm } from '../../core/analytics/archive/customerValue.js';
import { runPersonMetric } from '../../core/analytics/archive/personMetrics.js';
import { toArchiveRecord } from '../../core/analytics/archive/record.js';
import { AnalyticsInputError } from '../../core/analytics/errors.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { DuckDbArchiveEngine } from '../../local/archive/duckdbEngine.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { writeArchiveRows } from '../../core/analyticsEngine/archiveEvents.js';

const D = 86_400_000;
const JAN = Date.UTC(2021, 0, 1);
const FEB = Date.UTC(2021, 1, 1);
const MAR = Date.UTC(2021, 2, 1);
let n = 0;
const order = (user: string, at: number, revenue: number, currency = 'GBP'): StoredEvent => ({
  type: 'track', event: 'order_completed', eventId: `o${++n}`, userId: user, timestamp: new Date(at).toISOString(), properties: { orderId: `o${n}`, revenue, currency },
});
const refund = (user: string, at: number, revenue: number): StoredEvent => ({
  type: 'track', event: 'order_refunded', eventId: `r${++n}`, userId: user, timestamp: new Date(at).toISOString(), properties: { orderId: `x${n}`, revenue, currency: 'GBP' },
});
const login = (user: string, at: number): StoredEvent => ({ type: 'track', event: 'login', eventId: `l${++n}`, userId: user, timestamp: new Date(at).toISOString() });

let engine: DuckDbArchiveEngine;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsgraph-value-'));
  await writeArchiveRows(
    new FolderArchiveFiles(dir),
    [
      // January cohort: a (first seen by a login, buys 10 in Jan and 30 in Feb), b (buys 20 in Jan, refunds 5 in Feb).
      login('a', JAN + 1 * D), order('a', JAN + 2 * D, 10), order('a', FEB + 2 * D, 30),
      order('b', JAN + 3 * D, 20), refund('b', FEB + 3 * D, 5),
      // February cohort: c buys 40 in Feb; d only logs in. An order in another currency is left out with currency: GBP.
      order('c', FEB + 5 * D, 40), order('c', FEB + 6 * D, 99, 'EUR'), login('d', FEB + 7 * D),
    ].map((e) => toArchiveRecord(e)),
    'test',
  );
  engine = await DuckDbArchiveEngine.open({ dir: join(dir, 'events'), threads: 2 });
});
after(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe('LTV by first-seen cohort', () => {
  it('gives cumulative net revenue per person by month after the cohort, and LTV/CAC', async () => {
    const cohorts = await runLtv(engine, { from: JAN, to: MAR, period: 'MONTH', periods: 3, currency: 'GBP', acquisitionCost: 10 });
    assert.deepEqual(cohorts, [
      // Jan: (10 + 20) / 2 = 15 in month 0; + (30 − 5) / 2 → 27.5 by month 1; the range ends there.
      { start: '2021-01-01T00:00:00.000Z', size: 2, ltv: [15, 27.5], ltvToCac: 2.75 },
      // Feb: 40 / 2 (d never buys).
      { start: '2021-02-01T00:00:00.000Z', size: 2, ltv: [20], ltvToCac: 2 },
    ]);
  });

  it('refuses bad periods, a bad currency and a cost of 0', async () => {
    for (const bad of [{ periods: 0 }, { periods: 61 }, { currency: 'pounds' }, { acquisitionCost: 0 }]) {
      await assert.rejects(runLtv(engine, { from: JAN, to: MAR, period: 'MONTH', ...bad }), AnalyticsInputError, JSON.stringify(bad));
    }
  });
});

describe('RFM grid', () => {
  it('scores buyers by recency and frequency quintiles, with their orders, revenue and recency', async () => {
    const cells = await runRfm(engine, { from: JAN, to: MAR, currency: 'GBP' });
    // Three GBP buyers make three quintile groups: b last bought on Jan 3 (recency 1), a on Feb 2, c on Feb 5
    // (most recent); by frequency b and c have 1 order (c more revenue), a has 2.
    assert.deepEqual(
      cells.map((c) => [c.recency, c.frequency, c.users, c.orders, c.revenue, Math.round(c.averageRecencyDays)]),
      [
        [1, 1, 1, 1, 20, Math.round((MAR - (JAN + 3 * D)) / D)],
        [2, 3, 1, 2, 40, Math.round((MAR - (FEB + 2 * D)) / D)],
        [3, 2, 1, 1, 40, Math.round((MAR - (FEB + 5 * D)) / D)],
      ],
    );
  });
});

describe('metrics over some people (a segment filter)', () => {
  const values = async (metric: Parameters<typeof runPersonMetric>[1]['metric'], personIds: string[]) =>
    (await runPersonMetric(engine, { metric, personIds, from: JAN, to: MAR, granularity: 'MONTH' })).map((s) => [s.currency, s.points.map((p) => p.value)]);

  it('counts exactly, per bucket and currency, only the people named', async () => {
    assert.deepEqual(await values('NEW_USERS', ['a', 'b', 'c', 'd']), [[null, [2, 2]]]);
    assert.deepEqual(await values('ORDERS', ['a', 'c']), [[null, [1, 3]]]);
    assert.deepEqual(await values('REVENUE', ['a', 'c']), [['EUR', [0, 99]], ['GBP', [10, 70]]]);
    assert.deepEqual(await values('REFUND_AMOUNT', ['a', 'b']), [['GBP', [0, 5]]]);
    assert.deepEqual(await values('BUYERS', ['a', 'b', 'd']), [[null, [2, 1]]]);
    assert.deepEqual(await values('ORDERS', []), [[null, [0, 0]]], 'nobody: zeros');
    assert.deepEqual(await values('REVENUE', []), [], 'nobody: no currency to report');
  });

  it('adds up chunks of people exactly: the same series in the same order as one query, for every metric', async () => {
    const people = ['a', 'b', 'c', 'd'];
    const metrics = ['EVENTS', 'ACTIVE_USERS', 'NEW_USERS', 'ORDERS', 'REVENUE', 'AVERAGE_ORDER_VALUE', 'BUYERS', 'REFUNDS', 'REFUND_AMOUNT'] as const;
    for (const metric of metrics) {
      for (const groupBy of metric === 'NEW_USERS' ? [undefined] : [undefined, 'COUNTRY' as const]) {
        const spec = { metric, personIds: people, from: JAN, to: MAR, granularity: 'MONTH' as const, ...(groupBy ? { groupBy } : {}) };
        const whole = await runPersonMetric(engine, spec);
        assert.ok(whole.some((s) => s.points.some((p) => p.value !== 0)), `${metric}: the fixture has something to count`);
        for (const chunk of [1, 3]) assert.deepEqual(await runPersonMetric(engine, spec, {}, chunk), whole, `${metric} by ${groupBy ?? 'nothing'}, ${chunk} a query`);
      }
    }
  });

  it('refuses groupings the real-time metric refuses too, and too many people', async () => {
    await assert.rejects(runPersonMetric(engine, { metric: 'ORDERS', personIds: ['a'], from: JAN, to: MAR, granularity: 'MONTH', groupBy: 'EVENT' }), AnalyticsInputError);
    const many = Array.from({ length: 100_001 }, (_, i) => `p${i}`);
    await assert.rejects(runPersonMetric(engine, { metric: 'ORDERS', personIds: many, from: JAN, to: MAR, granularity: 'MONTH' }), AnalyticsInputError);
  });
});
