import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assign, newExperiment, overlapping, type Experiment } from '../../core/experiments/definition.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { analyzeUnits, foldUnit, SEEN_LIMIT, UnitSummary, viewedVariation } from '../../core/experiments/units.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function experiment(over: Partial<Parameters<typeof newExperiment>[0]> = {}): Experiment {
  const e = newExperiment(
    {
      key: 'cta',
      name: 'CTA',
      variants: [{ key: 'control' }, { key: 'green' }],
      metrics: [
        { name: 'purchase', kind: 'CONVERSION', event: 'order_completed', windowHours: 24 },
        { name: 'revenue', kind: 'REVENUE', event: 'order_completed' },
      ],
      guardrails: [{ name: 'refunds', kind: 'CONVERSION', event: 'order_refunded', inverse: true }],
      startAt: iso(T0),
      ...over,
    },
    iso(T0),
  );
  return { ...e, status: 'RUNNING' };
}

let n = 0;
const ev = (event: string, ms: number, properties: Record<string, unknown> = {}, eventId = `e${n++}`): StoredEvent => ({
  type: 'track',
  event,
  eventId,
  userId: 'u1',
  timestamp: iso(ms),
  properties,
});
const viewed = (ms: number, variationId: number | string = 1, id?: string) => ev('experiment_viewed', ms, { experimentId: 'cta', variationId }, id);

describe('experiment definitions', () => {
  it('fills equal weights and the key as seed, and refuses bad input', () => {
    const e = experiment();
    assert.deepEqual(e.variants.map((v) => v.weight), [0.5, 0.5]);
    assert.equal(e.seed, 'cta');
    assert.throws(() => experiment({ variants: [{ key: 'a', weight: 0.3 }, { key: 'b', weight: 0.3 }] }), /sum to 1/);
    assert.throws(() => experiment({ variants: [{ key: 'a', weight: 1 }, { key: 'b' }] }), /every variant a weight/);
    assert.throws(() => experiment({ variants: [{ key: 'a' }, { key: 'a' }] }), /unique/);
    assert.throws(() => experiment({ stopAt: iso(T0 - 1) }), /after startAt/);
    assert.throws(() => experiment({ namespace: { name: 'l', start: 0.5, end: 0.5 } }), /below its end/);
    assert.throws(() => experiment({ unknown: 1 } as never), /unrecognized/i);
  });

  it('keeps a layer exclusive: overlapping slices clash, adjacent ones do not, and no user is in two', () => {
    const a = experiment({ key: 'a', namespace: { name: 'l', start: 0, end: 0.5 } });
    const b = experiment({ key: 'b', namespace: { name: 'l', start: 0.5, end: 1 } });
    const c = experiment({ key: 'c', namespace: { name: 'l', start: 0.4, end: 0.6 } });
    assert.deepEqual(overlapping(b, [a]), []);
    assert.deepEqual(overlapping(c, [a, b]).map((x) => x.id), ['a', 'b']);
    assert.deepEqual(overlapping(c, [{ ...a, status: 'STOPPED' }]), [], 'a stopped experiment frees its slice');
    let inA = 0;
    let inB = 0;
    for (let i = 0; i < 2000; i++) {
      const ra = assign(a, `u${i}`, T0 + 1).variation >= 0;
      const rb = assign(b, `u${i}`, T0 + 1).variation >= 0;
      assert.ok(!(ra && rb), `u${i} is in both experiments of the layer`);
      inA += ra ? 1 : 0;
      inB += rb ? 1 : 0;
    }
    assert.ok(inA > 850 && inB > 850 && inA + inB === 2000, `${inA} + ${inB}`);
    assert.equal(assign(a, 'u-out', T0 - 1).reason, 'NOT_RUNNING');
    const outside = Array.from({ length: 50 }, (_, i) => assign(a, `v${i}`, T0 + 1)).find((r) => r.variation < 0);
    assert.equal(outside?.reason, 'OUTSIDE_NAMESPACE');
  });

  it('names the variation of an experiment_viewed by index or key', () => {
    const e = experiment();
    assert.equal(viewedVariation(e, { variationId: 1 }), 1);
    assert.equal(viewedVariation(e, { variationId: 'green' }), 1);
    assert.equal(viewedVariation(e, { variationId: '0' }), 0);
    assert.equal(viewedVariation(e, { variationId: 2 }), -1);
    assert.equal(viewedVariation(e, { variationId: 'blue' }), -1);
  });
});

