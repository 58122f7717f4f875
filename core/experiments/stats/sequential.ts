/**
 * Sequential testing with asymptotic confidence sequences (Waudby-Smith et al. 2023, arXiv:2103.06476v7), as
 * gbstats 0.8.0 `SequentialTwoSidedTTest`: intervals and p-values stay valid however often results are looked at.
 * The tuning parameter is the total sample size at which the sequence is tightest.
 */
import {
  defaultFrequentist,
  effectEstimate,
  effectVariance,
  type FrequentistOptions,
  type FrequentistResult,
  frequentistPrecondition,
} from './frequentist.js';
import type { Moments } from './moments.js';

export interface SequentialOptions extends FrequentistOptions {
  /** Expected total sample size (gbstats `sequential_tuning_parameter`, default 5000). */
  tuning: number;
}

/**
 * ρ from the tuning parameter (eq. 161): √((−2 ln α + ln(−2 ln α + 1)) / tuning).
 * @example sequentialRho(0.05, 5000)
 */
export function sequentialRho(alpha: number, tuning: number): number {
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

/**
 * Two-sided asymptotic confidence sequence and always-valid p-value of treatment `b` against control `a`.
 * @example
 * ```ts
 * sequentialTTest(a, b, { relative: true, alpha: 0.05, tuning: 5000 }) // { expected, ciLower, ciUpper, pValue }
 * ```
 */
export function sequentialTTest(a: Moments, b: Moments, opts: SequentialOptions): FrequentistResult {
  const bad = frequentistPrecondition(a, b);
  if (bad) return defaultFrequentist(bad);
  const expected = effectEstimate(a, b, opts.relative);
  const variance = effectVariance(a, b, opts.relative);
  const n = a.n + b.n;
  const rho = sequentialRho(opts.alpha, opts.tuning);
  const nr2p1 = n * rho * rho + 1;
  // eq. 9: half-width with s² = variance · N
  const width =
    Math.sqrt(variance * n) * Math.sqrt((2 * nr2p1 * Math.log(Math.sqrt(nr2p1) / opts.alpha)) / (n * rho) ** 2);
  // eq. 155: e-value of the mixture martingale; p = min(1, 1/e)
  const st2 = (expected * expected * n) / variance;
  const logE = (rho * rho * st2) / (2 * nr2p1) - 0.5 * Math.log(nr2p1);
  const pValue = Math.min(1, Math.exp(-logE));
  return { expected, ciLower: expected - width, ciUpper: expected + width, pValue, stddev: Math.sqrt(variance) };
}
