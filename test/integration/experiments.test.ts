import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assign, type Experiment } from '../../core/experiments/definition.js';
import { analyzeExperiment } from '../../core/experiments/stats/analyze.js';
import { hashUnit, pickBranch, splitSeed } from '../../core/journeys/assign.js';
import { gql, postJson, track, useTestStack, waitFor, type TestStack } from '../support/stack.js';

/*
 * Experiments end to end on the local stack. Standalone experiments: made through the gateway, exposures from assignExperiment
 * and from SDK-style experiment_viewed events through ingest, conversions through ingest, the experiments function
 * on the real stream, and the analysis read back through the gateway and checked against an independent count. A
 * journey's THOMPSON split: exposures and conversions through the journeys functions, the bandit reweighted on the
 * timers' tick, and new enrollments split by the new weights.
 */
const stack = useTestStack({ schedules: ['journeyTimers'] });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function ingest(s: TestStack, events: unknown[]) {
  for (let i = 0; i < events.length; i += 200) {
    const r = await postJson(s.ingestUrl, { events: events.slice(i, i + 200) }, s.apiKey);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.rejected?.length ?? 0, 0, JSON.stringify(r.json.rejected));
  }
}

const CREATE = `mutation($i: ExperimentInput!) { createExperiment(input: $i) { id key status seed coverage
  variants { key name weight } metrics { name kind event windowHours inverse } guardrails { name inverse } startAt } }`;

async function create(s: TestStack, input: Record<string, unknown>) {
  return gql(s, CREATE, { i: input });
}

async function start(s: TestStack, id: string) {
  const r = await gql(s, `mutation { setExperimentStatus(id: "${id}", status: RUNNING) { status } }`);
  assert.equal(r.json.data?.setExperimentStatus.status, 'RUNNING', JSON.stringify(r.json.errors));
}

const ANALYSIS = `query($id: ID!, $engine: StatsEngine) { experiment(id: $id) { status analysis(engine: $engine) {
  exposures multipleExposures metrics { name kind guardrail note guardrailStatus
    analysis { srmPValue srmWarning variants { name users mean lift ciLower ciUpper pValue chanceToWin risk } } } } } }`;

/** The experiment as the core computes assignment for it (what a GrowthBook SDK with the same settings does). */
function asCore(id: string, startAt: string): Experiment {
  return {
    id,
    key: id,
    name: id,
    status: 'RUNNING',
    variants: [
      { key: 'control', name: 'control', weight: 0.5 },
      { key: 'green', name: 'green', weight: 0.5 },
    ],
    coverage: 1,
    seed: id,
    metrics: [],
    guardrails: [],
    startAt,
    createdAt: startAt,
    updatedAt: startAt,
  };
}

