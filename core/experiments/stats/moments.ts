/**
 * Summary statistics of one variant, in gbstats' terms: a sample mean (MEAN metrics) or a proportion (BINOMIAL),
 * optionally regression-adjusted by a pre-exposure covariate (see cuped.ts).
 */

/** What the tests need from a variant: sample size, (adjusted) mean and per-unit variance, and the raw mean. */
export interface Moments {
  n: number;
  /** Mean used for the difference (CUPED-adjusted when a covariate is present). */
  mean: number;
  /** Per-unit variance (of the adjusted outcome under CUPED); 0 when it cannot be estimated. */
  variance: number;
  /** Mean without regression adjustment; denominators of relative effects use it. */
  unadjustedMean: number;
}

/** Sums of a per-unit quantity: n, Σx and Σx² (for a proportion Σx² = Σx). */
export interface BaseStatistic {
  kind: 'mean' | 'proportion';
  n: number;
  sum: number;
  sumSquares: number;
}

/**
 * A sample-mean statistic from n, Σx and Σx².
 * @example sampleMean(10, 100, 1002.25) // { kind: 'mean', n: 10, sum: 100, sumSquares: 1002.25 }
 */
export function sampleMean(n: number, sum: number, sumSquares: number): BaseStatistic {
  return { kind: 'mean', n, sum, sumSquares };
}

/**
 * A proportion statistic from n and the number of successes.
 * @example proportion(100, 49) // mean 0.49, variance 0.2499
 */
export function proportion(n: number, sum: number): BaseStatistic {
  return { kind: 'proportion', n, sum, sumSquares: sum };
}

/** Mean Σx / n (0 when n = 0). @example statMean(sampleMean(4, 2, 2)) // 0.5 */
export function statMean(s: BaseStatistic): number {
  return s.n === 0 ? 0 : s.sum / s.n;
}

/**
 * Per-unit variance: p(1 − p) for a proportion (as gbstats), the n − 1 sample variance for a mean (0 when n ≤ 1).
 * @example statVariance(proportion(4, 3)) // 0.1875
 */
export function statVariance(s: BaseStatistic): number {
  if (s.kind === 'proportion') {
    const m = statMean(s);
    return m * (1 - m);
  }
  if (s.n <= 1) return 0;
  return (s.sumSquares - (s.sum * s.sum) / s.n) / (s.n - 1);
}

/** Moments of an unadjusted statistic. @example momentsOf(proportion(100, 49)).variance // 0.2499 */
export function momentsOf(s: BaseStatistic): Moments {
  const mean = statMean(s);
  return { n: s.n, mean, variance: statVariance(s), unadjustedMean: mean };
}

/**
 * Sample covariance of two per-unit quantities from their sums and Σxy (0 when n ≤ 1).
 * @example sampleCovariance(4, 10, 10, 30) // (30 − 25) / 3
 */
export function sampleCovariance(n: number, sumX: number, sumY: number, sumXY: number): number {
  if (n <= 1) return 0;
  return (sumXY - (sumX * sumY) / n) / (n - 1);
}
