/**
 * Bayesian effect test as gbstats 0.8.0 `EffectBayesianABTest`: a Gaussian likelihood on the (relative or absolute)
 * effect, with the frequentist estimate and delta-method variance as data, combined with an optional proper Gaussian
 * prior. Reports the posterior mean, a 1 − α credible interval, chance to win and risk (expected loss).
 */
import { normalCdf, normalPdf, normalPpf } from './distributions.js';
import { effectEstimate, effectVariance } from './frequentist.js';
import type { Moments } from './moments.js';
import type { AnalysisErrorCode } from './types.js';

export interface GaussianPrior {
  mean: number;
  variance: number;
  proper: boolean;
}

export interface BayesianOptions {
  relative: boolean;
  alpha: number;
  inverse: boolean;
  /** Prior on the relative effect (gbstats `prior_type="relative"`); rescaled for absolute effects. */
  prior: GaussianPrior;
}

export interface BayesianResult {
  expected: number;
  ciLower: number;
  ciUpper: number;
  chanceToWin: number;
  /** [risk of keeping control, risk of shipping treatment] (expected loss), flipped for inverse metrics. */
  risk: [number, number];
  stddev: number;
  errorMessage?: AnalysisErrorCode;
}

/** The improper flat prior gbstats uses unless a proper prior is configured. */
export const FLAT_PRIOR: GaussianPrior = { mean: 0, variance: 1, proper: false };

/**
 * Expected loss of each decision under N(μ, σ²): [E[max(X, 0)], E[max(−X, 0)]] — the loss of keeping control when
 * the effect is positive, and of shipping when it is negative (gbstats `get_risk`, via truncated-normal means).
 * @example gaussianRisk(0.04082, 0.14725) // ≈ [0.0814, 0.04058]
 */
export function gaussianRisk(mu: number, sigma: number): [number, number] {
  const z = mu / sigma;
  const dens = sigma * normalPdf(z);
  return [mu * normalCdf(z) + dens, dens - mu * normalCdf(-z)];
}

function defaultBayesian(errorMessage: AnalysisErrorCode): BayesianResult {
  return { expected: 0, ciLower: 0, ciUpper: 0, chanceToWin: 0.5, risk: [0, 0], stddev: 0, errorMessage };
}

/**
 * Bayesian A/B test of treatment `b` against control `a`.
 * @example
 * ```ts
 * bayesianTest(momentsOf(proportion(100, 49)), momentsOf(proportion(100, 51)),
 *   { relative: true, alpha: 0.05, inverse: false, prior: FLAT_PRIOR }) // chanceToWin ≈ 0.60918
 * ```
 */
export function bayesianTest(a: Moments, b: Moments, opts: BayesianOptions): BayesianResult {
  if (opts.relative && (a.mean === 0 || a.unadjustedMean === 0)) {
    return defaultBayesian('ZERO_NEGATIVE_BASELINE_VARIATION');
  }
  if (a.n === 0 || b.n === 0) return defaultBayesian('NO_UNITS_IN_VARIATION');
  if (a.variance <= 0 || b.variance <= 0) return defaultBayesian('ZERO_NEGATIVE_VARIANCE');

  let prior = opts.prior;
  if (!opts.relative) {
    const m = a.unadjustedMean;
    prior = { mean: prior.mean * Math.abs(m), variance: prior.variance * m * m, proper: prior.proper };
  }
  const dataMean = effectEstimate(a, b, opts.relative);
  const dataVariance = effectVariance(a, b, opts.relative);
  const postPrecision = 1 / dataVariance + (prior.proper ? 1 / prior.variance : 0);
  const mean = prior.proper ? (dataMean / dataVariance + prior.mean / prior.variance) / postPrecision : dataMean;
  const sd = Math.sqrt(1 / postPrecision);

  const pPositive = normalCdf(mean / sd);
  const risk = gaussianRisk(mean, sd);
  return {
    expected: mean,
    ciLower: normalPpf(opts.alpha / 2, mean, sd),
    ciUpper: normalPpf(1 - opts.alpha / 2, mean, sd),
    chanceToWin: opts.inverse ? 1 - pPositive : pPositive,
    risk: opts.inverse ? [risk[1], risk[0]] : risk,
    stddev: sd,
  };
}
