/**
 * Golden tests of the experiments stats engine against gbstats 0.8.0 (GrowthBook commit c6b15529f6, 2024-06-20).
 * Expected numbers are copied from GrowthBook's own tests at that commit; each block names its source file:
 *   packages/stats/tests/frequentist/test_tests.py, packages/stats/tests/bayesian/test_tests.py,
 *   packages/stats/tests/test_gbstats.py, packages/stats/tests/test_shared_models.py,
 *   packages/back-end/test/stats.test.ts (SRM), packages/front-end/test/experiments.test.ts (corrections).
 * gbstats rounds to 5 (test_tests.py) or 9 (test_gbstats.py) decimals; we compare within 1e-5.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  adjustBenjaminiHochberg,
  adjustHolmBonferroni,
  analyzeExperiment,
  bayesianTest,
  computeTheta,
  correctAcrossMetrics,
  ExperimentInputError,
  FLAT_PRIOR,
  momentsOf,
  proportion,
  sampleMean,
  sequentialTTest,
  srmPValue,
  twoSidedTTest,
  type ExperimentInput,
  type VariantInput,
} from '../../core/experiments/stats/index.js';
import { cupedPair } from '../../core/experiments/stats/cuped.js';

const TOL = 1e-5;
let golden = 0;
function close(actual: number | null | undefined, expected: number, label = '', tol = TOL): void {
  assert.ok(typeof actual === 'number' && Number.isFinite(actual), `${label}: expected a number, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tol, `${label}: ${actual} is not within ${tol} of ${expected}`);
  golden++;
}

const F = { relative: true, alpha: 0.05 };
const B = { relative: true, alpha: 0.05, inverse: false, prior: FLAT_PRIOR };
// test_tests.py fixtures
const A_MEAN = sampleMean(3407, 1396.87, 52377.9767);
const B_MEAN = sampleMean(3461, 2422.7, 134698.29);

describe('frequentist t-test (packages/stats/tests/frequentist/test_tests.py)', () => {
  test('test_two_sided_ttest', () => {
    const r = twoSidedTTest(momentsOf(A_MEAN), momentsOf(B_MEAN), F);
    close(r.expected, (0.7 - 0.41) / 0.41, 'expected');
    close(r.expected, 0.70732, 'uplift.mean');
    close(r.ciLower, -0.03526, 'ci[0]');
    close(r.ciUpper, 1.44989, 'ci[1]');
    close(r.stddev, 0.37879, 'uplift.stddev');
    close(r.pValue, 0.06191, 'p');
  });
  test('test_two_sided_ttest_absolute', () => {
    const r = twoSidedTTest(momentsOf(A_MEAN), momentsOf(B_MEAN), { ...F, relative: false });
    close(r.expected, 0.29, 'expected');
    close(r.ciLower, 0.04538, 'ci[0]');
    close(r.ciUpper, 0.53462, 'ci[1]');
    close(r.stddev, 0.12478, 'stddev');
    close(r.pValue, 0.02016, 'p');
  });
  test('test_two_sided_ttest_binom', () => {
    const r = twoSidedTTest(momentsOf(proportion(28, 14)), momentsOf(proportion(30, 16)), F);
    close(r.expected, 0.06667, 'expected');
    close(r.ciLower, -0.47767, 'ci[0]');
    close(r.ciUpper, 0.61101, 'ci[1]');
    close(r.stddev, 0.2717, 'stddev');
    close(r.pValue, 0.80707, 'p');
  });
  test('test_two_sided_ttest_missing_variance: default output', () => {
    const r = twoSidedTTest(momentsOf(sampleMean(2, 1396.87, 52377.9767)), momentsOf(B_MEAN), F);
    assert.deepEqual(r, { expected: 0, ciLower: 0, ciUpper: 0, pValue: 1, stddev: 0, errorMessage: 'ZERO_NEGATIVE_VARIANCE' });
  });
});

describe('sequential confidence sequences (packages/stats/tests/frequentist/test_tests.py)', () => {
  const A3000 = sampleMean(3000, 1396.87, 52377.9767);
  test('test_sequential_test_runs (tuning 1000)', () => {
    const r = sequentialTTest(momentsOf(A3000), momentsOf(B_MEAN), { ...F, tuning: 1000 });
    close(r.expected, 0.50336, 'expected');
    close(r.ciLower, -0.55844, 'ci[0]');
    close(r.ciUpper, 1.56516, 'ci[1]');
    close(r.stddev, 0.33341, 'stddev');
    close(r.pValue, 1, 'p');
  });
  test('test_sequential_test_runs_prop', () => {
    const r = sequentialTTest(momentsOf(proportion(3000, 1396)), momentsOf(proportion(3461, 2422)), { ...F, tuning: 5000 });
    close(r.expected, 0.50386, 'expected');
    close(r.ciLower, 0.40098, 'ci[0]');
    close(r.ciUpper, 0.60675, 'ci[1]');
    close(r.stddev, 0.03386, 'stddev');
    close(r.pValue, 0, 'p');
  });
  test('test_sequential_test_runs_ra (CUPED)', () => {
    const a = { n: 3000, post: A3000, pre: sampleMean(3000, 16.87, 527.9767), sumProduct: 1 };
    const b = { n: 3461, post: B_MEAN, pre: sampleMean(3461, 22.7, 1348.29), sumProduct: 1 };
    const [ma, mb] = cupedPair(a, b);
    const r = sequentialTTest(ma, mb, { ...F, tuning: 5000 });
    close(r.expected, 0.50338, 'expected');
    close(r.ciLower, -0.50969, 'ci[0]');
    close(r.ciUpper, 1.51646, 'ci[1]');
    close(r.stddev, 0.33341, 'stddev');
    close(r.pValue, 1, 'p');
  });
  test('test_sequential_test_tuning_as_expected', () => {
    const run = (tuning: number) => sequentialTTest(momentsOf(A3000), momentsOf(B_MEAN), { ...F, tuning });
    const below = run(10);
    const near = run(6461);
    const above = run(10000);
    assert.ok(below.ciLower < above.ciLower && below.ciUpper > above.ciUpper);
    assert.ok(below.ciLower < near.ciLower && below.ciUpper > near.ciUpper);
    assert.ok(above.ciLower < near.ciLower && above.ciUpper > near.ciUpper);
  });
});

describe('bayesian effect test (packages/stats/tests/bayesian/test_tests.py)', () => {
  test('test_bayesian_binomial_ab_test', () => {
    const r = bayesianTest(momentsOf(proportion(100, 49)), momentsOf(proportion(100, 51)), B);
    close(r.expected, 0.04082, 'expected');
    close(r.ciLower, -0.24779, 'ci[0]');
    close(r.ciUpper, 0.32943, 'ci[1]');
    close(r.stddev, 0.14725, 'stddev');
    close(r.chanceToWin, 0.60918, 'ctw');
    close(r.risk[0], 0.0814, 'risk[0]');
    close(r.risk[1], 0.04058, 'risk[1]');
  });
  test('test_missing_data (binomial and gaussian)', () => {
    for (const s of [proportion(0, 0), sampleMean(0, 0, 0)]) {
      const r = bayesianTest(momentsOf(s), momentsOf(s), B);
      assert.equal(r.chanceToWin, 0.5);
      assert.equal(r.expected, 0);
    }
  });
  test('test_bayesian_gaussian_ab_test', () => {
    const r = bayesianTest(momentsOf(sampleMean(10, 100, 1002.25)), momentsOf(sampleMean(10, 105, 1111.5)), B);
    close(r.expected, 0.05, 'expected');
    close(r.ciLower, -0.02, 'ci[0]');
    close(r.ciUpper, 0.12, 'ci[1]');
    close(r.stddev, 0.03572, 'stddev');
    close(r.chanceToWin, 0.91923, 'ctw');
    close(r.risk[0], 0.05131, 'risk[0]');
    close(r.risk[1], 0.00131, 'risk[1]');
  });
  test('test_bayesian_gaussian_ab_test_informative (proper prior)', () => {
    const r = bayesianTest(momentsOf(sampleMean(10, 100, 1002.25)), momentsOf(sampleMean(10, 105, 1111.5)), {
      ...B,
      prior: { mean: 0.1, variance: 0.1, proper: true },
    });
    close(r.expected, 0.05063, 'expected');
    close(r.ciLower, -0.01893, 'ci[0]');
    close(r.ciUpper, 0.12019, 'ci[1]');
    close(r.stddev, 0.03549, 'stddev');
    close(r.chanceToWin, 0.92315, 'ctw');
    close(r.risk[0], 0.05186, 'risk[0]');
    close(r.risk[1], 0.00123, 'risk[1]');
  });
  test('test_bayesian_effect_relative_effect: relative and absolute priors give close chance to win', () => {
    const c = momentsOf(sampleMean(100, 1000, 200000));
    const t = momentsOf(sampleMean(100, 1100, 200005));
    const prior = { mean: 1, variance: 1, proper: true };
    const abs = bayesianTest(c, t, { ...B, relative: false, prior });
    const rel = bayesianTest(c, t, { ...B, prior });
    assert.ok(Math.abs(abs.chanceToWin - rel.chanceToWin) < 0.005);
  });
});

describe('shared models (packages/stats/tests/test_shared_models.py)', () => {
  const sums = (xs: number[]) => [xs.reduce((s, x) => s + x, 0), xs.reduce((s, x) => s + x * x, 0)];
  const M1 = [0.3, 0.5, 0.9, 22];
  const M3 = [2, 1, 5, 3];
  test('TestComputeTheta.test_returns_0_no_variance', () => {
    const [s1, q1] = sums(M1);
    const [s3, q3] = sums(M3);
    const prod = M1.reduce((s, x, i) => s + x * M3[i], 0);
    const ra = () => ({ n: 4, pre: sampleMean(4, s1, q1), post: sampleMean(4, s3, q3), sumProduct: prod });
    close(computeTheta(ra(), ra()), 0.01864, 'theta');
    const flat = () => ({ ...ra(), pre: sampleMean(4, 0, 0) });
    assert.equal(computeTheta(flat(), flat()), 0);
  });
});

// test_gbstats.py fixtures: MULTI_DIMENSION_STATISTICS_DF dimension "one" (control "zero"), ONE_USER_DF, RA_STATISTICS_DF.
const DIM_ONE: VariantInput[] = [
  { name: 'zero', users: 100, sum: 270, sumSquares: 848.79 },
  { name: 'one', users: 120, sum: 300, sumSquares: 869 },
];
const ONE_USER: VariantInput[] = [
  { name: 'zero', users: 3, sum: 20, sumSquares: 443 },
  { name: 'one', users: 1, sum: 1, sumSquares: 1 },
];
const RA: VariantInput[] = [
  { name: 'zero', users: 3001, sum: 300, sumSquares: 600, preSum: 210, preSumSquares: 415, sumProduct: -20 },
  { name: 'one', users: 3000, sum: 222, sumSquares: 555, preSum: 120, preSumSquares: 405, sumProduct: -10 },
];

describe('analyzeExperiment end to end (packages/stats/tests/test_gbstats.py)', () => {
  test('TestAnalyzeMetricDfBayesian.test_get_metric_df_new', () => {
    const r = analyzeExperiment({ metric: 'MEAN', engine: 'BAYESIAN', variants: DIM_ONE });
    close(r.variants[0].mean, 2.7, 'baseline_cr');
    close(r.variants[1].mean, 2.5, 'v1_cr');
    close(r.variants[1].risk, 0.075691131, 'v1_risk[1]');
    close(r.variants[1].lift, -0.074074074, 'v1_expected');
    close(r.variants[1].chanceToWin, 0.071834168, 'v1_prob_beat_baseline');
    assert.equal(r.variants[1].pValue, null);
  });
  test('TestAnalyzeMetricDfBayesian.test_get_metric_df_inverse', () => {
    const r = analyzeExperiment({ metric: 'MEAN', engine: 'BAYESIAN', inverse: true, variants: DIM_ONE });
    close(r.variants[1].risk, 0.001617057, 'v1_risk[1]');
    close(r.variants[1].lift, -0.074074074, 'v1_expected');
    close(r.variants[1].chanceToWin, 1 - 0.071834168, 'v1_prob_beat_baseline');
  });
  test('TestAnalyzeMetricDfBayesian.test_get_metric_df_zero_val', () => {
    const r = analyzeExperiment({ metric: 'MEAN', engine: 'BAYESIAN', inverse: true, variants: ONE_USER });
    close(r.variants[0].mean, 6.666666667, 'baseline_cr');
    close(r.variants[1].mean, 1, 'v1_cr');
    close(r.variants[1].risk, 0, 'v1_risk[1]');
    close(r.variants[1].lift, -0.85, 'v1_expected');
    close(r.variants[1].chanceToWin, 0.5, 'v1_prob_beat_baseline');
    assert.equal(r.variants[1].errorMessage, 'ZERO_NEGATIVE_VARIANCE');
  });
  test('TestAnalyzeMetricDfFrequentist.test_get_metric_df_frequentist', () => {
    const r = analyzeExperiment({ metric: 'MEAN', engine: 'FREQUENTIST', variants: DIM_ONE });
    close(r.variants[1].lift, -0.074074074, 'v1_expected');
    close(r.variants[1].pValue, 0.145219005, 'v1_p_value');
    assert.equal(r.variants[1].chanceToWin, null);
    assert.equal(r.variants[1].risk, null);
  });
  test('TestAnalyzeMetricDfFrequentist.test_get_metric_df_zero_val', () => {
    const r = analyzeExperiment({ metric: 'MEAN', engine: 'FREQUENTIST', variants: ONE_USER });
    close(r.variants[1].lift, -0.85, 'v1_expected');
    close(r.variants[1].pValue, 1, 'v1_p_value');
  });
  test('TestAnalyzeMetricDfRegressionAdjustment.test_analyze_metric_df_ra (CUPED, MEAN)', () => {
    const r = analyzeExperiment({ metric: 'MEAN', engine: 'FREQUENTIST', variants: RA });
    close(r.variants[0].mean, 0.099966678, 'baseline_mean (unadjusted)');
    close(r.variants[1].mean, 0.074, 'v1_mean (unadjusted)');
    close(r.variants[1].lift, -0.281707154, 'v1_expected');
    close(r.variants[1].pValue, 0.003736297, 'v1_p_value');
    assert.notEqual(Math.round((r.variants[1].lift as number) * 1000) / 1000, (0.074 - 0.110963012) / 0.110963012);
  });
  test('TestAnalyzeMetricDfRegressionAdjustment.test_analyze_metric_df_ra_proportion (CUPED, BINOMIAL)', () => {
    const r = analyzeExperiment({ metric: 'BINOMIAL', engine: 'FREQUENTIST', variants: RA });
    close(r.variants[0].mean, 0.099966678, 'baseline_mean');
    close(r.variants[1].mean, 0.074, 'v1_mean');
    close(r.variants[1].lift, -0.316211568, 'v1_expected');
    close(r.variants[1].pValue, 0.00000035, 'v1_p_value');
  });
  test('TestAnalyzeMetricDfSequential.test_analyze_metric_df_sequential', () => {
    const input: ExperimentInput = { metric: 'MEAN', engine: 'FREQUENTIST', sequential: true, sequentialTuning: 600, variants: DIM_ONE };
    const r = analyzeExperiment(input);
    close(r.variants[1].lift, -0.074074074, 'v1_expected');
    close(r.variants[1].pValue, 0.892332229, 'v1_p_value');
    close(r.variants[1].ciLower, -0.233322085, 'v1_ci[0]');
    const bad = analyzeExperiment({ ...input, sequentialTuning: 1 });
    assert.ok((r.variants[1].ciLower as number) > (bad.variants[1].ciLower as number));
  });
});

describe('SRM (packages/back-end/test/stats.test.ts)', () => {
  test('calculates SRM correctly', () => {
    close(srmPValue([1000, 1200], [0.5, 0.5]), 0.000020079, 'simple 2-way', 1e-9);
    close(srmPValue([135, 115], [0.5, 0.5]), 0.205903211, 'another 2-way', 1e-9);
    close(srmPValue([310, 98], [0.75, 0.25]), 0.647434186, 'uneven weights', 1e-9);
    close(srmPValue([1000, 0], [0.5, 0.5]), 1, 'not enough valid variations');
    close(srmPValue([1000, 900, 800], [1, 0, 0]), 1, 'not enough valid weights');
    close(srmPValue([1000, 1200, 900], [0.5, 0.5, 0]), 0.000020079, 'skip empty weights', 1e-9);
    close(srmPValue([0, 505, 500], [0.34, 0.33, 0.33]), 0.874677381, 'skip empty users', 1e-9);
    close(srmPValue([500, 500, 600], [0.34, 0.33, 0.33]), 0.000592638, 'more than 2 variations', 1e-9);
    close(srmPValue([500, 500], [0.5, 0.5]), 1, 'completely equal');
  });
  test('analyzeExperiment reports SRM and warns below 0.001', () => {
    const v = (name: string, users: number) => ({ name, users, sum: users / 10, sumSquares: users / 10 });
    const r = analyzeExperiment({ metric: 'BINOMIAL', engine: 'FREQUENTIST', weights: [0.5, 0.5], variants: [v('a', 1000), v('b', 1200)] });
    close(r.srmPValue, 0.000020079, 'srm', 1e-9);
    assert.equal(r.srmWarning, true);
    const ok = analyzeExperiment({ metric: 'BINOMIAL', engine: 'FREQUENTIST', variants: [v('a', 310), v('b', 98)], weights: [0.75, 0.25] });
    assert.equal(ok.srmWarning, false);
  });
});

describe('multiple-comparison corrections (packages/front-end/test/experiments.test.ts)', () => {
  const indexed = (ps: number[], idx?: number[]) => ps.map((pValue, i) => ({ pValue, index: [idx ? idx[i] : i] }));
  test('does HB procedure correctly', () => {
    const out = adjustHolmBonferroni(indexed([0.01, 0.04, 0.03, 0.005, 0.55, 0.6]));
    assert.deepEqual(out.map((p) => p.index[0]), [3, 0, 2, 1, 4, 5]);
    [0.03, 0.05, 0.12, 0.12, 1, 1].forEach((e, i) => close(out[i].pValue, e, `HB[${i}]`, 1e-12));
  });
  test('does BH procedure correctly', () => {
    const out = adjustBenjaminiHochberg(indexed([0.898, 0.138, 0.007, 0.964, 0.538, 0.006, 0.138]));
    assert.deepEqual(out.map((p) => p.index[0]), [3, 0, 4, 1, 6, 2, 5]);
    [0.964, 0.964, 0.7532, 0.2415, 0.2415, 0.0245, 0.0245].forEach((e, i) => close(out[i].pValue, e, `BH[${i}]`, 1e-8));
  });
  test('pvals adjusted across metrics (setAdjustedPValuesOnResults)', () => {
    // Two metrics, one treatment arm each, with raw p-values 0.025 and 0.03 (as in GrowthBook's test).
    const fake = (p: number) => ({
      srmPValue: 0.5,
      srmWarning: false,
      variants: [
        { name: 'c', users: 100, mean: 0, lift: null, ciLower: null, ciUpper: null, pValue: null, adjustedPValue: null, chanceToWin: null, risk: null },
        { name: 't', users: 100, mean: 0, lift: 0, ciLower: 0, ciUpper: 0, pValue: p, adjustedPValue: p, chanceToWin: null, risk: null },
      ],
    });
    const hb = correctAcrossMetrics([fake(0.025), fake(0.03)], 'HOLM_BONFERRONI');
    close(hb[0].variants[1].adjustedPValue, 0.05, 'HB met1', 1e-12);
    close(hb[1].variants[1].adjustedPValue, 0.05, 'HB met2', 1e-12);
    const bh = correctAcrossMetrics([fake(0.025), fake(0.03)], 'BENJAMINI_HOCHBERG');
    close(bh[0].variants[1].adjustedPValue, 0.03, 'BH met1', 1e-12);
    close(bh[1].variants[1].adjustedPValue, 0.03, 'BH met2', 1e-12);
    assert.equal(bh[0].variants[0].adjustedPValue, null);
  });
  test('analyzeExperiment corrects across its treatment arms', () => {
    const arms: VariantInput[] = [
      { name: 'c', users: 1000, sum: 100, sumSquares: 100 },
      { name: 't1', users: 1000, sum: 125, sumSquares: 125 },
      { name: 't2', users: 1000, sum: 105, sumSquares: 105 },
    ];
    const none = analyzeExperiment({ metric: 'BINOMIAL', engine: 'FREQUENTIST', variants: arms });
    const holm = analyzeExperiment({ metric: 'BINOMIAL', engine: 'FREQUENTIST', correction: 'HOLM_BONFERRONI', variants: arms });
    const p1 = none.variants[1].pValue as number;
    const p2 = none.variants[2].pValue as number;
    assert.equal(none.variants[1].adjustedPValue, p1);
    assert.ok(p1 < p2);
    close(holm.variants[1].adjustedPValue, Math.min(1, 2 * p1), 'holm smallest', 1e-12);
    close(holm.variants[2].adjustedPValue, Math.max(Math.min(1, 2 * p1), p2), 'holm next', 1e-12);
  });
});

describe('bad input throws ExperimentInputError (BAD_USER_INPUT), never NaN', () => {
  const ok: ExperimentInput = { metric: 'BINOMIAL', engine: 'FREQUENTIST', variants: [
    { name: 'c', users: 100, sum: 10, sumSquares: 10 },
    { name: 't', users: 100, sum: 12, sumSquares: 12 },
  ] };
  const bad = (label: string, input: ExperimentInput, pattern: RegExp) =>
    test(label, () => {
      assert.throws(
        () => analyzeExperiment(input),
        (e: unknown) => e instanceof ExperimentInputError && e.code === 'BAD_USER_INPUT' && pattern.test(e.message),
      );
    });
  bad('zero users', { ...ok, variants: [ok.variants[0], { ...ok.variants[1], users: 0, sum: 0 }] }, /zero users/);
  bad('negative users', { ...ok, variants: [ok.variants[0], { ...ok.variants[1], users: -5 }] }, /non-negative integer/);
  bad('negative conversions', { ...ok, variants: [ok.variants[0], { ...ok.variants[1], sum: -1 }] }, /between 0 and users/);
  bad('more conversions than users', { ...ok, variants: [ok.variants[0], { ...ok.variants[1], sum: 101 }] }, /between 0 and users/);
  bad('negative sumSquares', { ...ok, metric: 'MEAN', variants: [ok.variants[0], { ...ok.variants[1], sumSquares: -1 }] }, /sumSquares/);
  bad('inconsistent sums', { ...ok, metric: 'MEAN', variants: [ok.variants[0], { ...ok.variants[1], sum: 100, sumSquares: 1 }] }, /inconsistent/);
  bad('NaN sum', { ...ok, variants: [ok.variants[0], { ...ok.variants[1], sum: Number.NaN }] }, /finite/);
  bad('weights of the wrong length', { ...ok, weights: [0.5, 0.25, 0.25] }, /one entry per variant/);
  bad('weights not summing to 1', { ...ok, weights: [0.5, 0.3] }, /sum to 1/);
  bad('fewer than 2 variants', { ...ok, variants: [ok.variants[0]] }, /at least 2 variants/);
  bad('duplicate names', { ...ok, variants: [ok.variants[0], { ...ok.variants[1], name: 'c' }] }, /used twice/);
  bad('CUPED on some variants only', { ...ok, variants: [{ ...ok.variants[0], preSum: 5, sumProduct: 3 }, ok.variants[1]] }, /every variant or none/);
  bad('alpha out of range', { ...ok, alpha: 1.5 }, /alpha/);
  bad('unknown engine', { ...ok, engine: 'MAGIC' as never }, /engine/);

  test('degenerate but valid input gives finite numbers, not NaN', () => {
    const zeroControl = analyzeExperiment({ ...ok, variants: [{ ...ok.variants[0], sum: 0, sumSquares: 0 }, ok.variants[1]] });
    const allConvert = analyzeExperiment({ ...ok, engine: 'BAYESIAN', variants: [{ ...ok.variants[0], sum: 100, sumSquares: 100 }, ok.variants[1]] });
    for (const r of [zeroControl, allConvert]) {
      for (const v of r.variants) {
        for (const x of Object.values(v)) if (typeof x === 'number') assert.ok(Number.isFinite(x), JSON.stringify(v));
      }
    }
    assert.equal(zeroControl.variants[1].errorMessage, 'ZERO_NEGATIVE_BASELINE_VARIATION');
    assert.equal(zeroControl.variants[1].pValue, 1);
  });
});

test(`golden values checked`, () => {
  // Printed for the report; each `close` above is one golden value.
  console.log(`# golden values within tolerance: ${golden}`);
  assert.ok(golden > 100);
});
