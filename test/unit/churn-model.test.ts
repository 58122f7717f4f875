import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProfiles } from '../../core/churn/activity.js';
import { parseArtifact } from '../../core/churn/artifact.js';
import { extractFeatures, FEATURE_COUNT } from '../../core/churn/features.js';
import { bandOf, contributions, loadModel, predictFeatures, score } from '../../core/churn/model.js';
import { evaluateAtCutoff } from '../../core/churn/train/evaluate.js';
import { cutoffAsOf } from '../../core/churn/train/protocol.js';
import { trainChurnModel } from '../../core/churn/train/recipe.js';
import { generateSyntheticLog } from '../../core/churn/train/synthetic.js';
import { splitCsvRecord } from '../../core/data/csv.js';
import { parseTimestamp, type Order } from '../../core/data/transactions.js';

// A tiny synthetic log (400 customers over a year) keeps the whole train under a few seconds.
function tinyOrders(): Order[] {
  const lines = generateSyntheticLog({ customers: 400, seed: 3, start: '2022-01-01', days: 365, r: 0.8, alpha: 30, a: 1, b: 4 });
  const byInvoice = new Map<string, Order>();
  for (const line of lines.slice(1)) {
    const [id, user, ts, qty, price] = splitCsvRecord(line) as string[];
    if (user === '') continue;
    const o = byInvoice.get(id);
    if (o) o.amount += Math.abs(+qty * +price);
    else byInvoice.set(id, { userId: user, orderId: id, at: parseTimestamp(ts), amount: Math.abs(+qty * +price), refund: id.startsWith('C') });
  }
  return [...byInvoice.values()].sort((a, b) => a.at - b.at);
}

const orders = tinyOrders();
const asOf = cutoffAsOf('2022-09-30');
const artifact = trainChurnModel({ orders, evaluationAsOf: asOf, dataFile: 'synthetic', dataSha256: 'none' });

test('training is deterministic: same data, same artifact and version', () => {
  const again = trainChurnModel({ orders, evaluationAsOf: asOf, dataFile: 'synthetic', dataSha256: 'none' });
  assert.equal(again.version, artifact.version);
  assert.deepEqual(again, artifact);
  assert.match(artifact.version, /^churn-blend-[0-9a-f]{12}$/);
  assert.ok(artifact.training.trainingCutoffs.every((c) => cutoffAsOf(c) + 90 * 86_400_000 <= asOf));
});

test('a model survives a JSON round trip and scores identically', () => {
  const a = loadModel(artifact);
  const b = loadModel(JSON.parse(JSON.stringify(artifact)));
  for (const p of buildProfiles(orders, asOf).values()) {
    assert.deepEqual(score(a, p, asOf), score(b, p, asOf));
  }
});

test('score() is the same computation as features + predictFeatures, and contributions add up', () => {
  const model = loadModel(artifact);
  let scored = 0;
  for (const p of buildProfiles(orders, asOf).values()) {
    const s = score(model, p, asOf);
    const x = extractFeatures(p, asOf, model.ctx);
    if (x === null) {
      assert.equal(s, null);
      continue;
    }
    assert.ok(s);
    scored++;
    const { probability } = predictFeatures(model, x);
    assert.equal(s.probability, probability);
    assert.equal(score(model, p, asOf, { reasons: false })?.probability, probability);
    assert.equal(s.band, bandOf(model, probability));
    assert.equal(s.modelVersion, artifact.version);
    assert.ok(s.reasons.length > 0 && s.reasons.length <= 3);
    for (const r of s.reasons) assert.match(r, / — (raises|lowers) risk$/);
    const c = new Float64Array(FEATURE_COUNT);
    const logOdds = contributions(model, x, c);
    assert.ok(Math.abs(1 / (1 + Math.exp(-logOdds)) - probability) < 1e-12);
  }
  assert.ok(scored > 50);
});

test('the recipe learns something on synthetic BG/NBD customers', () => {
  const ev = evaluateAtCutoff(loadModel(artifact), orders, asOf);
  assert.ok(ev.model.auc > 0.7, `auc ${ev.model.auc}`);
  assert.ok(ev.recency.auc > 0.5);
});

test('artifact validation rejects malformed models', () => {
  assert.throws(() => parseArtifact({ ...artifact, schema: 'other' }));
  assert.throws(() => parseArtifact({ ...artifact, bands: { medium: 0.9, high: 0.5 } }));
  const badTree = { ...artifact.gbm.trees[0], left: artifact.gbm.trees[0].left.slice(1) };
  assert.throws(() => parseArtifact({ ...artifact, gbm: { ...artifact.gbm, trees: [badTree] } }));
  assert.throws(() => loadModel({ ...artifact, features: [...artifact.features].reverse() }), /feature list/);
  assert.throws(() => parseArtifact({ ...artifact, logistic: { ...artifact.logistic, coef: [1] } }), /logistic.coef/);
});
