import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, FEATURE_COUNT, FEATURE_NAMES, extractFeatures } from '../../core/churn/features.js';
import { contributions, loadModelFile } from '../../core/churn/model.js';
import { explain, FEATURE_GROUP } from '../../core/churn/reasons.js';
import { buildProfiles } from '../../tools/churn-training/activity.js';
import { cutoffAsOf } from '../../tools/churn-training/protocol.js';
import { generateSyntheticLog } from '../../tools/churn-training/synthetic.js';
import { splitCsvRecord } from '../../tools/data/csv.js';
import { parseTimestamp, type Order } from '../../tools/data/transactions.js';

type Values = Partial<Record<(typeof FEATURE_NAMES)[number], number>>;

/** A feature vector of a repeat buyer, with `values` on top. */
function features(values: Values): Float64Array {
  const x = new Float64Array(FEATURE_COUNT);
  Object.assign(x, {
    [F.recency_days]: 20, [F.gap_mean_days]: 30, [F.log_orders]: Math.log1p(5), [F.order_days_365]: 5, [F.order_days_90]: 2,
    [F.trend_90]: 0, [F.log_revenue]: Math.log1p(900), [F.log_avg_order_value]: Math.log1p(180), [F.tenure_days]: 300,
    [F.bgnbd_p_alive]: 0.9, [F.bgnbd_p_no_purchase]: 0.3,
  });
  for (const [name, v] of Object.entries(values)) x[F[name as keyof typeof F]] = v;
  return x;
}

/** Contributions that put `amount` on one feature of each named group (the rest zero). */
function contributionsOf(byFeature: Values): Float64Array {
  const c = new Float64Array(FEATURE_COUNT);
  for (const [name, v] of Object.entries(byFeature)) c[F[name as keyof typeof F]] = v;
  return c;
}

const GROUP_OF_REASON: Array<[RegExp, string]> = [
  [/^(No purchase for|Last purchase)/, 'recency'],
  [/ orders? in total/, 'frequency'],
  [/^Spent /, 'monetary'],
  [/ in the 90 before$/, 'trend'],
  [/^(Refunds on|No refunds)/, 'refunds'],
  [/^Customer for/, 'tenure'],
  [/from purchase pattern/, 'pattern'],
];

/**
 * Checks that a reason reads true on its own: its direction is the sign of its group's summed contribution, and
 * no figure it states reads against that direction. Returns the group.
 */
function assertConsistent(reason: string, sums: Record<string, number>): string {
  const m = / — (raises|lowers) risk$/.exec(reason);
  assert.ok(m, reason);
  const raises = m[1] === 'raises';
  const text = reason.slice(0, m.index);
  const group = GROUP_OF_REASON.find(([re]) => re.test(text))?.[1];
  assert.ok(group, `no group for "${reason}"`);
  assert.equal(sums[group]! > 0, raises, `"${reason}": the group's contribution is ${sums[group]}`);
  const alive = /still active from purchase pattern is (\d+)%/.exec(text);
  if (alive) assert.ok(raises ? +alive[1]! <= 50 : +alive[1]! >= 50, `"${reason}": P(alive) reads against the direction`);
  const quiet = /no purchase in the next \d+ days(?: from purchase pattern is|:) (\d+)%/.exec(text);
  if (quiet) assert.ok(raises ? +quiet[1]! >= 50 : +quiet[1]! <= 50, `"${reason}": P(no purchase) reads against the direction`);
  if (/longer than the typical gap/.test(text)) assert.ok(raises, reason);
  if (/within the typical gap/.test(text)) assert.ok(!raises, reason);
  const trend = /^(\d+) purchase days? in the last 90 days against (\d+) in the 90 before$/.exec(text);
  if (trend) assert.ok(raises ? +trend[1]! <= +trend[2]! : +trend[1]! >= +trend[2]!, `"${reason}": the trend reads against the direction`);
  if (/^1 order in total/.test(text)) assert.ok(raises, reason);
  return group;
}

function groupSums(c: ArrayLike<number>): Record<string, number> {
  const sums: Record<string, number> = {};
  FEATURE_NAMES.forEach((n, i) => (sums[FEATURE_GROUP[n]] = (sums[FEATURE_GROUP[n]] ?? 0) + c[i]!));
  return sums;
}

test('a one-time buyer\'s P(alive) of 1 is never said to raise the risk: the no-purchase chance is', () => {
  const x = features({ log_orders: Math.log1p(1), order_days_365: 1, order_days_90: 1, bgnbd_p_alive: 1, bgnbd_p_no_purchase: 0.72 });
  const reasons = explain(x, contributionsOf({ bgnbd_p_alive: 0.3, bgnbd_p_no_purchase: 0.2 }));
  assert.deepEqual(reasons, ['Chance of no purchase in the next 90 days from purchase pattern is 72% — raises risk']);
});

