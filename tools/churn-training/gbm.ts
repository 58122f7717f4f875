/**
 * Gradient-boosted decision trees for binary log loss (second-order, histogram splits, row and column subsampling),
 * small enough to read in one sitting. Trees are stored as flat arrays that {@link predictTreeRaw} walks, and every
 * node keeps its value so predictions can be attributed to features (Saabas path attribution, see model.ts).
 */
import { mulberry32 } from './random.js';

export interface GbmParams {
  trees: number;
  learningRate: number;
  maxDepth: number;
  /** Smallest hessian sum (≈ p(1−p) × rows) allowed in a child. */
  minChildHessian: number;
  minChildRows: number;
  /** L2 penalty on leaf values. */
  lambda: number;
  subsample: number;
  colsample: number;
  maxBins: number;
  seed: number;
}

/** One tree as parallel arrays; `feature[i] < 0` marks a leaf. Values already include the learning rate. */
export interface FlatTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbmModel {
  /** Log-odds before any tree. */
  baseScore: number;
  trees: FlatTree[];
}

/** A row-major matrix: `rows × cols` values, row i at `data[i * cols … i * cols + cols)`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Candidate split values per feature: up to `maxBins − 1` quantiles; x ≤ edge[b] falls in bins 0…b. */
function binEdges(col: Float64Array, maxBins: number): number[] {
  const sorted = Float64Array.from(col).sort();
  const unique: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) unique.push(sorted[i]);
  if (unique.length <= maxBins) return unique.slice(0, -1);
  const edges: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const v = sorted[Math.floor((q * sorted.length) / maxBins)];
    if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
  }
  if (edges[edges.length - 1] >= unique[unique.length - 1]) edges.pop();
  return edges;
}

function binOf(v: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Trains a boosted ensemble on `x` (rows × features) with labels `y` ∈ {0, 1}, optionally weighted.
 *
 * @example
 * ```ts
 * const model = trainGbm({ rows: 4, cols: 1, data: Float64Array.of(1, 2, 3, 4) }, Uint8Array.of(0, 0, 1, 1), params);
 * predictGbmRaw(model, Float64Array.of(3.5)); // > 0
 * ```
 */
export function trainGbm(
  x: Matrix,
  y: ArrayLike<number>,
  params: GbmParams,
  onRound?: (round: number) => void,
): GbmModel {
  const n = x.rows;
  const p = x.cols;
  const rand = mulberry32(params.seed);
  const edges: number[][] = [];
  const bins = new Uint8Array(n * p); // column-major for histogram building
  for (let f = 0; f < p; f++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = x.data[i * p + f];
    const e = binEdges(col, Math.min(255, params.maxBins));
    edges.push(e);
    for (let i = 0; i < n; i++) bins[f * n + i] = binOf(col[i], e);
  }

  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i];
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, pos / n));
  const baseScore = Math.log(prior / (1 - prior));
  const raw = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: FlatTree[] = [];
  const maxB = 256;
  const hG = new Float64Array(maxB);
  const hH = new Float64Array(maxB);
  const hC = new Float64Array(maxB);

  for (let round = 0; round < params.trees; round++) {
    for (let i = 0; i < n; i++) {
      const q = sigmoid(raw[i]);
      grad[i] = q - y[i];
      hess[i] = Math.max(q * (1 - q), 1e-12);
    }
    const sample: number[] = [];
    for (let i = 0; i < n; i++) if (params.subsample >= 1 || rand() < params.subsample) sample.push(i);
    const feats: number[] = [];
    for (let f = 0; f < p; f++) if (params.colsample >= 1 || rand() < params.colsample) feats.push(f);
    if (feats.length === 0) feats.push(Math.floor(rand() * p));

    const tree: FlatTree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const leafValue = (g: number, h: number) => (-g / (h + params.lambda)) * params.learningRate;
    const grow = (rows: number[], depth: number): number => {
      let G = 0;
      let H = 0;
      for (const i of rows) {
        G += grad[i];
        H += hess[i];
      }
      const id = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(leafValue(G, H));
      if (depth >= params.maxDepth || rows.length < 2 * params.minChildRows) return id;
      const parentScore = (G * G) / (H + params.lambda);
      let bestGain = 1e-9;
      let bestF = -1;
      let bestB = -1;
      for (const f of feats) {
        const nb = edges[f].length + 1;
        if (nb < 2) continue;
        hG.fill(0, 0, nb);
        hH.fill(0, 0, nb);
        hC.fill(0, 0, nb);
        const base = f * n;
        for (const i of rows) {
          const b = bins[base + i];
          hG[b] += grad[i];
          hH[b] += hess[i];
          hC[b]++;
        }
        let gl = 0, hl = 0, cl = 0;
        for (let b = 0; b < nb - 1; b++) {
          gl += hG[b];
          hl += hH[b];
          cl += hC[b];
          const cr = rows.length - cl;
          if (cl < params.minChildRows) continue;
          if (cr < params.minChildRows) break;
          const hr = H - hl;
          if (hl < params.minChildHessian || hr < params.minChildHessian) continue;
          const gr = G - gl;
          const gain = (gl * gl) / (hl + params.lambda) + (gr * gr) / (hr + params.lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestB = b;
          }
        }
      }
      if (bestF < 0) return id;
      const l: number[] = [];
      const r: number[] = [];
      const base = bestF * n;
      for (const i of rows) (bins[base + i] <= bestB ? l : r).push(i);
      tree.feature[id] = bestF;
      tree.threshold[id] = edges[bestF][bestB];
      tree.left[id] = grow(l, depth + 1);
      tree.right[id] = grow(r, depth + 1);
      return id;
    };
    grow(sample, 0);
    trees.push(tree);
    // Update every row (not just the sample) with the new tree.
    for (let i = 0; i < n; i++) raw[i] += predictTreeRaw(tree, x.data, i * p);
    onRound?.(round + 1);
  }
  return { baseScore, trees };
}

/**
 * Value of one tree for the row starting at `offset` in `data`.
 */
export function predictTreeRaw(tree: FlatTree, data: ArrayLike<number>, offset = 0): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    node = data[offset + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return tree.value[node];
}

/**
 * Log-odds of the ensemble for one feature vector.
 *
 * @example
 * ```ts
 * sigmoid(predictGbmRaw(model, features)); // probability
 * ```
 */
export function predictGbmRaw(model: GbmModel, features: ArrayLike<number>): number {
  let s = model.baseScore;
  for (const t of model.trees) s += predictTreeRaw(t, features, 0);
  return s;
}
