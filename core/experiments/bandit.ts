/**
 * Multi-armed bandit traffic weights by top-two Thompson sampling, after GrowthBook's bandits
 * (packages/stats/gbstats/bayesian/bandits.py): draw Monte Carlo samples from each arm's posterior, give each arm the
 * share of draws in which it is the best or the second best, then apply an additive floor so every arm keeps at
 * least `minWeight` (p = f + (1 − K·f)·w). Weights change only when every arm has `minUnitsPerArm` exposures and at
 * most every `minIntervalMs`; before that the previous weights stand.
 *
 * Posteriors: BINOMIAL arms use Beta(1 + conversions, 1 + users − conversions); MEAN arms use gbstats' Gaussian
 * N(mean, variance / n) under a flat prior. The Monte Carlo draw is seeded and the seed is stored with the weights,
 * so the same state always reproduces the same weights, and assignment (hash.ts) with stored weights is
 * deterministic.
 */
import { fnv1a32 } from './hash.js';
import { marsagliaTsang, mulberry32 } from './random.js';
import type { MetricType } from './stats/types.js';
import { ExperimentInputError } from './stats/errors.js';

export { mulberry32 };

export interface BanditArm {
  users: number;
  /** Conversions (BINOMIAL) or Σ metric (MEAN). */
  sum: number;
  /** Σ metric² (MEAN only). */
  sumSquares?: number;
}

export interface BanditState {
  /** Current traffic weights, one per arm, summing to 1. */
  weights: number[];
  /** Epoch ms of the last reweighting, null before the first. */
  updatedAt: number | null;
  /** Seed of the Monte Carlo draw that produced `weights` (0 before the first update). */
  seed: number;
  /** Number of reweightings so far. */
  updates: number;
  /** P(arm is best) from the last draw, null before the first update. */
  bestArmProbabilities: number[] | null;
}

export interface BanditConfig {
  metric: MetricType;
  /** Base seed of the experiment; each update derives its own seed from it and the update number. */
  seed: number;
  /** Per-arm floor. Default 0.01. */
  minWeight?: number;
  /** Exposures every arm needs before weights move. Default 100. */
  minUnitsPerArm?: number;
  /** Minimum time between reweightings. Default 15 minutes. */
  minIntervalMs?: number;
  /** Monte Carlo draws per update. Default 10 000 (as gbstats). */
  samples?: number;
  /** Top-two Thompson sampling (default) or plain Thompson (P(best)). */
  topTwo?: boolean;
  /** Lower is better. Default false. */
  inverse?: boolean;
}

export type BanditUpdateReason = 'UPDATED' | 'TOO_SOON' | 'NOT_ENOUGH_UNITS';

export interface BanditUpdate {
  state: BanditState;
  updated: boolean;
  reason: BanditUpdateReason;
}

const MINUTE = 60_000;

/**
 * Equal weights before any data.
 * @example initialBanditState(3).weights // [1/3, 1/3, 1/3]
 */
export function initialBanditState(numArms: number): BanditState {
  if (!Number.isInteger(numArms) || numArms < 2) throw new ExperimentInputError('a bandit needs at least 2 arms');
  return { weights: new Array<number>(numArms).fill(1 / numArms), updatedAt: null, seed: 0, updates: 0, bestArmProbabilities: null };
}

function normal(rng: () => number): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function gamma(shape: number, rng: () => number): number {
  // Marsaglia–Tsang; shape < 1 boosted by U^(1/shape).
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(1 - rng(), 1 / shape);
  return marsagliaTsang(shape, () => normal(rng), () => 1 - rng());
}

function beta(a: number, b: number, rng: () => number): number {
  const x = gamma(a, rng);
  return x / (x + gamma(b, rng));
}

function validateArms(arms: readonly BanditArm[], metric: MetricType): void {
  if (!Array.isArray(arms) || arms.length < 2) throw new ExperimentInputError('a bandit needs at least 2 arms');
  arms.forEach((arm, i) => {
    const { users, sum } = arm;
    if (!Number.isInteger(users) || users < 0) throw new ExperimentInputError(`arms[${i}].users must be a non-negative integer`);
    if (!Number.isFinite(sum)) throw new ExperimentInputError(`arms[${i}].sum must be a finite number`);
    if (metric === 'BINOMIAL' && (sum < 0 || sum > users)) {
      throw new ExperimentInputError(`arms[${i}].sum (conversions) must be between 0 and users`);
    }
    if (metric === 'MEAN' && !Number.isFinite(arm.sumSquares ?? Number.NaN)) {
      throw new ExperimentInputError(`arms[${i}].sumSquares is required for MEAN bandits`);
    }
  });
}