test('a high P(alive) that lowers the risk says so, with the no-purchase chance', () => {
  const x = features({ bgnbd_p_alive: 0.96, bgnbd_p_no_purchase: 0.29 });
  assert.deepEqual(explain(x, contributionsOf({ bgnbd_p_alive: -0.4 })), [
    'Probability still active from purchase pattern is 96% (no purchase in the next 90 days: 29%) — lowers risk',
  ]);
  // A low P(alive) may raise it, and is named.
  const low = features({ bgnbd_p_alive: 0.3, bgnbd_p_no_purchase: 0.85 });
  assert.deepEqual(explain(low, contributionsOf({ bgnbd_p_no_purchase: 0.4 }), 3, 60), [
    'Probability still active from purchase pattern is 30% (no purchase in the next 60 days: 85%) — raises risk',
  ]);
});

test('recency is worded against the typical gap, in the direction it moves the score', () => {
  assert.deepEqual(explain(features({ recency_days: 74, gap_mean_days: 21 }), contributionsOf({ recency_days: 0.8 })), [
    'No purchase for 74 days, longer than the typical gap of 21 days — raises risk',
  ]);
  assert.deepEqual(explain(features({ recency_days: 12, gap_mean_days: 30 }), contributionsOf({ overdue_ratio: -0.8 })), [
    'Last purchase 12 days ago, within the typical gap of 30 days — lowers risk',
  ]);
});

test('a group whose values read against its direction is left out for the next one', () => {
  // Purchases rising, yet the trend group raises the risk; a 30% no-purchase chance, yet the pattern raises it.
  const x = features({ order_days_90: 3, trend_90: Math.log(4 / 2), bgnbd_p_no_purchase: 0.3 });
  const reasons = explain(x, contributionsOf({ trend_90: 0.9, bgnbd_p_alive: 0.7, tenure_days: -0.2, log_revenue: 0.1 }));
  assert.deepEqual(reasons, ['Customer for 300 days — lowers risk', 'Spent 900 in total (180 per order) — raises risk']);
  // The same trend lowering the risk reads true and is kept.
  assert.deepEqual(explain(x, contributionsOf({ trend_90: -0.9 })), ['3 purchase days in the last 90 days against 1 in the 90 before — lowers risk']);
});

test('every reason of the shipped model reads true against its contribution, for many profiles', async () => {
  const model = await loadModelFile(new URL('../../models/churn-model.json', import.meta.url).pathname);
  const lines = generateSyntheticLog({ customers: 600, seed: 11, start: '2022-01-01', days: 365, r: 0.8, alpha: 30, a: 1, b: 4 });
  const byInvoice = new Map<string, Order>();
  for (const line of lines.slice(1)) {
    const [id, user, ts, qty, price] = splitCsvRecord(line) as string[];
    if (user === '') continue;
    const o = byInvoice.get(id!);
    if (o) o.amount += Math.abs(+qty! * +price!);
    else byInvoice.set(id!, { userId: user!, orderId: id!, at: parseTimestamp(ts!), amount: Math.abs(+qty! * +price!), refund: id!.startsWith('C') });
  }
  const orders = [...byInvoice.values()].sort((a, b) => a.at - b.at);
  const seen = new Map<string, Set<string>>();
  let scored = 0;
  for (const date of ['2022-04-30', '2022-09-30', '2022-12-31']) {
    const asOf = cutoffAsOf(date);
    for (const profile of buildProfiles(orders, asOf).values()) {
      const x = extractFeatures(profile, asOf, model.ctx);
      if (!x) continue;
      const c = new Float64Array(FEATURE_COUNT);
      contributions(model, x, c);
      const sums = groupSums(c);
      const reasons = explain(x, c, 3, model.ctx.horizonDays);
      assert.ok(reasons.length > 0 && reasons.length <= 3);
      for (const r of reasons) {
        const group = assertConsistent(r, sums);
        if (!seen.has(group)) seen.set(group, new Set());
        seen.get(group)!.add(r.endsWith('raises risk') ? 'raises' : 'lowers');
      }
      scored++;
    }
  }
  assert.ok(scored > 500, `scored ${scored}`);
  // Both directions of the pattern and recency reasons occur, so the checks above were exercised.
  assert.deepEqual([...(seen.get('pattern') ?? [])].sort(), ['lowers', 'raises']);
  assert.deepEqual([...(seen.get('recency') ?? [])].sort(), ['lowers', 'raises']);
});
