/**
 * The project's fixed churn recipe: which cutoffs to train on, the hyperparameters, and how the artifact is
 * assembled. `churn-train` and `churn-eval` both call {@link trainChurnModel}, so "the same recipe on fresh data"
 * is literally the same function.
 *
 * The hyperparameters were chosen on validation cutoffs of the UCI Online Retail file whose label windows end
 * before the 2011-09-09 test cutoff's training boundary (2011-04-12, 2011-05-12, 2011-06-11), never on the test
 * cutoff itself; see docs/churn-model-card.md.
 */
import type { Order } from '../data/transactions.js';
import { ARTIFACT_SCHEMA, artifactVersion, type ChurnArtifact } from '../../core/churn/artifact.js';
import type { BgNbdParams } from '../../core/churn/bgnbd.js';
import { extractFeatures, F, FEATURE_COUNT, FEATURE_NAMES, type RfmSummary } from '../../core/churn/features.js';
import { fitBgNbd } from './bgnbdFit.js';
import { trainGbm, type GbmParams, type Matrix } from './gbm.js';
import { trainLogistic } from './logistic.js';
import { assertLabelWindowInData, churnLabel, cutoffDate, forEachCutoff, purchaseTimes, trainingCutoffs } from './protocol.js';

export const HYPERPARAMETERS = {
  horizonDays: 90,
  cutoffs: { stepDays: 14, minHistoryDays: 30, maxCutoffs: 12 },
  gbm: {
    trees: 300, learningRate: 0.03, maxDepth: 3, minChildHessian: 5, minChildRows: 40, lambda: 5,
    subsample: 0.8, colsample: 0.8, maxBins: 64, seed: 1,
  } satisfies GbmParams,
  logistic: { l2: 100, clip: 5 },
  blend: { gbm: 0.5, logistic: 0.5 },
  bands: { medium: 0.5, high: 0.75 },
} as const;

/** Rows of the churn design matrix: one per (customer, cutoff). */
export interface ChurnRows {
  x: Matrix;
  y: Uint8Array;
  users: string[];
  /** asOf (epoch ms) of each row. */
  asOf: number[];
  rfm: RfmSummary[];
}

const PLACEHOLDER_BGNBD: BgNbdParams = { r: 1, alpha: 1, a: 1, b: 1 };

/**
 * Builds feature rows and labels for every customer with a purchase at each cutoff, using the inference feature
 * code ({@link extractFeatures}) on profiles folded exactly like the tagger folds events.
 *
 * @example
 * ```ts
 * const rows = buildRows(orders, [cutoffAsOf('2011-09-09')], 90, model.artifact.featureContext.bgnbd);
 * ```
 */
export function buildRows(orders: readonly Order[], cutoffs: readonly number[], horizonDays: number, bgnbd: BgNbdParams = PLACEHOLDER_BGNBD): ChurnRows {
  const times = purchaseTimes(orders);
  const feats: Float64Array[] = [];
  const labels: number[] = [];
  const users: string[] = [];
  const asOfs: number[] = [];
  const rfm: RfmSummary[] = [];
  forEachCutoff(orders, cutoffs, (asOf, profiles) => {
    for (const [user, profile] of profiles) {
      const summary: RfmSummary = { x: 0, tx: 0, T: 0 };
      const v = extractFeatures(profile, asOf, { horizonDays, bgnbd }, new Float64Array(FEATURE_COUNT), summary);
      if (v === null) continue;
      feats.push(v);
      labels.push(churnLabel(times.get(user), asOf, horizonDays));
      users.push(user);
      asOfs.push(asOf);
      rfm.push(summary);
    }
  });
  const data = new Float64Array(feats.length * FEATURE_COUNT);
  feats.forEach((v, i) => data.set(v, i * FEATURE_COUNT));
  return { x: { rows: feats.length, cols: FEATURE_COUNT, data }, y: Uint8Array.from(labels), users, asOf: asOfs, rfm };
}

export interface TrainOptions {
  orders: readonly Order[];
  /**
   * The evaluation cutoff T (asOf instant): training uses only cutoffs whose label windows end by T, so T must not be
   * after the last order (an error otherwise).
   */
  evaluationAsOf: number;
  dataFile: string;
  dataSha256: string;
  /** Label horizon in days; {@link HYPERPARAMETERS}.horizonDays unless told. */
  horizonDays?: number;
  /** Extra facts recorded under `training` (for example read statistics or filters). */
  metadata?: Record<string, unknown>;
  log?: (message: string) => void;
}