describe('standalone experiments on the local stack', () => {
  it('exposures and conversions become the analysis, each event counted once, in event time and window', async () => {
    const startAt = new Date(Date.now() - 10 * DAY).toISOString();
    const created = await create(stack, {
      key: 'checkout-cta',
      name: 'Green checkout button',
      variants: [{ key: 'control' }, { key: 'green' }],
      metrics: [
        { name: 'purchase', kind: 'CONVERSION', event: 'order_completed', windowHours: 24 },
        { name: 'revenue', kind: 'REVENUE', event: 'order_completed', windowHours: 24 },
        { name: 'views', kind: 'COUNT', event: 'product_viewed' },
      ],
      guardrails: [{ name: 'refunds', kind: 'CONVERSION', event: 'order_refunded', inverse: true }],
      startAt,
    });
    assert.ok(created.json.data, JSON.stringify(created.json.errors));
    const e = created.json.data.createExperiment;
    assert.deepEqual(
      { status: e.status, seed: e.seed, weights: e.variants.map((v: any) => v.weight) },
      { status: 'DRAFT', seed: 'checkout-cta', weights: [0.5, 0.5] },
    );
    await start(stack, 'checkout-cta');
    const core = asCore('checkout-cta', startAt);

    // The expected figures, counted here from what is sent.
    const expected = [0, 1].map(() => ({ users: 0, converted: 0, revenue: 0, revenueSquares: 0, views: 0, viewsSquares: 0 }));
    const events: unknown[] = [];
    const t0 = Date.now() - 5 * DAY;
    for (let i = 0; i < 120; i++) {
      const userId = `xp-${i}`;
      const v = assign(core, userId, Date.now()).variation;
      const exposedAt = t0 + i * 60_000;
      const at = (ms: number) => new Date(exposedAt + ms).toISOString();
      events.push(track(userId, 'experiment_viewed', at(0), { experimentId: 'checkout-cta', variationId: v }, { eventId: `xv-${i}` }));
      const x = expected[v]!;
      x.users++;
      // Converts in the window, more often in the green arm; an order before exposure and one after the window never count.
      const converts = i % (v === 1 ? 2 : 3) === 0;
      let revenue = 0;
      if (converts) {
        revenue = 10 + (i % 7);
        const order = track(userId, 'order_completed', at(2 * HOUR), { orderId: `o-${i}`, revenue }, { eventId: `order-${i}` });
        events.push(order, order); // sent twice: counted once
      }
      if (i % 5 === 0) events.push(track(userId, 'order_completed', at(-HOUR), { orderId: `early-${i}`, revenue: 99 }));
      if (i % 4 === 0) events.push(track(userId, 'order_completed', at(30 * HOUR), { orderId: `late-${i}`, revenue: 77 }));
      const views = i % 4;
      for (let k = 0; k < views; k++) events.push(track(userId, 'product_viewed', at(HOUR + k * 1000), { productId: `p${k}` }));
      x.converted += converts ? 1 : 0;
      x.revenue += revenue;
      x.revenueSquares += revenue * revenue;
      x.views += views;
      x.viewsSquares += views * views;
    }
    // One user seen in both arms: left out of the analysis.
    const twice = 'xp-twice';
    const tv = assign(core, twice, Date.now()).variation;
    events.push(
      track(twice, 'experiment_viewed', new Date(t0).toISOString(), { experimentId: 'checkout-cta', variationId: tv }),
      track(twice, 'experiment_viewed', new Date(t0 + 1000).toISOString(), { experimentId: 'checkout-cta', variationId: 1 - tv }),
    );
    await ingest(stack, events);

    const done = await waitFor(async () => {
      const r = await gql(stack, ANALYSIS, { id: 'checkout-cta', engine: 'BAYESIAN' });
      const a = r.json.data?.experiment?.analysis;
      const views = a?.metrics[2].analysis?.variants.map((v: any) => v.mean * v.users);
      const want = expected.map((x) => x.views);
      return a && a.exposures[0] + a.exposures[1] === 120 && a.multipleExposures === 1 && views && Math.round(views[0]) === want[0] && Math.round(views[1]) === want[1] ? a : null;
    }, 'the analysis of all 120 exposures', 30_000);

    assert.deepEqual(done.exposures, expected.map((x) => x.users));
    const [purchase, revenue, views, refunds] = done.metrics;
    assert.deepEqual(
      purchase.analysis.variants.map((v: any) => Math.round(v.mean * v.users)),
      expected.map((x) => x.converted),
      'conversions within 24 h of exposure, duplicates and early or late orders left out',
    );
    assert.deepEqual(
      revenue.analysis.variants.map((v: any) => Math.round(v.mean * v.users * 100) / 100),
      expected.map((x) => x.revenue),
    );
    // The same summary statistics through the pure engine give the same figures.
    const independent = analyzeExperiment({
      metric: 'MEAN',
      engine: 'BAYESIAN',
      weights: [0.5, 0.5],
      variants: expected.map((x, i) => ({ name: ['control', 'green'][i]!, users: x.users, sum: x.revenue, sumSquares: x.revenueSquares })),
    });
    assert.ok(Math.abs(revenue.analysis.variants[1].chanceToWin - independent.variants[1]!.chanceToWin!) < 1e-9);
    assert.ok(Math.abs(revenue.analysis.variants[1].lift - independent.variants[1]!.lift!) < 1e-9);
    assert.equal(views.kind, 'COUNT');
    assert.deepEqual(refunds, { ...refunds, name: 'refunds', guardrail: true, guardrailStatus: ['OK', 'OK'] });
    assert.deepEqual(refunds.analysis.variants.map((v: any) => v.mean), [0, 0], 'no refunds at all');

    // Frequentist, with the correction across goal metrics.
    const f = await gql(stack, `{ experiment(id: "checkout-cta") { analysis(engine: FREQUENTIST, correction: HOLM_BONFERRONI) { metrics { analysis { variants { pValue adjustedPValue } } } } } }`);
    const arms = f.json.data.experiment.analysis.metrics.slice(0, 3).map((m: any) => m.analysis.variants[1]);
    for (const a of arms) assert.ok(a.adjustedPValue >= a.pValue, JSON.stringify(arms));
  });

  it('assignExperiment: GrowthBook-compatible, sticky, and its exposure is recorded once', async () => {
    const startAt = new Date(Date.now() - DAY).toISOString();
    const r = await create(stack, { key: 'server-side', name: 'Server side', variants: [{ key: 'control' }, { key: 'b' }], metrics: [{ name: 'purchase', kind: 'CONVERSION', event: 'order_completed' }], startAt });
    assert.ok(r.json.data, JSON.stringify(r.json.errors));
    const draft = await gql(stack, `mutation { assignExperiment(id: "server-side", userId: "sa-1") { inExperiment reason variationId } }`);
    assert.deepEqual(draft.json.data.assignExperiment, { inExperiment: false, reason: 'NOT_RUNNING', variationId: null });
    await start(stack, 'server-side');
    const core = asCore('server-side', startAt);
    const ids = Array.from({ length: 12 }, (_, i) => `sa-${i}`); // within the gateway's alias limit
    const query = `mutation { ${ids.map((u, i) => `a${i}: assignExperiment(id: "server-side", userId: "${u}") { variationId variationKey bucket inExperiment }`).join(' ')} }`;
    const first = await gql(stack, query);
    assert.ok(first.json.data, JSON.stringify(first.json.errors));
    const again = await gql(stack, query);
    assert.deepEqual(again.json.data, first.json.data, 'sticky');
    ids.forEach((u, i) => assert.equal(first.json.data[`a${i}`].variationId, assign(core, u, Date.now()).variation));
    const counts = [0, 0];
    for (const u of ids) counts[assign(core, u, Date.now()).variation]!++;
    const seen = await waitFor(async () => {
      const a = (await gql(stack, `{ experiment(id: "server-side") { analysis { exposures } } }`)).json.data?.experiment?.analysis;
      return a && a.exposures[0] + a.exposures[1] === ids.length ? a : null;
    }, 'the exposures');
    assert.deepEqual(seen.exposures, counts, 'two assignments of a user are one exposure');
  });

  it('refuses bad experiments with typed errors and keeps layers exclusive', async () => {
    const base = { name: 'x', variants: [{ key: 'a' }, { key: 'b' }], metrics: [{ name: 'm', kind: 'COUNT', event: 'login' }], startAt: new Date().toISOString() };
    const bad = [
      { ...base, key: 'w', variants: [{ key: 'a', weight: 0.5 }, { key: 'b', weight: 0.6 }] },
      { ...base, key: 'one', variants: [{ key: 'a' }] },
      { ...base, key: 'bad key!' },
      { ...base, key: 'ev', metrics: [{ name: 'm', kind: 'COUNT', event: 'Not Snake' }] },
      { ...base, key: 'stop', stopAt: '2000-01-01T00:00:00Z' },
    ];
    for (const input of bad) {
      const r = await create(stack, input);
      assert.equal(r.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${input.key}: ${JSON.stringify(r.json)}`);
    }
    assert.equal((await create(stack, { ...base, key: 'layer-a', namespace: { name: 'checkout', start: 0, end: 0.5 } })).json.errors, undefined);
    const dup = await create(stack, { ...base, key: 'layer-a' });
    assert.equal(dup.json.errors?.[0]?.extensions?.code, 'CONFLICT');
    const clash = await create(stack, { ...base, key: 'layer-b', namespace: { name: 'checkout', start: 0.4, end: 1 } });
    assert.equal(clash.json.errors?.[0]?.extensions?.code, 'CONFLICT', JSON.stringify(clash.json));
    assert.equal((await create(stack, { ...base, key: 'layer-c', namespace: { name: 'checkout', start: 0.5, end: 1 } })).json.errors, undefined);
    const missing = await gql(stack, `mutation { assignExperiment(id: "nope", userId: "u") { inExperiment } }`);
    assert.equal(missing.json.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const backwards = await gql(stack, `mutation { setExperimentStatus(id: "layer-a", status: STOPPED) { status } }`);
    assert.equal(backwards.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    // An experiment_viewed without its ids is refused alone; the rest of the batch is kept.
    const r = await postJson(stack.ingestUrl, { events: [track('v1', 'experiment_viewed', new Date().toISOString(), { variationId: 0 }), track('v1', 'login', new Date().toISOString())] }, stack.apiKey);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.accepted, 1, JSON.stringify(r.json));
  });
});

describe('a journey bandit on the local stack', () => {
  it('a THOMPSON split moves traffic to the arm that converts, and new enrollments follow the stored weights', async () => {
    const journey = {
      trigger: { kind: 'EVENT', event: 'bandit_entry' },
      start: 'offer',
      nodes: {
        offer: {
          type: 'RANDOM',
          allocation: 'THOMPSON',
          branches: [
            { percent: 34, next: 'w0' },
            { percent: 33, next: 'w1' },
            { percent: 33, next: 'w2' },
          ],
        },
        w0: { type: 'WAIT', duration: 'P30D', next: 'end' },
        w1: { type: 'WAIT', duration: 'P30D', next: 'end' },
        w2: { type: 'WAIT', duration: 'P30D', next: 'end' },
        end: { type: 'EXIT' },
      },
      goal: { event: 'bandit_goal', withinDays: 30 },
    };
    const created = await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "bandit", journey: $j }) { id } }', { j: journey });
    assert.ok(created.json.data, JSON.stringify(created.json.errors));
    const id = created.json.data.createCampaign.id as string;
    await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    await new Promise((r) => setTimeout(r, 1100)); // the journey functions' campaign cache (1 s in tests)

    const EXPERIMENT = `{ campaign(id: "${id}") { experiment { variants { users converted } allocation { weights bestArmProbabilities updates updatedAt } } } }`;
    const experimentNow = async () => (await gql(stack, EXPERIMENT)).json.data.campaign.experiment;
    const before = await experimentNow();
    assert.deepEqual(before.allocation, { weights: [0.34, 0.33, 0.33], bestArmProbabilities: null, updates: 0, updatedAt: null });

    /** Enters users (with the goals `goal(arm, i)` asks for, each right behind its user's entry) and returns the arm each took, from their enrollments' paths. */
    async function enter(prefix: string, count: number, goal?: (arm: number, i: number) => boolean): Promise<number[]> {
      const users = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
      const now = new Date().toISOString();
      // The arm under the starting split, by the engine's own hash (a campaign's seed is its id).
      const armAtStart = (u: string) => pickBranch(hashUnit(splitSeed(id, 'offer'), u), [34, 33, 33]);
      await ingest(
        stack,
        users.flatMap((u, i) => [track(u, 'bandit_entry', now), ...(goal?.(armAtStart(u), i) ? [track(u, 'bandit_goal', now)] : [])]),
      );
      const arms: number[] = [];
      for (let i = 0; i < users.length; i += 15) {
        const batch = users.slice(i, i + 15);
        const paths = await waitFor(async () => {
          const r = await gql(stack, `{ ${batch.map((u, k) => `u${k}: user(id: "${u}") { enrollments { campaignId path } }`).join(' ')} }`);
          const got = batch.map((_, k) => r.json.data?.[`u${k}`]?.enrollments?.find((e: any) => e.campaignId === id)?.path);
          return got.every((p) => p && p.length >= 2) ? got : null;
        }, `the enrollments of ${batch[0]}…`, 30_000);
        for (const p of paths) arms.push(Number(String(p[1]).slice(1)));
      }
      // Until the first reweighting (once every arm has 100 exposures, so never within the first 250 users) the
      // engine splits by the GrowthBook hash of the campaign id and node under the starting weights.
      if (goal) assert.deepEqual(arms.slice(0, 250), users.slice(0, 250).map(armAtStart), 'the engine splits by the GrowthBook hash of the campaign id and node');
      return arms;
    }

    // Arm 2 converts far better. Each goal travels right behind its user's entry (one user, one shard, in order), so
    // the tick that first sees 100 exposures an arm sees their conversions too: no reweighting on exposures alone.
    const first = await enter('bd', 390, (arm, i) => (arm === 2 ? i % 5 < 3 : i % 20 === 0));
    const perArm = [0, 1, 2].map((a) => first.filter((x) => x === a).length);
    assert.ok(perArm.every((n) => n >= 100), `every arm needs 100 exposures: ${perArm}`);
    const moved = await waitFor(async () => {
      const x = await experimentNow();
      return x.allocation.updates >= 1 ? x : null;
    }, 'the first reweighting', 40_000);
    const w = moved.allocation.weights as number[];
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9, `${w}`);
    assert.ok(w.every((x) => x >= 0.01), `the 1% floor: ${w}`);
    assert.ok(w[2]! > w[0]! && w[2]! > w[1]!, `arm 2 gains traffic: ${w}`);
    assert.ok(moved.allocation.bestArmProbabilities[2] > 0.99, JSON.stringify(moved.allocation));
    assert.ok(Date.parse(moved.allocation.updatedAt) > Date.now() - 60_000);

    await new Promise((r) => setTimeout(r, 1100)); // the journey functions read the new weights within their cache TTL
    // 600 entries: the new arm-2 share then sits about four standard deviations above the midpoint tested below.
    const later = await enter('bd2', 600);
    const share = later.filter((x) => x === 2).length / later.length;
    // Under the old split about a third would land in arm 2; under the new one about w[2].
    assert.ok(share > (0.33 + w[2]!) / 2, `share of new enrollments in arm 2: ${share} (weights ${w})`);
    const again = await experimentNow();
    assert.equal(again.allocation.updates, 1, 'no second reweighting within 15 minutes');
  });
});
