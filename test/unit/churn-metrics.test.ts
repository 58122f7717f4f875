import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc, brier, calibrationTable, logLoss, topLift } from '../../tools/churn-training/metrics.js';
import { churnLabel, cutoffAsOf, cutoffDate, defaultCutoff, trainingCutoffs } from '../../tools/churn-training/protocol.js';
import { nelderMead } from '../../tools/churn-training/bgnbdFit.js';

test('auc on known cases, ties counted as half', () => {
  assert.equal(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.equal(auc([1, 2, 3], [0, 1, 1]), 1);
  assert.equal(auc([3, 2, 1], [0, 1, 1]), 0);
  assert.equal(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
  assert.equal(auc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1]), 0.875);
  assert.ok(Number.isNaN(auc([1, 2], [1, 1])));
});

test('log loss, Brier, lift and calibration on tiny cases', () => {
  assert.ok(Math.abs(logLoss([0.5, 0.5], [0, 1]) - Math.LN2) < 1e-12);
  assert.ok(Number.isFinite(logLoss([0, 1], [1, 0]))); // clipped, not infinite
  assert.ok(Math.abs(brier([1, 0, 0.5], [1, 0, 1]) - 0.25 / 3) < 1e-12);
  assert.equal(topLift([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], 0.5), 2);
  assert.equal(topLift([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0.5), 0);
  assert.deepEqual(calibrationTable([0.1, 0.9, 0.2, 0.8], [0, 1, 1, 1], 2), [
    { decile: 1, count: 2, meanPredicted: 0.15000000000000002, observedRate: 0.5 },
    { decile: 2, count: 2, meanPredicted: 0.8500000000000001, observedRate: 1 },
  ]);
});

test('protocol: cutoff instants, training cutoffs and labels', () => {
  const T = cutoffAsOf('2011-09-09');
  assert.equal(new Date(T).toISOString(), '2011-09-09T23:59:59.999Z');
  assert.equal(defaultCutoff(Date.parse('2011-12-09T12:50:00Z'), 90), '2011-09-09');
  const cuts = trainingCutoffs(T, Date.parse('2010-12-01T08:26:00Z'), { horizonDays: 90, stepDays: 30, minHistoryDays: 60, maxCutoffs: 12 });
  assert.deepEqual(cuts.map(cutoffDate), ['2011-06-11', '2011-05-12', '2011-04-12', '2011-03-13', '2011-02-11']);
  for (const c of cuts) assert.ok(c + 90 * 86_400_000 <= T); // every label window ends by T
  assert.equal(churnLabel(undefined, T, 90), 1);
  assert.equal(churnLabel([Date.parse('2011-09-09T12:00:00Z')], T, 90), 1); // on the cutoff day: before, not after
  assert.equal(churnLabel([Date.parse('2011-09-10T00:00:00Z')], T, 90), 0);
  assert.equal(churnLabel([T + 90 * 86_400_000], T, 90), 0); // window end is inclusive
  assert.equal(churnLabel([T + 90 * 86_400_000 + 1], T, 90), 1);
});

test('nelderMead finds a quadratic minimum', () => {
  const [a, b] = nelderMead(([x, y]) => (x - 1) ** 2 + (y + 2) ** 2, [0, 0]);
  assert.ok(Math.abs(a - 1) < 1e-4 && Math.abs(b + 2) < 1e-4);
});