/**
 * Trains the churn model for evaluation cutoff T on the data's own earlier cutoffs and returns the artifact.
 *
 * @example
 * ```ts
 * const artifact = trainChurnModel({ orders, evaluationAsOf: cutoffAsOf('2011-09-09'), dataFile, dataSha256 });
 * ```
 */
export function trainChurnModel(opts: TrainOptions): ChurnArtifact {
  const log = opts.log ?? (() => {});
  const hp = HYPERPARAMETERS;
  const h = opts.horizonDays ?? hp.horizonDays;
  if (opts.orders.length === 0) throw new Error('no orders to train on');
  let firstAt = Infinity;
  let lastAt = -Infinity;
  for (const o of opts.orders) {
    if (o.at < firstAt) firstAt = o.at;
    if (o.at > lastAt) lastAt = o.at;
  }
  assertLabelWindowInData(opts.evaluationAsOf, h, lastAt, 'training');
  const cutoffs = trainingCutoffs(opts.evaluationAsOf, firstAt, { horizonDays: h, ...hp.cutoffs });
  if (cutoffs.length === 0) {
    throw new Error(`no training cutoff: need ${hp.cutoffs.minHistoryDays + h} days of data before ${cutoffDate(opts.evaluationAsOf)}`);
  }
  log(`training cutoffs: ${cutoffs.map(cutoffDate).join(', ')}`);

  // BG/NBD parameters first (they feed two features), from the same customers and cutoffs.
  const pre = buildRows(opts.orders, cutoffs, h);
  const bgnbd = fitBgNbd(pre.rfm);
  log(`BG/NBD fit: r=${bgnbd.r.toFixed(3)} alpha=${bgnbd.alpha.toFixed(2)} a=${bgnbd.a.toFixed(3)} b=${bgnbd.b.toFixed(3)}`);
  const rows = buildRows(opts.orders, cutoffs, h, bgnbd);
  let positives = 0;
  for (const v of rows.y) positives += v;
  if (positives === 0 || positives === rows.y.length) throw new Error('training labels are all one class; need more data');
  log(`training rows: ${rows.x.rows} (${positives} churned) from ${new Set(rows.users).size} customers`);

  const gbm = trainGbm(rows.x, rows.y, hp.gbm, (round) => {
    if (round % 50 === 0 || round === hp.gbm.trees) log(`gbm: ${round}/${hp.gbm.trees} trees`);
  });
  const lr = trainLogistic(rows.x, rows.y, hp.logistic);
  const recency = fitRecencyBaseline(rows);

  const body: Omit<ChurnArtifact, 'version'> = {
    schema: ARTIFACT_SCHEMA,
    kind: 'gbm+logistic',
    horizonDays: h,
    features: [...FEATURE_NAMES],
    featureContext: { bgnbd },
    blend: { ...hp.blend },
    gbm: { baseScore: gbm.baseScore, trees: gbm.trees },
    logistic: { mean: lr.mean, scale: lr.scale, coef: lr.coef, intercept: lr.intercept, clip: hp.logistic.clip },
    recencyBaseline: recency,
    bands: { ...hp.bands },
    hyperparameters: JSON.parse(JSON.stringify(hp)) as Record<string, unknown>,
    training: {
      dataFile: opts.dataFile,
      dataSha256: opts.dataSha256,
      evaluationCutoff: cutoffDate(opts.evaluationAsOf),
      trainingCutoffs: cutoffs.map(cutoffDate),
      rows: rows.x.rows,
      positives,
      customers: new Set(rows.users).size,
      ...opts.metadata,
    },
  };
  return { ...body, version: artifactVersion(body) };
}

/** The recency-only baseline: a one-feature logistic regression on `recency_days`, in raw units. */
function fitRecencyBaseline(rows: ChurnRows): { coef: number; intercept: number } {
  const col = new Float64Array(rows.x.rows);
  for (let i = 0; i < rows.x.rows; i++) col[i] = rows.x.data[i * rows.x.cols + F.recency_days];
  const m = trainLogistic({ rows: rows.x.rows, cols: 1, data: col }, rows.y, { l2: 1e-6, clip: 1e9 });
  const coef = m.coef[0] / m.scale[0];
  return { coef, intercept: m.intercept - coef * m.mean[0] };
}
