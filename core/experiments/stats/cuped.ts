/**
 * CUPED (regression adjustment with a pre-exposure covariate), following gbstats 0.8.0:
 * θ is estimated per comparison from the control and the treatment pooled together, θ = cov(post, pre) / var(pre);
 * the adjusted outcome is post − θ·pre; if either pooled variance is 0, θ = 0 and the comparison falls back to the
 * unadjusted statistics. Relative effects divide by the *unadjusted* control mean, and the delta-method variance
 * uses unadjusted means with adjusted variances (see frequentist.ts).
 */
import { type BaseStatistic, type Moments, momentsOf, sampleCovariance, statMean, statVariance } from './moments.js';

/** A variant's post (metric) and pre (covariate) statistics and Σ post·pre. */
export interface RegressionAdjustedStatistic {
  n: number;
  post: BaseStatistic;
  pre: BaseStatistic;
  sumProduct: number;
}

function pool(a: BaseStatistic, b: BaseStatistic): BaseStatistic {
  return { kind: a.kind, n: a.n + b.n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}

/**
 * θ for one comparison, from control and treatment pooled (gbstats `compute_theta`). 0 when the pooled pre or post
 * variance is 0.
 * @example computeTheta(control, treatment) // 0.01864 for gbstats' test_shared_models case
 */
export function computeTheta(a: RegressionAdjustedStatistic, b: RegressionAdjustedStatistic): number {
  const n = a.n + b.n;
  const post = { ...pool(a.post, b.post), n };
  const pre = { ...pool(a.pre, b.pre), n };
  const varPre = statVariance(pre);
  if (varPre === 0 || statVariance(post) === 0) return 0;
  return sampleCovariance(n, post.sum, pre.sum, a.sumProduct + b.sumProduct) / varPre;
}

/**
 * Moments of a regression-adjusted statistic for a given θ: mean post − θ·pre (unadjusted mean kept), variance
 * var(post) + θ²·var(pre) − 2θ·cov(post, pre) (0 when n ≤ 1).
 * @example adjustedMoments(stat, 0.2).mean
 */
export function adjustedMoments(s: RegressionAdjustedStatistic, theta: number): Moments {
  const postMean = statMean(s.post);
  const mean = postMean - theta * statMean(s.pre);
  const variance =
    s.n <= 1
      ? 0
      : statVariance(s.post) +
        theta * theta * statVariance(s.pre) -
        2 * theta * sampleCovariance(s.n, s.post.sum, s.pre.sum, s.sumProduct);
  return { n: s.n, mean, variance, unadjustedMean: postMean };
}

/**
 * The pair of moments a control-vs-treatment test uses: CUPED-adjusted with a shared θ, or the plain post
 * statistics when θ = 0 (gbstats reverts to non-adjusted statistics then).
 * @example const [a, b] = cupedPair(control, treatment);
 */
export function cupedPair(a: RegressionAdjustedStatistic, b: RegressionAdjustedStatistic): [Moments, Moments] {
  const theta = computeTheta(a, b);
  if (theta === 0) return [momentsOf(a.post), momentsOf(b.post)];
  return [adjustedMoments(a, theta), adjustedMoments(b, theta)];
}
