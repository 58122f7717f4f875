import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProfiles } from '../../tools/churn-training/activity.js';
import { mulberry32 } from '../../tools/churn-training/random.js';
import { parseArtifact } from '../../core/churn/artifact.js';
import { extractFeatures, FEATURE_COUNT } from '../../core/churn/features.js';
import { bandOf, contributions, loadModel, predictFeatures, score } from '../../core/churn/model.js';
import { evaluateAtCutoff } from '../../tools/churn-training/evaluate.js';
import { cutoffAsOf, cutoffDate } from '../../tools/churn-training/protocol.js';
import { trainChurnModel } from '../../tools/churn-training/recipe.js';
import { generateSyntheticLog } from '../../tools/churn-training/synthetic.js';
import { splitCsvRecord } from '../../tools/data/csv.js';
import { parseTimestamp, type Order } from '../../tools/data/transactions.js';
import { foldEvent } from '../../core/profile/fold.js';
import { emptyProfile } from '../../core/profile/types.js';

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

test('live profiles score exactly like training profiles, whatever non-purchase events they also folded', () => {
  // Every customer's orders and refunds as the replay sends them, plus logins and page views at random times from
  // before the first order up to asOf (half of them log in at asOf itself): the score must not move.
  const model = loadModel(artifact);
  const rand = mulberry32(99);
  type LiveEvent = Parameters<typeof foldEvent>[1];
  const byUser = new Map<string, LiveEvent[]>();
  orders.forEach((o, i) => {
    if (o.at > asOf) return;
    const events = byUser.get(o.userId) ?? [];
    byUser.set(o.userId, events);
    events.push({
      type: 'track', event: o.refund ? 'order_refunded' : 'order_completed', eventId: `o${i}`, userId: o.userId,
      timestamp: new Date(o.at).toISOString(), properties: { orderId: o.orderId, revenue: o.amount },
    });
  });
  const trained = buildProfiles(orders, asOf);
  let compared = 0;
  let k = 0;
  for (const [user, events] of byUser) {
    const first = Math.min(...events.map((e) => Date.parse(e.timestamp)));
    const extra = 1 + Math.floor(rand() * 8);
    for (let j = 0; j < extra; j++) {
      const at = first - 60 * 86_400_000 + rand() * (asOf - first + 60 * 86_400_000);
      events.push({ type: 'track', event: rand() < 0.5 ? 'login' : 'product_viewed', eventId: `x${k++}`, userId: user, timestamp: new Date(Math.floor(at)).toISOString() });
    }
    if (rand() < 0.5) events.push({ type: 'track', event: 'login', eventId: `x${k++}`, userId: user, timestamp: new Date(asOf).toISOString() });
    events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    const live = emptyProfile(user);
    for (const e of events) foldEvent(live, e);
    const expected = score(model, trained.get(user)!, asOf);
    assert.deepEqual(score(model, live, asOf), expected, user);
    if (expected) compared++;
  }
  assert.ok(compared > 200, `compared ${compared}`);
});

test('training and evaluation refuse label windows that run past the data', () => {
  const lastAt = Math.max(...orders.map((o) => o.at));
  const last = new Date(lastAt).toISOString();
  const lastDay = cutoffDate(lastAt);
  // Evaluation reads (T, T + 90 days]: a cutoff 89 days before the last day leaves part of that window unseen.
  const late = cutoffAsOf(lastDay) - 89 * 86_400_000;
  assert.throws(() => evaluateAtCutoff(loadModel(artifact), orders, late), (err: Error) => {
    assert.match(err.message, new RegExp(`cutoff ${cutoffDate(late)} with a 90-day horizon: the label window ends .* after the last transaction \\(${last}\\)`));
    return true;
  });
  // Training reads windows ending by T: T may be as late as the day before the last transaction, not after it.
  const base = { orders, dataFile: 'synthetic', dataSha256: 'none' };
  assert.throws(() => trainChurnModel({ ...base, evaluationAsOf: cutoffAsOf(lastDay) }), /the latest training label window ends .* after the last transaction/);
  assert.throws(() => trainChurnModel({ ...base, evaluationAsOf: cutoffAsOf('2030-01-01') }), /cutoff 2030-01-01 with a 90-day horizon/);
});
