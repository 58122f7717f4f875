/**
 * `analyzeExperiment`: the pure entry point of the stats engine. Summary statistics per variant in (first = control),
 * SRM check and per-arm inference out, following gbstats 0.8.0 conventions.
 */
import { type BayesianResult, bayesianTest, FLAT_PRIOR, type GaussianPrior } from './bayesian.js';
import { adjustPValues } from './corrections.js';
import { cupedPair, type RegressionAdjustedStatistic } from './cuped.js';
import { ExperimentInputError } from './errors.js';
import { type FrequentistResult, twoSidedTTest } from './frequentist.js';
import { type BaseStatistic, type Moments, momentsOf, proportion, sampleMean, statMean } from './moments.js';
import { sequentialTTest } from './sequential.js';
import { SRM_THRESHOLD, srmPValue } from './srm.js';
import type { ExperimentAnalysis, ExperimentInput, VariantInput, VariantResult } from './types.js';

/** Weights may be off 1 by this much (GrowthBook's SDK accepts 0.99–1.01). */
const WEIGHT_TOLERANCE = 0.01;

function fail(message: string): never {
  throw new ExperimentInputError(message);
}

function finite(label: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${label} must be a finite number`);
  return x;
}

function hasCuped(v: VariantInput): boolean {
  return v.preSum !== undefined || v.preSumSquares !== undefined || v.sumProduct !== undefined;
}

/** Throws ExperimentInputError on anything the engine cannot analyse; returns the normalised settings. */
function validate(input: ExperimentInput) {
  if (input === null || typeof input !== 'object') fail('input must be an object');
  if (input.metric !== 'BINOMIAL' && input.metric !== 'MEAN') fail('metric must be BINOMIAL or MEAN');
  if (input.engine !== 'BAYESIAN' && input.engine !== 'FREQUENTIST') fail('engine must be BAYESIAN or FREQUENTIST');
  const correction = input.correction ?? 'NONE';
  if (!['NONE', 'HOLM_BONFERRONI', 'BENJAMINI_HOCHBERG'].includes(correction)) {
    fail('correction must be NONE, HOLM_BONFERRONI or BENJAMINI_HOCHBERG');
  }
  const alpha = finite('alpha', input.alpha ?? 0.05);
  if (alpha <= 0 || alpha >= 1) fail(`alpha must be between 0 and 1 (got ${alpha})`);
  const tuning = finite('sequentialTuning', input.sequentialTuning ?? 5000);
  if (tuning <= 0) fail(`sequentialTuning must be positive (got ${tuning})`);

  const variants = input.variants;
  if (!Array.isArray(variants) || variants.length < 2) {
    fail(`an experiment needs at least 2 variants (a control and a treatment), got ${variants?.length ?? 0}`);
  }
  const names = new Set<string>();
  const cuped = hasCuped(variants[0]);
  for (const [i, v] of variants.entries()) {
    const at = `variants[${i}]${typeof v?.name === 'string' ? ` (${v.name})` : ''}`;
    if (v === null || typeof v !== 'object') fail(`${at} must be an object`);
    if (typeof v.name !== 'string' || v.name === '') fail(`${at}.name must be a non-empty string`);
    if (names.has(v.name)) fail(`variant name ${JSON.stringify(v.name)} is used twice`);
    names.add(v.name);
    const users = finite(`${at}.users`, v.users);
    if (!Number.isInteger(users) || users < 0) fail(`${at}.users must be a non-negative integer (got ${users})`);
    if (users === 0) fail(`${at} has zero users: there is nothing to analyse yet`);
    const sum = finite(`${at}.sum`, v.sum);
    if (input.metric === 'BINOMIAL') {
      if (sum < 0 || sum > users) fail(`${at}.sum (conversions) must be between 0 and users (got ${sum})`);
    } else {
      const sumSquares = finite(`${at}.sumSquares`, v.sumSquares);
      if (sumSquares < 0) fail(`${at}.sumSquares must not be negative (got ${sumSquares})`);
      // Cauchy–Schwarz: Σx² ≥ (Σx)²/n, allowing for rounding in the caller's sums.
      if (sumSquares - (sum * sum) / users < -1e-9 * Math.max(1, sumSquares)) {
        fail(`${at}.sumSquares (${sumSquares}) is smaller than sum²/users: the sums are inconsistent`);
      }
    }
    if (hasCuped(v) !== cuped) fail(`${at}: CUPED fields (preSum, sumProduct) must be given for every variant or none`);
    if (cuped) {
      const preSum = finite(`${at}.preSum`, v.preSum);
      finite(`${at}.sumProduct`, v.sumProduct);
      if (input.metric === 'BINOMIAL') {
        if (preSum < 0 || preSum > users) fail(`${at}.preSum must be between 0 and users for BINOMIAL (got ${preSum})`);
      } else {
        const preSumSquares = finite(`${at}.preSumSquares`, v.preSumSquares);
        if (preSumSquares < 0) fail(`${at}.preSumSquares must not be negative (got ${preSumSquares})`);
      }
    }
  }

  let weights: number[];
  if (input.weights === undefined || input.weights === null) {
    weights = variants.map(() => 1 / variants.length);
  } else {
    if (!Array.isArray(input.weights) || input.weights.length !== variants.length) {
      fail(`weights must have one entry per variant (${variants.length}), got ${input.weights?.length ?? 0}`);
    }
    weights = input.weights.map((w, i) => finite(`weights[${i}]`, w));
    if (weights.some((w) => w < 0)) fail('weights must not be negative');
    const total = weights.reduce((s, w) => s + w, 0);
    if (Math.abs(total - 1) > WEIGHT_TOLERANCE) fail(`weights must sum to 1 (got ${total})`);
  }

  let prior: GaussianPrior = FLAT_PRIOR;
  if (input.prior) {
    const mean = finite('prior.mean', input.prior.mean);
    const stddev = finite('prior.stddev', input.prior.stddev);
    if (stddev <= 0) fail(`prior.stddev must be positive (got ${stddev})`);
    prior = { mean, variance: stddev * stddev, proper: Boolean(input.prior.proper) };
  }

  return {
    metric: input.metric,
    engine: input.engine,
    relative: input.relative ?? true,
    alpha,
    sequential: input.sequential ?? false,
    tuning,
    correction,
    weights,
    prior,
    inverse: input.inverse ?? false,
    cuped,
    variants,
  };
}

function base(metric: ExperimentInput['metric'], n: number, sum: number, sumSquares: number): BaseStatistic {
  return metric === 'BINOMIAL' ? proportion(n, sum) : sampleMean(n, sum, sumSquares);
}

/**
 * Analyses one metric of an experiment. The first variant is the control; every other variant is compared with it.
 * Throws {@link ExperimentInputError} (code BAD_USER_INPUT) on bad input; never returns NaN. When a comparison cannot
 * be computed (zero control mean, zero variance) it returns gbstats' uninformative output and sets `errorMessage`.
 *
 * @example
 * ```ts
 * const result = analyzeExperiment({
 *   metric: 'BINOMIAL', engine: 'BAYESIAN',
 *   variants: [{ name: 'control', users: 100, sum: 49, sumSquares: 49 }, { name: 'b', users: 100, sum: 51, sumSquares: 51 }],
 * });
 * result.variants[1].chanceToWin; // ≈ 0.60918
 * ```
 */
export function analyzeExperiment(input: ExperimentInput): ExperimentAnalysis {
  const s = validate(input);
  const stats = s.variants.map((v) => {
    const post = base(s.metric, v.users, v.sum, v.sumSquares);
    if (!s.cuped) return { post };
    const ra: RegressionAdjustedStatistic = {
      n: v.users,
      post,
      pre: base(s.metric, v.users, v.preSum as number, v.preSumSquares ?? 0),
      sumProduct: v.sumProduct as number,
    };
    return { post, ra };
  });

  const control = stats[0];
  const results: VariantResult[] = s.variants.map((v, i) => ({
    name: v.name,
    users: v.users,
    mean: statMean(stats[i].post),
    lift: null,
    ciLower: null,
    ciUpper: null,
    pValue: null,
    adjustedPValue: null,
    chanceToWin: null,
    risk: null,
  }));

  for (let i = 1; i < stats.length; i++) {
    const treatment = stats[i];
    let a: Moments;
    let b: Moments;
    if (control.ra && treatment.ra) [a, b] = cupedPair(control.ra, treatment.ra);
    else [a, b] = [momentsOf(control.post), momentsOf(treatment.post)];

    let res: FrequentistResult | BayesianResult;
    if (s.engine === 'FREQUENTIST') {
      const opts = { relative: s.relative, alpha: s.alpha };
      res = s.sequential ? sequentialTTest(a, b, { ...opts, tuning: s.tuning }) : twoSidedTTest(a, b, opts);
      results[i].pValue = res.pValue;
    } else {
      res = bayesianTest(a, b, { relative: s.relative, alpha: s.alpha, inverse: s.inverse, prior: s.prior });
      results[i].chanceToWin = res.chanceToWin;
      results[i].risk = res.risk[1];
    }
    results[i].lift = reportedLift(a, b, res, s.relative);
    results[i].ciLower = res.ciLower;
    results[i].ciUpper = res.ciUpper;
    if (res.errorMessage) results[i].errorMessage = res.errorMessage;
  }

  if (s.engine === 'FREQUENTIST') {
    const arms = results.slice(1);
    const adjusted = adjustPValues(
      arms.map((r) => r.pValue as number),
      s.correction,
    );
    arms.forEach((r, k) => (r.adjustedPValue = adjusted[k]));
  }

  const srm = srmPValue(
    s.variants.map((v) => v.users),
    s.weights,
  );
  return { srmPValue: srm, srmWarning: srm < SRM_THRESHOLD, variants: results };
}

/**
 * gbstats' `expected` post-processing (analyze_metric_df): for relative effects a control mean ≤ 0 reports 0, and an
 * uninformative test still reports the raw difference (b − a) / a. For absolute effects (where that rule would mix
 * units) the test's estimate is kept, or b − a when the test was uninformative.
 */
function reportedLift(a: Moments, b: Moments, res: { expected: number; errorMessage?: string }, relative: boolean) {
  if (relative) {
    if (a.unadjustedMean <= 0) return 0;
    if (res.expected === 0) return (b.mean - a.mean) / a.unadjustedMean;
    return res.expected;
  }
  return res.errorMessage ? b.mean - a.mean : res.expected;
}
