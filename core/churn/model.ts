/**
 * Churn inference: load a model artifact once, then score profiles. This is the only scoring code path — the
 * evaluation command, the benchmark and the Lambda scorer all call {@link score} (or {@link predictFeatures}) on
 * features from {@link extractFeatures}.
 *
 * The model blends boosted trees and a logistic regression in log-odds. Reasons come from exact additive
 * contributions: Saabas path attribution for the trees (each split's change in node value is credited to its
 * feature) plus coefficient × standardised value for the logistic part, weighted by the blend.
 */
import { readFile } from 'node:fs/promises';
import { parseArtifact, type ChurnArtifact } from './artifact.js';
import { extractFeatures, FEATURE_COUNT, FEATURE_NAMES, F, type FeatureContext } from './features.js';
import { explain } from './reasons.js';
import type { ChurnBand, ChurnProfile, ChurnScore } from './types.js';

/** An artifact compiled for fast scoring: all trees in flat typed arrays. */
export interface ChurnModel {
  artifact: ChurnArtifact;
  version: string;
  ctx: FeatureContext;
  /** Start node of each tree in the flat arrays. */
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  baseScore: number;
  wGbm: number;
  wLogistic: number;
  lrMean: Float64Array;
  lrScale: Float64Array;
  lrCoef: Float64Array;
  lrIntercept: number;
  lrClip: number;
}

/**
 * Compiles a validated artifact (or any JSON value, which is validated first) into a {@link ChurnModel}.
 *
 * @example
 * ```ts
 * const model = loadModel(JSON.parse(text));
 * ```
 */
export function loadModel(json: unknown): ChurnModel {
  const artifact = parseArtifact(json);
  if (artifact.features.length !== FEATURE_COUNT || artifact.features.some((n, i) => n !== FEATURE_NAMES[i])) {
    throw new Error(`churn model ${artifact.version}: feature list does not match this build's features (${FEATURE_NAMES.join(', ')})`);
  }
  let total = 0;
  for (const t of artifact.gbm.trees) total += t.feature.length;
  const roots = new Int32Array(artifact.gbm.trees.length);
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const value = new Float64Array(total);
  let at = 0;
  artifact.gbm.trees.forEach((t, k) => {
    roots[k] = at;
    for (let i = 0; i < t.feature.length; i++) {
      feature[at + i] = t.feature[i];
      threshold[at + i] = t.threshold[i];
      left[at + i] = t.left[i] + at;
      right[at + i] = t.right[i] + at;
      value[at + i] = t.value[i];
    }
    at += t.feature.length;
  });
  return {
    artifact,
    version: artifact.version,
    ctx: { horizonDays: artifact.horizonDays, bgnbd: artifact.featureContext.bgnbd },
    roots, feature, threshold, left, right, value,
    baseScore: artifact.gbm.baseScore,
    wGbm: artifact.blend.gbm,
    wLogistic: artifact.blend.logistic,
    lrMean: Float64Array.from(artifact.logistic.mean),
    lrScale: Float64Array.from(artifact.logistic.scale),
    lrCoef: Float64Array.from(artifact.logistic.coef),
    lrIntercept: artifact.logistic.intercept,
    lrClip: artifact.logistic.clip,
  };
}

/**
 * Reads and compiles a model artifact file.
 *
 * @example
 * ```ts
 * const model = await loadModelFile('models/churn-model.json');
 * ```
 */
export async function loadModelFile(path: string): Promise<ChurnModel> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`churn model ${path}: ${(err as Error).message}`, { cause: err });
  }
  return loadModel(json);
}

/** Raw GBM log-odds (without the blend weight). */
export function gbmRaw(model: ChurnModel, x: ArrayLike<number>): number {
  let s = model.baseScore;
  const { roots, feature, threshold, left, right, value } = model;
  for (let k = 0; k < roots.length; k++) {
    let node = roots[k];
    let f = feature[node];
    while (f >= 0) {
      node = x[f] <= threshold[node] ? left[node] : right[node];
      f = feature[node];
    }
    s += value[node];
  }
  return s;
}

