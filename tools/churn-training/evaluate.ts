/**
 * Evaluation at one cutoff: the model (through the production {@link score} path) and its two baselines on exactly
 * the same customers and labels.
 */
import type { Order } from '../data/transactions.js';
import { extractFeatures, FEATURE_COUNT } from '../../core/churn/features.js';
import { predictFeatures, predictRecencyBaseline, score, type ChurnModel } from '../../core/churn/model.js';
import { binaryReport, type BinaryReport } from './metrics.js';
import { assertLabelWindowInData, churnLabel, forEachCutoff, purchaseTimes } from './protocol.js';

export interface CutoffEvaluation {
  n: number;
  churnRate: number;
  model: BinaryReport;
  /** The blend's tree half alone (diagnostic). */
  gbm: BinaryReport;
  /** Logistic regression trained on the same rows and features: the baseline to beat. */
  logistic: BinaryReport;
  /** Logistic regression on recency alone. */
  recency: BinaryReport;
}

/**
 * Scores every customer with a purchase at or before `asOf` and compares with the labels in (asOf, asOf + horizon].
 * Throws when that window runs past the last order (see {@link assertLabelWindowInData}).
 *
 * @example
 * ```ts
 * const ev = evaluateAtCutoff(model, orders, cutoffAsOf('2011-09-09'));
 * ev.model.auc; ev.logistic.auc; ev.recency.auc;
 * ```
 */
export function evaluateAtCutoff(model: ChurnModel, orders: readonly Order[], asOf: number): CutoffEvaluation {
  const times = purchaseTimes(orders);
  const h = model.ctx.horizonDays;
  let lastAt = -Infinity;
  for (const o of orders) if (o.at > lastAt) lastAt = o.at;
  if (lastAt === -Infinity) throw new Error('no orders to evaluate on');
  assertLabelWindowInData(asOf, h, lastAt, 'evaluation');
  const y: number[] = [];
  const pModel: number[] = [];
  const pGbm: number[] = [];
  const pLogistic: number[] = [];
  const pRecency: number[] = [];
  const x = new Float64Array(FEATURE_COUNT);
  forEachCutoff(orders, [asOf], (at, profiles) => {
    for (const [user, profile] of profiles) {
      const s = score(model, profile, at, { reasons: false });
      if (s === null) continue;
      // Baselines read the same feature vector the scorer computed.
      extractFeatures(profile, at, model.ctx, x);
      const parts = predictFeatures(model, x);
      y.push(churnLabel(times.get(user), at, h));
      pModel.push(s.probability);
      pGbm.push(parts.gbm);
      pLogistic.push(parts.logistic);
      pRecency.push(predictRecencyBaseline(model, x));
    }
  });
  if (y.length === 0) throw new Error('no customer with a purchase on or before the cutoff');
  return {
    n: y.length,
    churnRate: y.reduce((a, b) => a + b, 0) / y.length,
    model: binaryReport(pModel, y),
    gbm: binaryReport(pGbm, y),
    logistic: binaryReport(pLogistic, y),
    recency: binaryReport(pRecency, y),
  };
}