/**
 * Thompson-sampling weights for the given arms with a fixed seed: the same arms and seed always give the same weights.
 * @example
 * ```ts
 * computeBanditWeights([{ users: 500, sum: 50 }, { users: 500, sum: 70 }], { metric: 'BINOMIAL', seed: 7 })
 * // { weights: [≈0.5, ≈0.5] with top-two, bestArmProbabilities: [≈0.03, ≈0.97] }
 * ```
 */
export function computeBanditWeights(
  arms: readonly BanditArm[],
  config: BanditConfig,
): { weights: number[]; bestArmProbabilities: number[] } {
  validateArms(arms, config.metric);
  const k = arms.length;
  const samples = config.samples ?? 10_000;
  const topTwo = config.topTwo ?? true;
  const sign = config.inverse ? -1 : 1;
  const rng = mulberry32(config.seed);

  const draw: (() => number)[] = arms.map((arm) => {
    if (config.metric === 'BINOMIAL') {
      const a = 1 + arm.sum;
      const b = 1 + arm.users - arm.sum;
      return () => beta(a, b, rng);
    }
    const n = arm.users;
    const mean = n > 0 ? arm.sum / n : 0;
    const variance = n > 1 ? Math.max(0, ((arm.sumSquares ?? 0) - (arm.sum * arm.sum) / n) / (n - 1)) : 0;
    const sd = n > 0 ? Math.sqrt(variance / n) : 0;
    return () => mean + sd * normal(rng);
  });

  const best = new Array<number>(k).fill(0);
  const topTwoCounts = new Array<number>(k).fill(0);
  const y = new Array<number>(k);
  for (let s = 0; s < samples; s++) {
    let first = -1;
    let second = -1;
    for (let i = 0; i < k; i++) {
      y[i] = sign * draw[i]();
      if (first < 0 || y[i] > y[first]) {
        second = first;
        first = i;
      } else if (second < 0 || y[i] > y[second]) {
        second = i;
      }
    }
    best[first]++;
    topTwoCounts[first]++;
    topTwoCounts[second]++;
  }
  const bestArmProbabilities = best.map((c) => c / samples);
  const raw = topTwo ? topTwoCounts.map((c) => c / (2 * samples)) : bestArmProbabilities;
  return { weights: applyFloor(raw, config.minWeight ?? 0.01), bestArmProbabilities };
}

/**
 * Additive floor on the simplex (GrowthBook): p = f + (1 − K·f)·w/Σw, so every arm keeps ≥ f and the ordering and
 * spacing above the floor are preserved; uniform when K·f ≥ 1.
 * @example applyFloor([1, 0, 0], 0.01) // [0.98, 0.01, 0.01]
 */
export function applyFloor(weights: readonly number[], minWeight: number): number[] {
  const k = weights.length;
  const f = Math.max(0, minWeight);
  if (f * k >= 1) return new Array<number>(k).fill(1 / k);
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => f + (1 - f * k) * (total > 0 ? w / total : 1 / k));
}

/**
 * One scheduled bandit step: pure in (previous state, arms, asOf). Keeps the previous weights when the last update
 * was less than `minIntervalMs` ago or some arm has fewer than `minUnitsPerArm` exposures; otherwise redraws with a
 * seed derived from the experiment seed and the update number, and stores that seed with the new weights.
 * @example
 * ```ts
 * let state = initialBanditState(3);
 * ({ state } = updateBandit(state, arms, Date.parse('2024-06-01T00:15:00Z'), { metric: 'BINOMIAL', seed: 42 }));
 * ```
 */
export function updateBandit(
  previous: BanditState,
  arms: readonly BanditArm[],
  asOf: number | Date,
  config: BanditConfig,
): BanditUpdate {
  validateArms(arms, config.metric);
  if (arms.length !== previous.weights.length) {
    throw new ExperimentInputError(`expected ${previous.weights.length} arms, got ${arms.length}`);
  }
  const now = typeof asOf === 'number' ? asOf : asOf.getTime();
  if (!Number.isFinite(now)) throw new ExperimentInputError('asOf must be a valid time');
  const interval = config.minIntervalMs ?? 15 * MINUTE;
  if (previous.updatedAt !== null && now - previous.updatedAt < interval) {
    return { state: previous, updated: false, reason: 'TOO_SOON' };
  }
  const minUnits = config.minUnitsPerArm ?? 100;
  if (arms.some((a) => a.users < minUnits)) return { state: previous, updated: false, reason: 'NOT_ENOUGH_UNITS' };

  const updates = previous.updates + 1;
  const seed = fnv1a32(`${config.seed >>> 0}:${updates}`);
  const { weights, bestArmProbabilities } = computeBanditWeights(arms, { ...config, seed });
  return { state: { weights, updatedAt: now, seed, updates, bestArmProbabilities }, updated: true, reason: 'UPDATED' };
}
