/**
 * A standalone experiment: what `createExperiment` takes and the experiments table keeps. Pure (zod only), so the
 * engine, the GraphQL resolvers and the tests share one definition.
 *
 * Conventions follow GrowthBook: the key is the tracking key and, unless told, the hash seed; weights are
 * fractions summing to 1; coverage shrinks every arm from its start; a namespace (layer) gives the experiment a
 * slice of a hash space that no other experiment of the layer may overlap (docs/architecture.md, "Experiments").
 */
import * as z from 'zod';
import { assignVariation, hash, inNamespace, type AssignmentSpec } from './hash.js';

export const experimentStatusSchema = z.enum(['DRAFT', 'RUNNING', 'STOPPED']);
export type ExperimentStatus = z.infer<typeof experimentStatusSchema>;

/** COUNT: matching events per user (MEAN); CONVERSION: did the user do it (BINOMIAL); REVENUE: Σ `revenue` (MEAN). */
export const experimentMetricKindSchema = z.enum(['COUNT', 'CONVERSION', 'REVENUE']);
export type ExperimentMetricKind = z.infer<typeof experimentMetricKindSchema>;

const key = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'keys are 1–64 letters, digits, _ . or -, starting with a letter or digit');
const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const experimentMetricSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: experimentMetricKindSchema,
  /** The track event the metric counts (`order_completed` for revenue, usually). */
  event: z.string().regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'event names are snake_case'),
  /** Only events within this many hours of the user's first exposure count; unset: until the experiment stops. */
  windowHours: z.number().positive().max(24 * 365).optional(),
  /** Lower is better (refunds, unsubscribes): flips chance to win, risk and the guardrail's direction. */
  inverse: z.boolean().optional(),
});
export type ExperimentMetric = z.infer<typeof experimentMetricSchema>;

export const MAX_VARIANTS = 10;
export const MAX_METRICS = 10;

/** What `createExperiment` accepts; checked whole, so an unknown field or a bad weight is an error, not a default. */
export const experimentInputSchema = z
  .strictObject({
    key,
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    variants: z
      .array(z.strictObject({ key, name: z.string().trim().min(1).max(200).optional(), weight: z.number().min(0).max(1).optional() }))
      .min(2)
      .max(MAX_VARIANTS),
    /** Fraction of users in the experiment at all (GrowthBook coverage). */
    coverage: z.number().gt(0).max(1).default(1),
    /** The hash seed; the key unless told (as GrowthBook's SDKs do). */
    seed: z.string().min(1).max(128).optional(),
    namespace: z.strictObject({ name: key, start: z.number().min(0).max(1), end: z.number().min(0).max(1) }).optional(),
    metrics: z.array(experimentMetricSchema).min(1).max(MAX_METRICS),
    guardrails: z.array(experimentMetricSchema).max(MAX_METRICS).default([]),
    startAt: isoTime,
    stopAt: isoTime.optional(),
  })
  .superRefine((e, ctx) => {
    const weights = e.variants.map((v) => v.weight);
    const given = weights.filter((w) => w !== undefined).length;
    if (given !== 0 && given !== weights.length) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'give every variant a weight, or none' });
    if (given === weights.length) {
      const total = weights.reduce<number>((s, w) => s + w!, 0);
      if (Math.abs(total - 1) > 1e-6) ctx.addIssue({ code: 'custom', path: ['variants'], message: `weights must sum to 1 (they sum to ${total})` });
    }
    if (new Set(e.variants.map((v) => v.key)).size !== e.variants.length) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'variant keys must be unique' });
    const names = [...e.metrics, ...e.guardrails].map((m) => m.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'metric names must be unique across metrics and guardrails' });
    if (e.namespace && e.namespace.start >= e.namespace.end) ctx.addIssue({ code: 'custom', path: ['namespace'], message: 'namespace start must be below its end' });
    if (e.stopAt && e.stopAt <= e.startAt) ctx.addIssue({ code: 'custom', path: ['stopAt'], message: 'stopAt must be after startAt' });
  });
export type ExperimentInput = z.input<typeof experimentInputSchema>;

