/**
 * Funnels, retention, bought-together pairs and purchase paths on synthetic events with hand-known answers, run
 * through the real local archive: Parquet partitions on a temp folder, queried by embedded DuckDB.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../../core/events/schema.js';
import { toArchiveRecord } from '../../core/analytics/archive/record.js';
import { runBoughtTogether, runFunnel, runPathsBeforePurchase, runRetention } from '../../core/analytics/archive/queries.js';
import { buildFunnelSql, type FunnelSpec } from '../../core/analytics/archive/sql.js';
import { trinoDialect } from '../../core/analytics/archive/engine.js';
import { AnalyticsInputError } from '../../core/analytics/errors.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { writeArchiveRows } from '../../core/analyticsEngine/archiveEvents.js';
import { DuckDbArchiveEngine } from '../../local/archive/duckdbEngine.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2021, 4, 3); // Monday 2021-05-03
let n = 0;

function ev(user: string, event: string, at: number, extra: Partial<StoredEvent> = {}): StoredEvent {
  return { type: 'track', event, eventId: `e${++n}`, userId: user, timestamp: new Date(at).toISOString(), ...extra };
}

async function withArchive(events: StoredEvent[]): Promise<{ engine: DuckDbArchiveEngine; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsgraph-archive-test-'));
  await writeArchiveRows(new FolderArchiveFiles(dir), events.map((e) => toArchiveRecord(e)), 'test');
  return { engine: await DuckDbArchiveEngine.open({ dir: join(dir, 'events'), threads: 2 }), dir };
}

const steps = (...names: string[]) => names.map((event) => ({ event }));
const users = (r: { steps: { users: number }[] }) => r.steps.map((s) => s.users);

describe('funnels (PostHog semantics) on DuckDB', () => {
  let engine: DuckDbArchiveEngine;
  let dir: string;
  const range = { from: T0, to: T0 + 30 * D };
  before(async () => {
    ({ engine, dir } = await withArchive([
      // u1: a → b → c in order, one hour apart
      ev('u1', 'a', T0 + 1 * H), ev('u1', 'b', T0 + 2 * H), ev('u1', 'c', T0 + 3 * H),
      // u2: a → x → b → c (something between a and b: breaks STRICT only)
      ev('u2', 'a', T0 + 1 * H), ev('u2', 'x', T0 + 2 * H), ev('u2', 'b', T0 + 3 * H), ev('u2', 'c', T0 + 5 * H),
      // u3: c → b → a (reverse order: only ANY converts fully)
      ev('u3', 'c', T0 + 1 * H), ev('u3', 'b', T0 + 2 * H), ev('u3', 'a', T0 + 3 * H),
      // u4: a, then b after 20 days (outside a 14-day window, inside a 30-day one), then c a day later
      ev('u4', 'a', T0 + 1 * H), ev('u4', 'b', T0 + 20 * D), ev('u4', 'c', T0 + 21 * D),
      // u5: a only
      ev('u5', 'a', T0 + 1 * H),
      // an identify between steps does not break STRICT
      ev('u6', 'a', T0 + 1 * H), { type: 'identify', eventId: 'id-u6', userId: 'u6', timestamp: new Date(T0 + 90 * 60_000).toISOString() },
      ev('u6', 'b', T0 + 2 * H),
    ]));
  });
  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('SEQUENTIAL: in order, other events allowed between, within the window', async () => {
    const [f] = await runFunnel(engine, { ...range, steps: steps('a', 'b', 'c'), order: 'SEQUENTIAL', windowDays: 14 });
    // entered: u1 u2 u3 u4 u5 u6 (u3's a is its last event) → b: u1 u2 u6 → c: u1 u2
    assert.deepEqual(users(f!), [6, 3, 2]);
    assert.equal(f!.steps[1]!.conversionFromStart, 0.5);
    assert.equal(f!.steps[2]!.conversionFromPrevious, 2 / 3);
    // a→b: u1 1h, u2 2h, u6 1h → median 1h; b→c: u1 1h, u2 2h → median 1.5h
    assert.equal(f!.steps[1]!.medianSecondsFromPrevious, 3600);
    assert.equal(f!.steps[2]!.medianSecondsFromPrevious, 5400);
  });

  it('the conversion window is measured from the first step', async () => {
    const [f] = await runFunnel(engine, { ...range, steps: steps('a', 'b', 'c'), windowDays: 30 });
    assert.deepEqual(users(f!), [6, 4, 3]); // u4 converts within 30 days
    const [g] = await runFunnel(engine, { ...range, steps: steps('a', 'b', 'c'), windowDays: 20.5 });
    assert.deepEqual(users(g!), [6, 4, 2]); // u4's b at 20d is inside, c at 21d is not
  });

  it('STRICT: each step must be the very next track event', async () => {
    const [f] = await runFunnel(engine, { ...range, steps: steps('a', 'b', 'c'), order: 'STRICT' });
    // u2 has x between a and b; u4's b is next but outside 14 days; u6's identify does not count
    assert.deepEqual(users(f!), [6, 2, 1]);
  });

  it('ANY: steps in any order within the window', async () => {
    const [f] = await runFunnel(engine, { ...range, steps: steps('a', 'b', 'c'), order: 'ANY' });
    // 3 steps: u1 u2 u3; 2 steps: + u6; u4 only 1 within 14 days of any start? b(20d)+c(21d) are 2 steps → u4 too
    assert.deepEqual(users(f!), [6, 5, 3]);
    // u3: c→b→a, times sorted: 1h between each
    assert.equal(f!.steps[2]!.medianSecondsFromPrevious, 3600);
  });

  it('exclusions drop the attempt, and the person with it when no attempt is left', async () => {
    const [f] = await runFunnel(engine, {
      ...range,
      steps: steps('a', 'b', 'c'),
      exclusions: [{ event: 'x', fromStep: 0, toStep: 1 }],
    });
    assert.deepEqual(users(f!), [5, 2, 1]); // u2 is gone from every step
    // between b and c there is no x: nothing changes
    const [g] = await runFunnel(engine, { ...range, steps: steps('a', 'b', 'c'), exclusions: [{ event: 'x', fromStep: 1, toStep: 2 }] });
    assert.deepEqual(users(g!), [6, 3, 2]);
  });

  it('PostHog test_advanced_funnel_exclusions_between_steps, replayed', async () => {
    const base = Date.UTC(2021, 4, 1);
    const at = (h: number, m = 0) => base + h * H + m * 60_000;
    const p = (u: string, list: Array<[string, number]>) => list.map(([e, t]) => ev(u, e, t));
    const { engine: e2, dir: d2 } = await withArchive([
      ...p('person1', [['signed_up', at(1)], ['pageview', at(2)], ['x', at(3)], ['insight_viewed', at(4)], ['x', at(4, 30)], ['invite_teammate', at(5)], ['x', at(5, 30)], ['pageview2', at(6)]]),
      ...p('person2', [['signed_up', at(1)], ['pageview', at(2)], ['insight_viewed', at(4)], ['x', at(4, 30)], ['invite_teammate', at(5)], ['x', at(5, 30)], ['pageview2', at(6)]]),
      ...p('person3', [['signed_up', at(1)], ['x', at(1, 30)], ['pageview', at(2)], ['insight_viewed', at(4)], ['invite_teammate', at(5)], ['x', at(5, 30)], ['pageview2', at(6)]]),
    ]);
    try {
      const spec = (fromStep: number, toStep: number): FunnelSpec => ({
        from: base, to: base + 14 * D, steps: steps('signed_up', 'pageview', 'insight_viewed', 'invite_teammate', 'pageview2'),
        exclusions: [{ event: 'x', fromStep, toStep }],
      });
      const first = async (a: number, b: number) => users((await runFunnel(e2, spec(a, b)))[0]!);
      assert.deepEqual(await first(0, 1), [2, 2, 2, 2, 2]);
      assert.deepEqual(await first(1, 2), [2, 2, 2, 2, 2]);
      assert.deepEqual(await first(2, 3), [1, 1, 1, 1, 1]);
      assert.deepEqual(await first(3, 4), [0, 0, 0, 0, 0]);
      assert.deepEqual(await first(1, 3), [1, 1, 1, 1, 1]);
    } finally {
      await e2.close();
      await rm(d2, { recursive: true, force: true });
    }
  });

  it('breakdown by the first step\'s channel', async () => {
    const { engine: e2, dir: d2 } = await withArchive([
      ev('w1', 'a', T0, { context: { channel: 'web' } }), ev('w1', 'b', T0 + H, { context: { channel: 'email' } }),
      ev('w2', 'a', T0, { context: { channel: 'web' } }),
      ev('m1', 'a', T0, { context: { channel: '__proto__' } }), ev('m1', 'b', T0 + H),
      ev('n1', 'a', T0),
    ]);
    try {
      const out = await runFunnel(e2, { from: T0, to: T0 + D, steps: steps('a', 'b'), breakdown: 'CHANNEL' });
      const by = new Map(out.map((r) => [r.breakdown, users(r)]));
      assert.deepEqual(by.get('web'), [2, 1]);
      assert.deepEqual(by.get('__proto__'), [1, 1]);
      assert.deepEqual(by.get(null), [1, 0]);
      assert.equal(out.length, 3);
    } finally {
      await e2.close();
      await rm(d2, { recursive: true, force: true });
    }
  });

  it('property conditions: any key, any value, safely quoted', async () => {
    const { engine: e2, dir: d2 } = await withArchive([
      ev('p1', 'viewed', T0, { properties: { 'category.name': "o'brien" } }), ev('p1', 'bought', T0 + H),
      ev('p2', 'viewed', T0, { properties: { 'category.name': 'other' } }), ev('p2', 'bought', T0 + H),
    ]);
    try {
      const [f] = await runFunnel(e2, { from: T0, to: T0 + D, steps: [{ event: 'viewed', properties: { 'category.name': "o'brien" } }, { event: 'bought' }] });
      assert.deepEqual(users(f!), [1, 1]);
    } finally {
      await e2.close();
      await rm(d2, { recursive: true, force: true });
    }
  });

  it('bad input is a typed error', async () => {
    await assert.rejects(runFunnel(engine, { from: range.to, to: range.from, steps: steps('a') }), (e: unknown) => e instanceof AnalyticsInputError && e.code === 'BAD_USER_INPUT');
    await assert.rejects(runFunnel(engine, { ...range, steps: [] }), AnalyticsInputError);
    await assert.rejects(runFunnel(engine, { ...range, steps: steps('a', 'b'), order: 'ANY', exclusions: [{ event: 'x', fromStep: 0, toStep: 0 }] }), AnalyticsInputError);
    await assert.rejects(runFunnel(engine, { ...range, steps: steps('a', 'a'), order: 'ANY' }), AnalyticsInputError);
  });

  it('the same SQL text is built for Trino but for the JSON function', () => {
    const spec: FunnelSpec = { ...range, steps: [{ event: 'a', properties: { k: 'v' } }, { event: 'b' }] };
    const duck = buildFunnelSql(spec, 'events', engine.dialect).sql;
    const trino = buildFunnelSql(spec, 'events', trinoDialect).sql;
    const strip = (sql: string) => sql.replace(/json_extract_\w+\([^)]*\)/g, 'JSON(…)');
    assert.equal(strip(duck), strip(trino));
    assert.match(trino, /json_extract_scalar\(b\.properties, '\$\["k"\]'\)/);
  });
});

describe('duplicates in the archive', () => {
  it('an event delivered twice counts once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsgraph-archive-dup-'));
    const events = [ev('d1', 'a', T0), ev('d1', 'b', T0 + H), ev('d2', 'a', T0)];
    // Two files with the same rows, as a bisected retry of a batch can leave.
    const files = new FolderArchiveFiles(dir);
    await writeArchiveRows(files, events.map((e) => toArchiveRecord(e)), 'batch-1');
    await writeArchiveRows(files, events.map((e) => toArchiveRecord(e)), 'batch-1-retry');
    const engine = await DuckDbArchiveEngine.open({ dir: join(dir, 'events') });
    try {
      const [f] = await runFunnel(engine, { from: T0, to: T0 + D, steps: steps('a', 'b'), order: 'STRICT' });
      assert.deepEqual(users(f!), [2, 1]);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('STRICT picks among attempts that start at the same instant by event order, so answers do not vary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsgraph-archive-tie-'));
    // Two `a` at the same instant, a third an hour later, then no `b`: both attempts reach step 2, at T and at T+1h.
    const events = [ev('t1', 'a', T0, { eventId: 'tie-1' }), ev('t1', 'a', T0, { eventId: 'tie-2' }), ev('t1', 'a', T0 + H, { eventId: 'tie-3' }), ev('t1', 'x', T0 + 2 * H, { eventId: 'tie-4' })];
    await writeArchiveRows(new FolderArchiveFiles(dir), events.reverse().map((e) => toArchiveRecord(e)), 'batch');
    const engine = await DuckDbArchiveEngine.open({ dir: join(dir, 'events') });
    try {
      const [f] = await runFunnel(engine, { from: T0, to: T0 + D, steps: steps('a', 'a', 'b'), order: 'STRICT' });
      assert.deepEqual(users(f!), [1, 1, 0]);
      assert.equal(f!.steps[1]!.medianSecondsFromPrevious, 0, 'the attempt from the first event (tie-1 → tie-2), not the one an hour long');
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an empty archive answers with zeros, not an error', async () => {
    const dir = join(tmpdir(), `opsgraph-archive-none-${process.pid}`);
    const engine = await DuckDbArchiveEngine.open({ dir });
    try {
      const [f] = await runFunnel(engine, { from: T0, to: T0 + D, steps: steps('a', 'b') });
      assert.deepEqual(users(f!), [0, 0]);
    } finally {
      await engine.close();
    }
  });
});

describe('retention (PostHog semantics) on DuckDB', () => {
  let engine: DuckDbArchiveEngine;
  let dir: string;
  const day = (k: number, h = 12) => T0 + k * D + h * H;
  before(async () => {
    ({ engine, dir } = await withArchive([
      // r1: first buys on day -1 (before the range): never in a FIRST_TIME cohort
      ev('r1', 'buy', day(-1)), ev('r1', 'buy', day(0)), ev('r1', 'buy', day(2)),
      // r2: first on day 0, back on day 1 and day 3
      ev('r2', 'buy', day(0)), ev('r2', 'buy', day(1)), ev('r2', 'buy', day(3)),
      // r3: first on day 0, back only on day 2
      ev('r3', 'buy', day(0)), ev('r3', 'buy', day(2)),
      // r4: first on day 1, again later the same day (not a return), back on day 4
      ev('r4', 'buy', day(1, 9)), ev('r4', 'buy', day(1, 20)), ev('r4', 'buy', day(4)),
      // r5: first on day 0, never back; does another event on day 1
      ev('r5', 'buy', day(0)), ev('r5', 'visit', day(1)),
    ]));
  });
  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });
  const spec = { startEvent: { event: 'buy' }, returnEvent: { event: 'buy' }, from: T0, to: T0 + 5 * D, period: 'DAY' as const, periods: 4 };

  it('FIRST_TIME, ON', async () => {
    const cohorts = await runRetention(engine, { ...spec, cohort: 'FIRST_TIME', mode: 'ON' });
    assert.equal(cohorts.length, 5);
    assert.deepEqual(cohorts[0], { start: '2021-05-03T00:00:00.000Z', size: 3, returned: [3, 1, 1, 1] }); // r2 r3 r5
    assert.deepEqual(cohorts[1], { start: '2021-05-04T00:00:00.000Z', size: 1, returned: [1, 0, 0, 1] }); // r4
    assert.deepEqual(cohorts[2]!.returned, [0, 0, 0]); // fewer periods are known for later cohorts
    assert.deepEqual(cohorts[4]!.returned, [0]);
  });

  it('FIRST_TIME, ON_OR_AFTER counts a return in that period or any later one', async () => {
    const cohorts = await runRetention(engine, { ...spec, cohort: 'FIRST_TIME', mode: 'ON_OR_AFTER' });
    // day-0 cohort: r2 last back at +3, r3 at +2 → [3, 2, 2, 1]
    assert.deepEqual(cohorts[0]!.returned, [3, 2, 2, 1]);
    assert.deepEqual(cohorts[1]!.returned, [1, 1, 1, 1]);
  });

  it('RECURRING: every period with a start event is a cohort', async () => {
    const cohorts = await runRetention(engine, { ...spec, cohort: 'RECURRING', mode: 'ON' });
    // day 0: r1 r2 r3 r5 → +1: r2; +2: r1 r3; +3: r2
    assert.deepEqual(cohorts[0], { start: '2021-05-03T00:00:00.000Z', size: 4, returned: [4, 1, 2, 1] });
    // day 1: r2 r4 → +1: none (r1's day 2 is not theirs); +2: r2 (day 3); +3: r4 (day 4)
    assert.deepEqual(cohorts[1]!.returned, [2, 0, 1, 1]);
    // day 2: r1 r3 → nothing after
    assert.deepEqual(cohorts[2]!.returned, [2, 0, 0]);
  });

  it('a different return event, weekly periods from Monday', async () => {
    const weekly = await runRetention(engine, { ...spec, returnEvent: { event: 'visit' }, period: 'WEEK', periods: 2, from: T0, to: T0 + 7 * D });
    assert.deepEqual(weekly, [{ start: '2021-05-03T00:00:00.000Z', size: 4, returned: [4] }]);
    const daily = await runRetention(engine, { ...spec, returnEvent: { event: 'visit' }, cohort: 'FIRST_TIME', mode: 'ON' });
    assert.deepEqual(daily[0]!.returned, [3, 1, 0, 0]); // r5 visited on day 1
  });

  it('bad input is a typed error', async () => {
    await assert.rejects(runRetention(engine, { ...spec, from: spec.to, to: spec.from }), AnalyticsInputError);
    await assert.rejects(runRetention(engine, { ...spec, periods: 0 }), AnalyticsInputError);
    await assert.rejects(runRetention(engine, { ...spec, period: 'HOUR' as never }), AnalyticsInputError);
  });
});

describe('basket and path mining on DuckDB', () => {
  it('bought-together pairs with support, confidence and lift', async () => {
    const order = (u: string, at: number, products: string[]) =>
      ev(u, 'order_completed', at, { properties: { orderId: `o${n}`, revenue: 10, products: products.map((productId) => ({ productId })) } });
    const { engine, dir } = await withArchive([
      order('b1', T0, ['A', 'B', 'C']),
      order('b2', T0 + H, ['A', 'B']),
      order('b3', T0 + 2 * H, ['A', 'C']),
      order('b4', T0 + 3 * H, ['D']),
    ]);
    try {
      const pairs = await runBoughtTogether(engine, { from: T0, to: T0 + D, minBaskets: 1 });
      const ab = pairs.find((p) => p.productA === 'A' && p.productB === 'B')!;
      // 4 baskets; A in 3, B in 2, AB in 2 → support 0.5, conf(A→B) 2/3, conf(B→A) 1, lift 0.5/(0.75·0.5)
      assert.equal(ab.baskets, 2);
      assert.equal(ab.support, 0.5);
      assert.equal(ab.confidenceAB, 2 / 3);
      assert.equal(ab.confidenceBA, 1);
      assert.ok(Math.abs(ab.lift - 4 / 3) < 1e-12);
      assert.equal(pairs[0]!.baskets, 2);
      assert.equal(pairs.length, 3); // AB, AC, BC
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('dominant paths before order_completed', async () => {
    const { engine, dir } = await withArchive([
      ev('q1', 'view', T0), ev('q1', 'cart', T0 + H), ev('q1', 'order_completed', T0 + 2 * H),
      ev('q2', 'view', T0), ev('q2', 'cart', T0 + H), ev('q2', 'order_completed', T0 + 2 * H),
      ev('q3', 'search', T0), ev('q3', 'order_completed', T0 + H),
      ev('q4', 'view', T0 - 40 * D), ev('q4', 'order_completed', T0 + H), // its view is outside 30 days
    ]);
    try {
      const paths = await runPathsBeforePurchase(engine, { from: T0, to: T0 + D, depth: 2 });
      assert.deepEqual(paths[0], { events: ['view', 'cart', 'order_completed'], orders: 2, share: 0.5 });
      assert.deepEqual(paths.slice(1).map((p) => p.events).sort(), [['order_completed'], ['search', 'order_completed']]);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