describe('the unit fold', () => {
  it('counts metric events after the first exposure, within each window, in any order of arrival', () => {
    const e = experiment();
    const events = [
      ev('order_completed', T0 + 2 * HOUR, { revenue: 10 }),
      viewed(T0 + HOUR),
      ev('order_completed', T0 + 30 * HOUR, { revenue: 5 }), // past the purchase window, inside revenue's (none)
      ev('order_completed', T0 + 0.5 * HOUR, { revenue: 99 }), // before the exposure
      ev('order_refunded', T0 + 3 * HOUR),
      ev('login', T0 + 3 * HOUR),
    ];
    const a = foldUnit(e, null, events)!;
    const b = foldUnit(e, null, [...events].reverse())!;
    assert.deepEqual({ ...a, seen: [] }, { ...b, seen: [] });
    assert.deepEqual(a.values, [1, 15, 1]);
    assert.equal(a.exposedAt, T0 + HOUR);
    assert.equal(a.variation, 1);
  });

  it('is idempotent per event id, across batches', () => {
    const e = experiment();
    const order = ev('order_completed', T0 + 2 * HOUR, { revenue: 10 });
    const once = foldUnit(e, null, [viewed(T0 + HOUR), order])!;
    assert.equal(foldUnit(e, once, [order]), null, 'a redelivered event changes nothing');
    const more = foldUnit(e, once, [ev('order_completed', T0 + 3 * HOUR, { revenue: 1 })])!;
    assert.deepEqual(more.values, [2, 11, 0]);
  });

  it('ignores exposures of a draft or outside the run, and events of users never exposed', () => {
    assert.equal(foldUnit({ ...experiment(), status: 'DRAFT' }, null, [viewed(T0 + HOUR)]), null);
    assert.equal(foldUnit(experiment(), null, [viewed(T0 - HOUR)]), null);
    assert.equal(foldUnit(experiment({ stopAt: iso(T0 + HOUR) }), null, [viewed(T0 + 2 * HOUR)]), null);
    assert.equal(foldUnit(experiment(), null, [ev('order_completed', T0 + HOUR, { revenue: 1 })]), null);
  });

  it('marks a user seen in two variations, and the summary leaves them out', () => {
    const e = experiment();
    const u = foldUnit(e, null, [viewed(T0 + HOUR, 0), viewed(T0 + 2 * HOUR, 1)])!;
    assert.equal(u.multiple, true);
    const s = new UnitSummary(e);
    s.add(u);
    s.add({ ...u, multiple: false, variation: 0 });
    assert.deepEqual([s.exposures, s.multipleExposures], [[1, 0], 1]);
  });

  it('remembers a bounded number of event ids', () => {
    const e = experiment();
    const events = [viewed(T0), ...Array.from({ length: SEEN_LIMIT + 20 }, (_, i) => ev('order_completed', T0 + i, { revenue: 1 }))];
    const u = foldUnit(e, null, events)!;
    assert.equal(u.seen.length, SEEN_LIMIT);
    assert.equal(u.values[1], SEEN_LIMIT + 20);
  });
});

describe('analysis of units', () => {
  function summaryOf(e: Experiment, perArm: Array<{ users: number; converted: number; refunded: number }>) {
    const s = new UnitSummary(e);
    perArm.forEach((arm, variation) => {
      for (let i = 0; i < arm.users; i++) {
        s.add({ variation, exposedAt: T0, multiple: false, values: [i < arm.converted ? 1 : 0, i < arm.converted ? 20 : 0, i < arm.refunded ? 1 : 0] });
      }
    });
    return s;
  }

  it('gives conversion rates and a guardrail that fails when the variant is clearly worse', () => {
    const e = experiment();
    const s = summaryOf(e, [
      { users: 1000, converted: 100, refunded: 10 },
      { users: 1000, converted: 130, refunded: 60 },
    ]);
    for (const engine of ['BAYESIAN', 'FREQUENTIST'] as const) {
      const r = analyzeUnits(e, s, { engine });
      assert.deepEqual(r.exposures, [1000, 1000]);
      assert.deepEqual(r.metrics[0]!.analysis!.variants.map((v) => v.mean), [0.1, 0.13]);
      const refunds = r.metrics[2]!;
      assert.equal(refunds.guardrail, true);
      assert.deepEqual(refunds.guardrailStatus, ['OK', 'FAILING'], engine);
    }
    const fine = analyzeUnits(e, summaryOf(e, [{ users: 1000, converted: 100, refunded: 10 }, { users: 1000, converted: 100, refunded: 11 }]), { engine: 'BAYESIAN' });
    assert.deepEqual(fine.metrics[2]!.guardrailStatus, ['OK', 'OK']);
  });

  it('corrects p-values across the goal metrics only, and says why a metric has no analysis', () => {
    const e = experiment();
    const s = summaryOf(e, [
      { users: 1000, converted: 100, refunded: 10 },
      { users: 1000, converted: 125, refunded: 12 },
    ]);
    const raw = analyzeUnits(e, s, { engine: 'FREQUENTIST' });
    const holm = analyzeUnits(e, s, { engine: 'FREQUENTIST', correction: 'HOLM_BONFERRONI' });
    const p = raw.metrics.map((m) => m.analysis!.variants[1]!.pValue!);
    const adj = holm.metrics.map((m) => m.analysis!.variants[1]!.adjustedPValue!);
    // Holm over the two goal p-values: the smaller doubles, the larger is at least that.
    const [lo, hi] = [Math.min(p[0]!, p[1]!), Math.max(p[0]!, p[1]!)];
    assert.ok(Math.abs(Math.min(adj[0]!, adj[1]!) - Math.min(1, 2 * lo)) < 1e-12);
    assert.ok(Math.abs(Math.max(adj[0]!, adj[1]!) - Math.min(1, Math.max(2 * lo, hi))) < 1e-12);
    assert.equal(adj[2], p[2], 'the guardrail is not corrected');
    const empty = analyzeUnits(e, new UnitSummary(e), { engine: 'BAYESIAN' });
    assert.equal(empty.metrics[0]!.analysis, null);
    assert.match(empty.metrics[0]!.note!, /users/);
  });
});