/** An experiment as stored (partition key `id`, which is the key). */
export interface Experiment {
  id: string;
  key: string;
  name: string;
  description?: string;
  status: ExperimentStatus;
  variants: Array<{ key: string; name: string; weight: number }>;
  coverage: number;
  seed: string;
  namespace?: { name: string; start: number; end: number };
  metrics: ExperimentMetric[];
  guardrails: ExperimentMetric[];
  startAt: string;
  stopAt?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A new experiment from checked input; throws the zod error for bad input (the resolver reports it as
 * BAD_USER_INPUT). Missing weights are equal; missing names are the keys.
 *
 * @example
 * newExperiment({ key: 'checkout-cta', name: 'CTA', variants: [{ key: 'control' }, { key: 'green' }],
 *   metrics: [{ name: 'orders', kind: 'CONVERSION', event: 'order_completed', windowHours: 72 }], startAt: now }, now)
 */
export function newExperiment(input: ExperimentInput, now: string): Experiment {
  const e = experimentInputSchema.parse(input);
  const equal = 1 / e.variants.length;
  const experiment: Experiment = {
    id: e.key,
    key: e.key,
    name: e.name,
    status: 'DRAFT',
    variants: e.variants.map((v) => ({ key: v.key, name: v.name ?? v.key, weight: v.weight ?? equal })),
    coverage: e.coverage,
    seed: e.seed ?? e.key,
    metrics: e.metrics,
    guardrails: e.guardrails,
    startAt: e.startAt,
    createdAt: now,
    updatedAt: now,
  };
  if (e.description !== undefined) experiment.description = e.description;
  if (e.namespace) experiment.namespace = e.namespace;
  if (e.stopAt) experiment.stopAt = e.stopAt;
  return experiment;
}

/** Every metric of an experiment in stored order (goals, then guardrails): the index of a unit's `values`. */
export const allMetrics = (e: Pick<Experiment, 'metrics' | 'guardrails'>): ExperimentMetric[] => [...e.metrics, ...e.guardrails];

/** Whether an experiment takes exposures at `atMs` (event time): RUNNING, started and not stopped. */
export function isLive(e: Pick<Experiment, 'status' | 'startAt' | 'stopAt'>, atMs: number): boolean {
  return e.status === 'RUNNING' && atMs >= Date.parse(e.startAt) && (e.stopAt === undefined || atMs < Date.parse(e.stopAt));
}

/**
 * The experiments of the same layer whose slices overlap `e`'s: none may run together, so a user is in at most one
 * experiment of a layer.
 *
 * @example
 * overlapping(candidate, await listExperiments(table)) // [] when the slices are disjoint
 */
export function overlapping(e: Experiment, others: readonly Experiment[]): Experiment[] {
  const ns = e.namespace;
  if (!ns) return [];
  return others.filter(
    (o) => o.id !== e.id && o.status !== 'STOPPED' && o.namespace?.name === ns.name && o.namespace.start < ns.end && ns.start < o.namespace.end,
  );
}

export const assignmentSpec = (e: Experiment): AssignmentSpec => ({
  seed: e.seed,
  numVariations: e.variants.length,
  weights: e.variants.map((v) => v.weight),
  coverage: e.coverage,
  namespace: e.namespace ? [e.namespace.name, e.namespace.start, e.namespace.end] : undefined,
  hashVersion: 2,
});

/** Why a user is or is not in an experiment. */
export type AssignmentReason = 'ASSIGNED' | 'NOT_RUNNING' | 'OUTSIDE_NAMESPACE' | 'OUTSIDE_COVERAGE';

export interface Assignment {
  /** The variation index, or −1 when the user is not in the experiment. */
  variation: number;
  /** GrowthBook's hash v2 of the seed and the user, in [0, 1). */
  bucket: number;
  reason: AssignmentReason;
}

/**
 * The variation a user gets, as a GrowthBook SDK would compute it from the same seed, weights, coverage and
 * namespace (hash v2): deterministic and sticky without storage.
 *
 * @example
 * assign(experiment, 'u-42', Date.now()) // { variation: 1, bucket: 0.6131, reason: 'ASSIGNED' }
 */
export function assign(e: Experiment, userId: string, atMs: number): Assignment {
  const spec = assignmentSpec(e);
  const bucket = hash(spec.seed, userId, 2)!;
  if (!isLive(e, atMs)) return { variation: -1, bucket, reason: 'NOT_RUNNING' };
  const variation = assignVariation(spec, userId);
  if (variation >= 0) return { variation, bucket, reason: 'ASSIGNED' };
  const outsideNamespace = spec.namespace !== undefined && !inNamespace(userId, spec.namespace);
  return { variation, bucket, reason: outsideNamespace ? 'OUTSIDE_NAMESPACE' : 'OUTSIDE_COVERAGE' };
}
