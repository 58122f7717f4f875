/**
 * Experiments benchmarks, one JSON line per figure:
 *  - analyzeExperiment latency for 10 arms × 5 metrics (one call per metric, then Holm–Bonferroni across all arms
 *    and metrics), median and p99, for the frequentist and Bayesian engines side by side;
 *  - assignments per second (hash v2 + bucket ranges), with and without a namespace;
 *  - bandit regret vs a fixed equal split on a 3-arm Bernoulli problem over 10 seeds (same users, same outcomes).
 *
 *   npx tsx bench/experiments.ts [--runs 2000] [--assignments 2000000] [--users 30000] [--batch 500]
 */
import { assignVariation, getBucketRanges, chooseVariation, hash } from '../core/experiments/hash.js';
import { initialBanditState, mulberry32, updateBandit, type BanditArm } from '../core/experiments/bandit.js';
import { analyzeExperiment, correctAcrossMetrics, type ExperimentInput } from '../core/experiments/stats/index.js';
import { arg, percentile, report } from './support.js';

const runs = arg('runs', 2000);
const assignments = arg('assignments', 2_000_000);
const users = arg('users', 30_000);
const batch = arg('batch', 500);

// ---- analyzeExperiment: 10 arms × 5 metrics ----
function metricInputs(engine: ExperimentInput['engine']): ExperimentInput[] {
  const rng = mulberry32(99);
  const inputs: ExperimentInput[] = [];
  for (let m = 0; m < 5; m++) {
    const binomial = m % 2 === 0;
    const cuped = m === 3;
    const variants = Array.from({ length: 10 }, (_, i) => {
      const n = 10_000 + Math.floor(rng() * 500);
      const mean = binomial ? 0.1 + 0.002 * i : 20 + 0.3 * i;
      const sum = binomial ? Math.round(n * mean) : n * mean;
      const sumSquares = binomial ? sum : n * (mean * mean + 25);
      return {
        name: `v${i}`,
        users: n,
        sum,
        sumSquares,
        ...(cuped ? { preSum: n * 18, preSumSquares: n * (18 * 18 + 20), sumProduct: n * (18 * mean + 15) } : {}),
      };
    });
    inputs.push({ metric: binomial ? 'BINOMIAL' : 'MEAN', engine, variants });
  }
  return inputs;
}

for (const engine of ['FREQUENTIST', 'BAYESIAN'] as const) {
  const inputs = metricInputs(engine);
  const times: number[] = [];
  for (let r = 0; r < runs + 100; r++) {
    const t = process.hrtime.bigint();
    const analyses = inputs.map((i) => analyzeExperiment(i));
    if (engine === 'FREQUENTIST') correctAcrossMetrics(analyses, 'HOLM_BONFERRONI');
    const us = Number(process.hrtime.bigint() - t) / 1000;
    if (r >= 100) times.push(us); // first 100 runs are warm-up
  }
  times.sort((a, b) => a - b);
  report({
    figure: 'analyzeExperiment_latency',
    engine,
    arms: 10,
    metrics: 5,
    runs,
    median_us: +percentile(times, 50).toFixed(1),
    p99_us: +percentile(times, 99).toFixed(1),
  });
}

// ---- assignments per second ----
{
  const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}-${(i * 2654435761) >>> 0}`);
  const spec = { seed: 'exp-bench', numVariations: 3, weights: [0.5, 0.3, 0.2] };
  const nsSpec = { ...spec, namespace: ['layer-1', 0, 0.5] as [string, number, number] };
  const ranges = getBucketRanges(3, 1, spec.weights);
  const cases: [string, (id: string) => number][] = [
    ['hash_v2_precomputed_ranges', (id) => chooseVariation(hash('exp-bench', id, 2) as number, ranges)],
    ['assignVariation', (id) => assignVariation(spec, id)],
    ['assignVariation_namespace', (id) => assignVariation(nsSpec, id)],
  ];
  for (const [name, fn] of cases) {
    let sink = 0;
    for (let i = 0; i < 200_000; i++) sink += fn(ids[i % ids.length]); // warm-up
    const t = process.hrtime.bigint();
    for (let i = 0; i < assignments; i++) sink += fn(ids[i % ids.length]);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    report({ figure: 'assignments_per_second', variant: name, assignments, per_second: Math.round(assignments / s), checksum: sink });
  }
}

// ---- bandit regret vs equal split ----
{
  const p = [0.1, 0.11, 0.13];
  const best = Math.max(...p);
  const seeds = 10;
  const regrets = { bandit: [] as number[], equal: [] as number[] };
  const t0 = Date.parse('2024-06-01T00:00:00Z');
  const batchMs = 15 * 60_000; // one batch of users per 15-minute window: the bandit may update once per batch
  for (let s = 1; s <= seeds; s++) {
    const outcome = mulberry32(1000 + s); // shared stream: user i converts if u_i < p[arm]
    const u = Float64Array.from({ length: users }, () => outcome());
    const run = (adaptive: boolean) => {
      let state = initialBanditState(p.length);
      const arms: BanditArm[] = p.map(() => ({ users: 0, sum: 0 }));
      let regret = 0;
      for (let i = 0; i < users; i++) {
        if (adaptive && i > 0 && i % batch === 0) {
          state = updateBandit(state, arms, t0 + (i / batch) * batchMs, { metric: 'BINOMIAL', seed: s }).state;
        }
        const ranges = getBucketRanges(p.length, 1, state.weights);
        const arm = chooseVariation(hash(`bandit-bench-${s}`, `u${i}`, 2) as number, ranges);
        const a = arm < 0 ? ranges.length - 1 : arm; // hash < 1, but guard the float edge of the last range
        arms[a].users++;
        if (u[i] < p[a]) arms[a].sum++;
        regret += best - p[a];
      }
      return { regret, state };
    };
    const bandit = run(true);
    regrets.bandit.push(bandit.regret);
    regrets.equal.push(run(false).regret);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mb = mean(regrets.bandit);
  const me = mean(regrets.equal);
  report({
    figure: 'bandit_regret',
    arms: p,
    users_per_seed: users,
    batch_users_per_15min: batch,
    seeds,
    mean_regret_bandit: +mb.toFixed(1),
    mean_regret_equal_split: +me.toFixed(1),
    ratio_bandit_to_equal: +(mb / me).toFixed(3),
    regret_bandit_by_seed: regrets.bandit.map((r) => +r.toFixed(1)),
  });
}
