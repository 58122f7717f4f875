/**
 * The churn model artifact: a versioned JSON document written by `churn-train` and read by the scorer.
 * Validated with zod at load time, because a model file is an input like any other (docs/architecture.md, "Principles" 2: validate at every
 * boundary).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';

export const ARTIFACT_SCHEMA = 'opsgraph.churn-model/1';

const finite = z.number().finite();
const tree = z
  .object({
    feature: z.array(z.number().int().min(-1)),
    threshold: z.array(finite),
    left: z.array(z.number().int().min(-1)),
    right: z.array(z.number().int().min(-1)),
    value: z.array(finite),
  })
  .refine((t) => [t.threshold, t.left, t.right, t.value].every((a) => a.length === t.feature.length) && t.feature.length > 0, {
    message: 'tree arrays must be non-empty and of equal length',
  });

export const churnArtifactSchema = z.object({
  schema: z.literal(ARTIFACT_SCHEMA),
  /** `churn-blend-<first 12 hex of the sha256 of everything else>`: equal content, equal version. */
  version: z.string().min(1),
  kind: z.literal('gbm+logistic'),
  horizonDays: z.number().int().positive(),
  features: z.array(z.string()).min(1),
  featureContext: z.object({
    bgnbd: z.object({ r: finite.positive(), alpha: finite.positive(), a: finite.positive(), b: finite.positive() }),
  }),
  /** Final log-odds = gbm × raw GBM log-odds + logistic × raw logistic log-odds. */
  blend: z.object({ gbm: finite.min(0), logistic: finite.min(0) }),
  gbm: z.object({ baseScore: finite, trees: z.array(tree) }),
  logistic: z.object({
    mean: z.array(finite),
    scale: z.array(finite.positive()),
    coef: z.array(finite),
    intercept: finite,
    clip: finite.positive(),
  }),
  /** The recency-only baseline (logistic on `recency_days`), kept so a saved model can be compared as it is. */
  recencyBaseline: z.object({ coef: finite, intercept: finite }),
  /** Probability thresholds: ≥ high → HIGH, ≥ medium → MEDIUM, else LOW. */
  bands: z.object({ medium: finite.min(0).max(1), high: finite.min(0).max(1) }).refine((b) => b.medium <= b.high, {
    message: 'bands.medium must not exceed bands.high',
  }),
  hyperparameters: z.record(z.string(), z.unknown()),
  training: z.object({
    dataFile: z.string(),
    dataSha256: z.string(),
    evaluationCutoff: z.string(),
    trainingCutoffs: z.array(z.string()),
    rows: z.number().int().nonnegative(),
    positives: z.number().int().nonnegative(),
    customers: z.number().int().nonnegative(),
  }).loose(),
});

export type ChurnArtifact = z.infer<typeof churnArtifactSchema>;

/**
 * Validates a parsed JSON value as a churn model artifact, with cross-field checks (feature counts, tree indices).
 * Throws with the zod issues or the failed check.
 *
 * @example
 * ```ts
 * const artifact = parseArtifact(JSON.parse(readFileSync('models/churn-model.json', 'utf8')));
 * ```
 */
export function parseArtifact(value: unknown): ChurnArtifact {
  const a = churnArtifactSchema.parse(value);
  const p = a.features.length;
  for (const key of ['mean', 'scale', 'coef'] as const) {
    if (a.logistic[key].length !== p) throw new Error(`churn model: logistic.${key} has ${a.logistic[key].length} values, expected ${p}`);
  }
  a.gbm.trees.forEach((t, k) => {
    t.feature.forEach((f, i) => {
      if (f >= p) throw new Error(`churn model: tree ${k} node ${i} uses feature ${f} of ${p}`);
      if (f >= 0 && !(t.left[i] > i && t.right[i] > i && t.left[i] < t.feature.length && t.right[i] < t.feature.length)) {
        throw new Error(`churn model: tree ${k} node ${i} has bad children`);
      }
    });
  });
  return a;
}

/**
 * The content version of an artifact: a hash over everything but the `version` field.
 *
 * @example
 * ```ts
 * artifactVersion({ ...artifact, version: '' }); // 'churn-blend-3f2a9c0d81e4'
 * ```
 */
export function artifactVersion(artifact: Omit<ChurnArtifact, 'version'> & { version?: string }): string {
  const { version: _ignored, ...rest } = artifact;
  return `churn-blend-${createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 12)}`;
}
