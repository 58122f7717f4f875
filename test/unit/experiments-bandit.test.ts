import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyFloor,
  computeBanditWeights,
  initialBanditState,
  mulberry32,
  updateBandit,
  type BanditConfig,
} from '../../core/experiments/bandit.js';
import { ExperimentInputError } from '../../core/experiments/stats/errors.js';

const T0 = Date.parse('2024-06-01T00:00:00Z');
const MIN = 60_000;
const cfg: BanditConfig = { metric: 'BINOMIAL', seed: 42 };

test('additive floor keeps every arm at ≥ 1% and sums to 1', () => {
  const p = applyFloor([1, 0, 0], 0.01);
  assert.deepEqual(p.map((x) => Math.round(x * 1e12) / 1e12), [0.98, 0.01, 0.01]);
  assert.deepEqual(applyFloor([0.5, 0.5], 0.6), [0.5, 0.5]);
});

test('weights are deterministic for a seed and favour the better arm', () => {
  const arms = [
    { users: 2000, sum: 200 },
    { users: 2000, sum: 220 },
    { users: 2000, sum: 280 },
  ];
  const a = computeBanditWeights(arms, { ...cfg, seed: 7 });
  const b = computeBanditWeights(arms, { ...cfg, seed: 7 });
  assert.deepEqual(a, b);
  assert.ok(Math.abs(a.weights.reduce((s, w) => s + w, 0) - 1) < 1e-12);
  assert.ok(a.weights[2] > a.weights[1] && a.weights[1] > a.weights[0]);
  assert.ok(a.weights.every((w) => w >= 0.01 - 1e-12));
  assert.ok(a.bestArmProbabilities[2] > 0.99);
  // top-two gives the clear winner at most about half the traffic; plain Thompson gives it nearly all
  assert.ok(a.weights[2] < 0.52);
  const plain = computeBanditWeights(arms, { ...cfg, seed: 7, topTwo: false });
  assert.ok(plain.weights[2] > 0.97);
});

test('with two arms top-two Thompson is always an even split (as in GrowthBook)', () => {
  const w = computeBanditWeights([{ users: 1000, sum: 10 }, { users: 1000, sum: 300 }], cfg).weights;
  assert.deepEqual(w, [0.5, 0.5]);
});

test('Gaussian posteriors for MEAN arms, and inverse metrics prefer the lower mean', () => {
  const arms = [
    { users: 500, sum: 500 * 10, sumSquares: 500 * (100 + 4) },
    { users: 500, sum: 500 * 11, sumSquares: 500 * (121 + 4) },
  ];
  const up = computeBanditWeights(arms, { metric: 'MEAN', seed: 1, topTwo: false });
  const down = computeBanditWeights(arms, { metric: 'MEAN', seed: 1, topTwo: false, inverse: true });
  assert.ok(up.bestArmProbabilities[1] > 0.99);
  assert.ok(down.bestArmProbabilities[0] > 0.99);
});

test('updates need ≥ 100 exposures per arm and at most one per 15 minutes', () => {
  let state = initialBanditState(3);
  const few = [
    { users: 99, sum: 5 },
    { users: 300, sum: 30 },
    { users: 300, sum: 60 },
  ];
  let r = updateBandit(state, few, T0, cfg);
  assert.equal(r.reason, 'NOT_ENOUGH_UNITS');
  assert.equal(r.state, state);

  const enough = [
    { users: 300, sum: 15 },
    { users: 300, sum: 30 },
    { users: 300, sum: 60 },
  ];
  r = updateBandit(state, enough, T0, cfg);
  assert.equal(r.reason, 'UPDATED');
  state = r.state;
  assert.equal(state.updatedAt, T0);
  assert.ok(state.weights[2] > state.weights[1] && state.weights[1] > state.weights[0]);

  r = updateBandit(state, enough, T0 + 14 * MIN, cfg);
  assert.equal(r.reason, 'TOO_SOON');
  assert.deepEqual(r.state, state);

  const again = updateBandit(state, enough, T0 + 15 * MIN, cfg);
  assert.equal(again.reason, 'UPDATED');
  assert.equal(again.state.updates, 2);
  assert.notEqual(again.state.seed, state.seed);
  // replaying the same step from the same state gives the same stored weights
  assert.deepEqual(updateBandit(state, enough, T0 + 15 * MIN, cfg), again);
  // and the stored seed reproduces them
  assert.deepEqual(computeBanditWeights(enough, { ...cfg, seed: again.state.seed }).weights, again.state.weights);
});

test('bad bandit input throws ExperimentInputError', () => {
  assert.throws(() => initialBanditState(1), ExperimentInputError);
  assert.throws(() => computeBanditWeights([{ users: 10, sum: 11 }, { users: 10, sum: 1 }], cfg), ExperimentInputError);
  assert.throws(() => computeBanditWeights([{ users: 10, sum: 1 }, { users: 10, sum: 1 }], { ...cfg, metric: 'MEAN' }), ExperimentInputError);
  assert.throws(() => updateBandit(initialBanditState(3), [{ users: 1, sum: 0 }, { users: 1, sum: 0 }], T0, cfg), ExperimentInputError);
});

test('seeded RNG is uniform-ish and reproducible', () => {
  const a = mulberry32(123);
  const b = mulberry32(123);
  let sum = 0;
  for (let i = 0; i < 10000; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
});
