/**
 * Frequentist two-sided Welch t-test on the difference of means, relative (delta method) or absolute, following
 * gbstats 0.8.0 `TwoSidedTTest`.
 */
import { studentTPpf, studentTTwoSided } from './distributions.js';
import type { Moments } from './moments.js';
import type { AnalysisErrorCode } from './types.js';

export interface FrequentistResult {
  expected: number;
  ciLower: number;
  ciUpper: number;
  pValue: number;
  /** Standard deviation of the estimate (the `uplift.stddev` of gbstats). */
  stddev: number;
  errorMessage?: AnalysisErrorCode;
}

export interface FrequentistOptions {
  relative: boolean;
  alpha: number;
}

/**
 * Point estimate: (b − a) / unadjusted(a) when relative, b − a otherwise.
 * @example effectEstimate(a, b, true)
 */
export function effectEstimate(a: Moments, b: Moments, relative: boolean): number {
  return relative ? (b.mean - a.mean) / a.unadjustedMean : b.mean - a.mean;
}

/**
 * Variance of the estimate: var_b/n_b + var_a/n_a, or for the relative effect the delta-method
 * var_b/(μ_a² n_b) + var_a μ_b²/(μ_a⁴ n_a), with unadjusted means μ.
 * @example effectVariance(a, b, false)
 */
export function effectVariance(a: Moments, b: Moments, relative: boolean): number {
  if (!relative) return b.variance / b.n + a.variance / a.n;
  const ma = a.unadjustedMean;
  const mb = b.unadjustedMean;
  return b.variance / (ma * ma * b.n) + (a.variance * mb * mb) / (ma ** 4 * a.n);
}

/**
 * Welch–Satterthwaite degrees of freedom.
 * @example welchDof(a, b)
 */
export function welchDof(a: Moments, b: Moments): number {
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  return (va + vb) ** 2 / ((vb * vb) / (b.n - 1) + (va * va) / (a.n - 1));
}

/** gbstats' uninformative output (p = 1, CI [0, 0]) when the test cannot be computed. */
export function defaultFrequentist(errorMessage: AnalysisErrorCode): FrequentistResult {
  return { expected: 0, ciLower: 0, ciUpper: 0, pValue: 1, stddev: 0, errorMessage };
}

/**
 * Why a frequentist test cannot run (gbstats checks these in this order, whatever the difference type), or null.
 * @example frequentistPrecondition(a, b) // 'ZERO_NEGATIVE_VARIANCE' when a variance is ≤ 0
 */
export function frequentistPrecondition(a: Moments, b: Moments): AnalysisErrorCode | null {
  if (a.mean === 0 || a.unadjustedMean === 0) return 'ZERO_NEGATIVE_BASELINE_VARIATION';
  if (a.variance <= 0 || b.variance <= 0) return 'ZERO_NEGATIVE_VARIANCE';
  return null;
}

/**
 * Two-sided Welch t-test of treatment `b` against control `a`.
 * @example
 * ```ts
 * twoSidedTTest(momentsOf(sampleMean(3407, 1396.87, 52377.9767)), momentsOf(sampleMean(3461, 2422.7, 134698.29)),
 *   { relative: true, alpha: 0.05 }) // expected 0.70732, p 0.06191
 * ```
 */
export function twoSidedTTest(a: Moments, b: Moments, opts: FrequentistOptions): FrequentistResult {
  const bad = frequentistPrecondition(a, b);
  if (bad) return defaultFrequentist(bad);
  const expected = effectEstimate(a, b, opts.relative);
  const stddev = Math.sqrt(effectVariance(a, b, opts.relative));
  const dof = welchDof(a, b);
  const width = studentTPpf(1 - opts.alpha / 2, dof) * stddev;
  return {
    expected,
    ciLower: expected - width,
    ciUpper: expected + width,
    pValue: studentTTwoSided(expected / stddev, dof),
    stddev,
  };
}