/** Raw logistic-regression log-odds (without the blend weight). */
export function logisticRaw(model: ChurnModel, x: ArrayLike<number>): number {
  let s = model.lrIntercept;
  const c = model.lrClip;
  for (let f = 0; f < model.lrCoef.length; f++) {
    const z = (x[f] - model.lrMean[f]) / model.lrScale[f];
    s += model.lrCoef[f] * (z > c ? c : z < -c ? -c : z);
  }
  return s;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Churn probability of a feature vector, plus the two components' own probabilities (the logistic one is the
 * evaluation's logistic baseline).
 *
 * @example
 * ```ts
 * predictFeatures(model, extractFeatures(profile, asOf, model.ctx)!).probability;
 * ```
 */
export function predictFeatures(model: ChurnModel, x: ArrayLike<number>): { probability: number; gbm: number; logistic: number } {
  const g = gbmRaw(model, x);
  const l = logisticRaw(model, x);
  return { probability: sigmoid(model.wGbm * g + model.wLogistic * l), gbm: sigmoid(g), logistic: sigmoid(l) };
}

/** Probability from the stored recency-only baseline. */
export function predictRecencyBaseline(model: ChurnModel, x: ArrayLike<number>): number {
  const b = model.artifact.recencyBaseline;
  return sigmoid(b.intercept + b.coef * x[F.recency_days]);
}

/**
 * Additive log-odds contributions per feature, written to `out`; returns the blended log-odds, which equals
 * Σ out + bias (bias = blended root values and intercept). One pass over the trees serves both.
 *
 * @example
 * ```ts
 * const c = new Float64Array(FEATURE_COUNT);
 * const logOdds = contributions(model, x, c); // c[f]: feature f's share of the log-odds
 * ```
 */
export function contributions(model: ChurnModel, x: ArrayLike<number>, out: Float64Array = new Float64Array(FEATURE_COUNT)): number {
  out.fill(0);
  const { roots, feature, threshold, left, right, value, wGbm } = model;
  let g = model.baseScore;
  for (let k = 0; k < roots.length; k++) {
    let node = roots[k];
    let f = feature[node];
    while (f >= 0) {
      const next = x[f] <= threshold[node] ? left[node] : right[node];
      out[f] += wGbm * (value[next] - value[node]);
      node = next;
      f = feature[node];
    }
    g += value[node];
  }
  let l = model.lrIntercept;
  const c = model.lrClip;
  for (let f = 0; f < model.lrCoef.length; f++) {
    const z = (x[f] - model.lrMean[f]) / model.lrScale[f];
    const term = model.lrCoef[f] * (z > c ? c : z < -c ? -c : z);
    l += term;
    out[f] += model.wLogistic * term;
  }
  return wGbm * g + model.wLogistic * l;
}

/**
 * The band of a probability under the artifact's thresholds.
 *
 * @example
 * ```ts
 * bandOf(model, 0.9); // 'HIGH'
 * ```
 */
export function bandOf(model: ChurnModel, probability: number): ChurnBand {
  const b = model.artifact.bands;
  return probability >= b.high ? 'HIGH' : probability >= b.medium ? 'MEDIUM' : 'LOW';
}

const scratchX = new Float64Array(FEATURE_COUNT);
const scratchC = new Float64Array(FEATURE_COUNT);

/**
 * Scores one profile at `asOf`. Profiles without any order have no churn score (`null`): churn is defined only for
 * customers who bought.
 *
 * @example
 * ```ts
 * score(model, profile, '2011-09-09T23:59:59.999Z');
 * // { probability: 0.81, band: 'HIGH',
 * //   reasons: ['No purchase for 74 days, longer than the typical gap of 21 days — raises risk', …],
 * //   modelVersion: 'churn-blend-…' }
 * ```
 */
export function score(model: ChurnModel, profile: ChurnProfile, asOf: number | string, options: { reasons?: boolean } = {}): ChurnScore | null {
  const x = extractFeatures(profile, asOf, model.ctx, scratchX);
  if (x === null) return null;
  if (options.reasons === false) {
    const { probability } = predictFeatures(model, x);
    return { probability, band: bandOf(model, probability), reasons: [], modelVersion: model.version };
  }
  const probability = sigmoid(contributions(model, x, scratchC));
  return { probability, band: bandOf(model, probability), reasons: explain(x, scratchC, 3, model.ctx.horizonDays), modelVersion: model.version };
}
