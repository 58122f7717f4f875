/**
 * Churn inference throughput on one core: feature extraction alone, features + probability, and the full `score`
 * with reasons, side by side. Profiles are folded from the UCI Online Retail file at 2011-09-09 (the real shape of
 * day buckets), falling back to synthetic ones when the file is absent.
 *
 *   npx tsx bench/churn-inference.ts [--model models/churn-model.json] [--iterations 500000]
 *
 * Prints one JSON line per figure.
 */
import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildProfiles } from '../tools/churn-training/activity.js';
import { extractFeatures, FEATURE_COUNT } from '../core/churn/features.js';
import { loadModelFile, predictFeatures, score } from '../core/churn/model.js';
import { cutoffAsOf } from '../tools/churn-training/protocol.js';
import { generateSyntheticLog, SYNTHETIC_DEFAULTS } from '../tools/churn-training/synthetic.js';
import { ONLINE_RETAIL_COLUMNS, readOrders, type Order } from '../tools/data/transactions.js';
import type { ChurnProfile } from '../core/churn/types.js';
import { splitCsvRecord } from '../tools/data/csv.js';
import { ONLINE_RETAIL_CSV } from '../tools/data/onlineRetail.js';
import { parseTimestamp } from '../tools/data/transactions.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { model: { type: 'string' }, iterations: { type: 'string' } } });
const model = await loadModelFile(values.model ?? resolve(root, 'models/churn-model.json'));
const iterations = Number(values.iterations ?? 500_000);

let profiles: ChurnProfile[];
let asOf: number;
let source: string;
const csv = ONLINE_RETAIL_CSV;
if (existsSync(csv)) {
  const { orders } = await readOrders({ path: csv, ...ONLINE_RETAIL_COLUMNS });
  asOf = cutoffAsOf('2011-09-09');
  profiles = [...buildProfiles(orders, asOf).values()].filter((p) => p.orders.count > 0);
  source = 'online_retail@2011-09-09';
} else {
  const lines = generateSyntheticLog({ ...SYNTHETIC_DEFAULTS, customers: 3000 });
  const orders: Order[] = lines.slice(1).map((l, i) => {
    const [id, user, ts, qty, price] = splitCsvRecord(l) as string[];
    return { userId: user, orderId: `${id}-${i}`, at: parseTimestamp(ts), amount: Math.abs(+qty * +price), refund: id.startsWith('C') };
  }).filter((o) => o.userId !== '');
  asOf = Date.parse('2023-10-01T23:59:59.999Z');
  profiles = [...buildProfiles(orders, asOf).values()].filter((p) => p.orders.count > 0);
  source = 'synthetic';
}
const avgDays = profiles.reduce((s, p) => s + Object.keys(p.days).length, 0) / profiles.length;

function run(name: string, fn: (p: ChurnProfile) => number): void {
  let sink = 0;
  for (let i = 0; i < Math.min(iterations, 20_000); i++) sink += fn(profiles[i % profiles.length]); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += fn(profiles[i % profiles.length]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${JSON.stringify({
    bench: 'churn_inference', variant: name, profiles: iterations, seconds: +seconds.toFixed(3),
    profiles_per_second: Math.round(iterations / seconds), source, distinct_profiles: profiles.length,
    avg_day_buckets: +avgDays.toFixed(1), trees: model.roots.length, model_version: model.version, checksum: +sink.toFixed(6),
  })}\n`);
}

const x = new Float64Array(FEATURE_COUNT);
run('features_only', (p) => extractFeatures(p, asOf, model.ctx, x)?.[0] ?? 0);
run('features_and_probability', (p) => {
  const v = extractFeatures(p, asOf, model.ctx, x);
  return v ? predictFeatures(model, v).probability : 0;
});
run('score_with_reasons', (p) => score(model, p, asOf)?.probability ?? 0);
