/** Types of the experiments statistics engine (summary statistics in, per-variant inference out). */

/** BINOMIAL: `sum` counts converted users. MEAN: `sum`/`sumSquares` are per-user metric totals. */
export type MetricType = 'BINOMIAL' | 'MEAN';
export type StatsEngine = 'BAYESIAN' | 'FREQUENTIST';
export type PValueCorrection = 'NONE' | 'HOLM_BONFERRONI' | 'BENJAMINI_HOCHBERG';

/** Summary statistics of one variant. `pre*` and `sumProduct` (post × pre) turn on CUPED. */
export interface VariantInput {
  name: string;
  /** Number of units (users) exposed to the variant. */
  users: number;
  /** Sum of the metric over users (conversions for BINOMIAL). */
  sum: number;
  /** Sum of squared per-user values; ignored for BINOMIAL (where it equals `sum`). */
  sumSquares: number;
  /** Sum of the pre-exposure covariate over users. */
  preSum?: number;
  /** Sum of the squared pre-exposure covariate; ignored for BINOMIAL. */
  preSumSquares?: number;
  /** Sum over users of metric × covariate. */
  sumProduct?: number;
}

/** A Gaussian prior on the relative lift (as gbstats' `prior_type="relative"`); improper (flat) unless `proper`. */
export interface GaussianPriorInput {
  mean: number;
  stddev: number;
  proper: boolean;
}

export interface ExperimentInput {
  metric: MetricType;
  engine: StatsEngine;
  /** Relative lift (b − a) / a when true (default), absolute difference b − a otherwise. */
  relative?: boolean;
  /** Two-sided significance level; credible intervals are 1 − alpha. Default 0.05. */
  alpha?: number;
  /** Frequentist only: asymptotic confidence sequences (always-valid p-values). Default false. */
  sequential?: boolean;
  /** Expected total sample size the sequential intervals are tuned for. Default 5000. */
  sequentialTuning?: number;
  /** Multiple-comparison correction across the treatment arms (frequentist p-values). Default NONE. */
  correction?: PValueCorrection;
  /** Expected traffic split, one per variant, summing to ~1. Default equal. */
  weights?: number[];
  /** Bayesian only: prior on the relative lift. Default improper flat. */
  prior?: GaussianPriorInput;
  /** Lower is better (e.g. latency, churn): flips chance to win and risk. Default false. */
  inverse?: boolean;
  /** First variant is the control. */
  variants: VariantInput[];
}

/** gbstats' error messages for an uninformative ("default") result. */
export type AnalysisErrorCode =
  | 'ZERO_NEGATIVE_BASELINE_VARIATION'
  | 'ZERO_NEGATIVE_VARIANCE'
  | 'NO_UNITS_IN_VARIATION';

export interface VariantResult {
  name: string;
  users: number;
  /** Unadjusted mean (conversion rate for BINOMIAL), as gbstats reports `cr`. */
  mean: number;
  /** Relative or absolute difference vs control (CUPED-adjusted, prior-shrunk). null for the control. */
  lift: number | null;
  ciLower: number | null;
  ciUpper: number | null;
  /** Frequentist only. */
  pValue: number | null;
  /** Frequentist only: after `correction` (equals `pValue` when NONE). */
  adjustedPValue: number | null;
  /** Bayesian only: P(treatment beats control). */
  chanceToWin: number | null;
  /** Bayesian only: expected loss of shipping this variant (gbstats `risk[1]`, in lift units). */
  risk: number | null;
  /** Set when the test could not be computed and uninformative output was returned (gbstats convention). */
  errorMessage?: AnalysisErrorCode;
}

export interface ExperimentAnalysis {
  srmPValue: number;
  /** srmPValue < 0.001 */
  srmWarning: boolean;
  variants: VariantResult[];
}
