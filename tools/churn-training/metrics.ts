/**
 * Evaluation metrics for binary churn predictions: ranking (AUC, lift), probability quality (log loss, Brier) and a
 * calibration table. Labels are 1 = churned, 0 = bought again.
 */

/**
 * Area under the ROC curve (Mann–Whitney U with average ranks for ties). `NaN` if one class is absent.
 *
 * @example
 * ```ts
 * auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 * ```
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]] === 1) {
        pos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Mean binary cross-entropy; probabilities are clipped to [1e-15, 1 − 1e-15].
 *
 * @example
 * ```ts
 * logLoss([0.5, 0.5], [0, 1]); // Math.LN2
 * ```
 */
export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probs[i]));
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / probs.length;
}

/**
 * Mean squared error of probabilities.
 *
 * @example
 * ```ts
 * brier([1, 0, 0.5], [1, 0, 1]); // 0.0833…
 * ```
 */
export function brier(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) s += (probs[i] - labels[i]) ** 2;
  return s / probs.length;
}

/** Indices sorted by descending score, ties broken by index so results are deterministic. */
function byScoreDesc(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * Churn rate among the top `fraction` highest-scored customers divided by the overall churn rate.
 *
 * @example
 * ```ts
 * topLift([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], 0.5); // 2
 * ```
 */
export function topLift(scores: ArrayLike<number>, labels: ArrayLike<number>, fraction = 0.1): number {
  const order = byScoreDesc(scores);
  const k = Math.max(1, Math.round(order.length * fraction));
  let top = 0;
  let all = 0;
  for (let i = 0; i < order.length; i++) {
    if (labels[order[i]] === 1) {
      all++;
      if (i < k) top++;
    }
  }
  return all === 0 ? NaN : top / k / (all / order.length);
}

export interface CalibrationBin {
  /** 1 = lowest predicted decile. */
  decile: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/**
 * Calibration table: customers sorted by predicted probability, cut into `bins` equal-count groups; mean prediction
 * vs observed churn rate per group.
 *
 * @example
 * ```ts
 * calibrationTable([0.1, 0.9], [0, 1], 2); // [{ decile: 1, count: 1, meanPredicted: 0.1, observedRate: 0 }, …]
 * ```
 */
export function calibrationTable(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const order = byScoreDesc(probs).reverse();
  const out: CalibrationBin[] = [];
  const n = order.length;
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins);
    const hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0;
    let sy = 0;
    for (let i = lo; i < hi; i++) {
      sp += probs[order[i]];
      sy += labels[order[i]];
    }
    out.push({ decile: b + 1, count: hi - lo, meanPredicted: sp / (hi - lo), observedRate: sy / (hi - lo) });
  }
  return out;
}

export interface BinaryReport {
  n: number;
  positives: number;
  auc: number;
  logloss: number;
  brier: number;
  lift_top_decile: number;
  calibration: CalibrationBin[];
}

/**
 * All of the above for one set of probabilities.
 *
 * @example
 * ```ts
 * const r = binaryReport(probs, labels); // { n, positives, auc, logloss, brier, lift_top_decile, calibration }
 * ```
 */
export function binaryReport(probs: ArrayLike<number>, labels: ArrayLike<number>): BinaryReport {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  return {
    n: probs.length,
    positives,
    auc: auc(probs, labels),
    logloss: logLoss(probs, labels),
    brier: brier(probs, labels),
    lift_top_decile: topLift(probs, labels, 0.1),
    calibration: calibrationTable(probs, labels, 10),
  };
}
