/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method. It is both the
 * baseline the GBM must beat and one half of the final blend.
 */
import type { Matrix } from './gbm.js';

export interface LogisticModel {
  /** Per-feature mean and standard deviation used to standardise inputs. */
  mean: number[];
  scale: number[];
  coef: number[];
  intercept: number;
}

/** Solves the symmetric positive-definite system A x = b (Cholesky), A given as row-major n × n. */
function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j * n + j];
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * z[k];
    z[i] = s / L[i * n + i];
  }
  const out = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * out[k];
    out[i] = s / L[i * n + i];
  }
  return out;
}

/**
 * Fits logistic regression with penalty `l2 / 2 × ‖coef‖²` (intercept unpenalised); standardised inputs are
 * clipped to ±`clip` so one extreme customer cannot dominate.
 *
 * @example
 * ```ts
 * const lr = trainLogistic(x, y, { l2: 1 });
 * predictLogisticRaw(lr, features); // log-odds
 * ```
 */
export function trainLogistic(x: Matrix, y: ArrayLike<number>, opts: { l2: number; iterations?: number; clip?: number }): LogisticModel {
  const { rows: n, cols: p, data } = x;
  const clip = opts.clip ?? 5;
  const mean = new Array<number>(p).fill(0);
  const scale = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) mean[f] += data[i * p + f] / n;
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) scale[f] += (data[i * p + f] - mean[f]) ** 2 / n;
  for (let f = 0; f < p; f++) scale[f] = Math.sqrt(scale[f]) || 1;
  const d = p + 1; // last column is the intercept
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < p; f++) z[i * d + f] = Math.max(-clip, Math.min(clip, (data[i * p + f] - mean[f]) / scale[f]));
    z[i * d + p] = 1;
  }
  const w = new Float64Array(d);
  for (let it = 0; it < (opts.iterations ?? 25); it++) {
    const g = new Float64Array(d);
    const H = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += w[k] * z[i * d + k];
      const q = 1 / (1 + Math.exp(-s));
      const r = q - y[i];
      const h = q * (1 - q);
      for (let a = 0; a < d; a++) {
        const za = z[i * d + a];
        g[a] += r * za;
        const hza = h * za;
        for (let b = 0; b <= a; b++) H[a * d + b] += hza * z[i * d + b];
      }
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) H[b * d + a] = H[a * d + b];
    for (let a = 0; a < p; a++) {
      g[a] += opts.l2 * w[a];
      H[a * d + a] += opts.l2;
    }
    H[p * d + p] += 1e-9;
    const step = solveSpd(H, g, d);
    let change = 0;
    for (let k = 0; k < d; k++) {
      w[k] -= step[k];
      change = Math.max(change, Math.abs(step[k]));
    }
    if (change < 1e-8) break;
  }
  return { mean, scale, coef: Array.from(w.subarray(0, p)), intercept: w[p] };
}

/**
 * Log-odds for one feature vector.
 */
export function predictLogisticRaw(model: LogisticModel, features: ArrayLike<number>, clip = 5): number {
  let s = model.intercept;
  for (let f = 0; f < model.coef.length; f++) {
    const v = Math.max(-clip, Math.min(clip, (features[f] - model.mean[f]) / model.scale[f]));
    s += model.coef[f] * v;
  }
  return s;
}
