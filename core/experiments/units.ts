/**
 * A standalone experiment's units: one per exposed user, folded from the events stream, and the analysis over
 * them. Pure, so the fold can be replayed and tested without storage.
 *
 * The semantics are GrowthBook's (docs/architecture.md, "Experiments"):
 * - a user's exposure is the earliest `experiment_viewed` for the experiment, by event time, inside its run;
 * - a metric counts the user's events at or after that exposure, and before the end of the metric's window when it
 *   has one (else before the experiment stops);
 * - a user seen in two variations is excluded from the analysis and counted apart;
 * - events are counted once per event id, however often the stream delivers them.
 */
import type { StoredEvent } from '../events/schema.js';
import { allMetrics, type Experiment, type ExperimentMetric } from './definition.js';
import { correctAcrossMetrics } from './stats/corrections.js';
import { analyzeExperiment } from './stats/analyze.js';
import { ExperimentInputError } from './stats/errors.js';
import type { ExperimentAnalysis, PValueCorrection, StatsEngine } from './stats/types.js';

/** Event ids a unit remembers, to skip redelivered and repeated events. */
export const SEEN_LIMIT = 100;
const HOUR = 3_600_000;

/** One exposed user of one experiment. */
export interface UnitState {
  variation: number;
  /** Event time (epoch ms) of the first exposure. */
  exposedAt: number;
  /** Per metric of {@link allMetrics}: matching events (COUNT, CONVERSION) or Σ revenue (REVENUE). */
  values: number[];
  /** Exposed to another variation too: excluded from the analysis. */
  multiple: boolean;
  /** The last event ids that changed this unit, newest last. */
  seen: string[];
}

/**
 * The variation an `experiment_viewed` event names: an index (GrowthBook's SDKs send `variationId` as the index) or a
 * variant key. −1 when it names none.
 *
 * @example
 * viewedVariation(experiment, { experimentId: 'cta', variationId: 1 }) // 1
 */
export function viewedVariation(e: Experiment, properties: Record<string, unknown>): number {
  const v = properties.variationId;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v < e.variants.length ? v : -1;
  if (typeof v !== 'string') return -1;
  const byKey = e.variants.findIndex((x) => x.key === v);
  if (byKey >= 0) return byKey;
  return /^\d+$/.test(v) && Number(v) < e.variants.length ? Number(v) : -1;
}

/** Whether an event is an exposure to `e` (by id). */
export const isExposure = (event: StoredEvent, e: Experiment): boolean =>
  event.type === 'track' && event.event === 'experiment_viewed' && event.properties?.experimentId === e.id;

/** Whether an exposure at `ts` falls inside the experiment's run (exposures of a draft never count). */
function inRun(e: Experiment, ts: number): boolean {
  return e.status !== 'DRAFT' && ts >= Date.parse(e.startAt) && (e.stopAt === undefined || ts < Date.parse(e.stopAt));
}

/** Whether a metric event at `ts` counts for a unit exposed at `exposedAt`. */
function inWindow(e: Experiment, m: ExperimentMetric, exposedAt: number, ts: number): boolean {
  if (ts < exposedAt) return false;
  if (m.windowHours !== undefined) return ts < exposedAt + m.windowHours * HOUR;
  return e.stopAt === undefined || ts < Date.parse(e.stopAt);
}

function metricValue(m: ExperimentMetric, event: StoredEvent): number {
  if (m.kind !== 'REVENUE') return 1;
  const r = event.properties?.revenue;
  return typeof r === 'number' && Number.isFinite(r) ? r : 0;
}

/**
 * Folds one user's events (any order) into the unit, exposures first so the order of arrival within a batch does
 * not matter. Returns the new state, or null when nothing changed (no write is needed).
 *
 * @example
 * const next = foldUnit(experiment, stored, [viewed, order]); // stored: null for a user not yet exposed
 */
export function foldUnit(e: Experiment, state: UnitState | null, events: readonly StoredEvent[]): UnitState | null {
  const metrics = allMetrics(e);
  let unit: UnitState | null = state ? { ...state, values: [...state.values], seen: [...state.seen] } : null;
  let changed = false;
  const seen = new Set(unit?.seen ?? []);
  const remember = (id: string) => {
    seen.add(id);
    unit!.seen.push(id);
    changed = true;
  };
  const fresh = events.filter((ev) => !seen.has(ev.eventId));
  for (const ev of fresh) {
    if (!isExposure(ev, e)) continue;
    const ts = Date.parse(ev.timestamp);
    const variation = viewedVariation(e, ev.properties ?? {});
    if (variation < 0 || !inRun(e, ts)) continue;
    if (!unit) unit = { variation, exposedAt: ts, values: metrics.map(() => 0), multiple: false, seen: [] };
    else if (unit.variation !== variation) unit.multiple = true;
    unit.exposedAt = Math.min(unit.exposedAt, ts);
    remember(ev.eventId);
  }
  if (!unit) return null;
  const u = unit;
  for (const ev of fresh) {
    if (ev.type !== 'track' || isExposure(ev, e) || seen.has(ev.eventId)) continue;
    const ts = Date.parse(ev.timestamp);
    let counted = false;
    metrics.forEach((m, i) => {
      if (m.event !== ev.event || !inWindow(e, m, u.exposedAt, ts)) return;
      u.values[i] = (u.values[i] ?? 0) + metricValue(m, ev);
      counted = true;
    });
    if (counted) remember(ev.eventId);
  }
  if (!changed) return null;
  if (u.seen.length > SEEN_LIMIT) u.seen = u.seen.slice(-SEEN_LIMIT);
  return u;
}

/** Per-variation running sums of one metric (the summary statistics gbstats takes). */
interface Sums {
  users: number;
  sum: number;
  sumSquares: number;
}

/** Summary statistics of every metric, accumulated unit by unit (the units of a big experiment are paged). */
export class UnitSummary {
  readonly exposures: number[];
  multipleExposures = 0;
  private readonly sums: Sums[][];

  constructor(private readonly e: Experiment) {
    this.exposures = e.variants.map(() => 0);
    this.sums = allMetrics(e).map(() => e.variants.map(() => ({ users: 0, sum: 0, sumSquares: 0 })));
  }

  add(unit: Pick<UnitState, 'variation' | 'values' | 'multiple' | 'exposedAt'>): void {
    // Exposures a stale cache let in after the experiment stopped do not count.
    if (this.e.stopAt !== undefined && unit.exposedAt >= Date.parse(this.e.stopAt)) return;
    if (unit.multiple) {
      this.multipleExposures++;
      return;
    }
    if (unit.variation < 0 || unit.variation >= this.exposures.length) return; // a variation no longer defined
    this.exposures[unit.variation]!++;
    allMetrics(this.e).forEach((m, i) => {
      const raw = unit.values[i] ?? 0;
      const x = m.kind === 'CONVERSION' ? (raw > 0 ? 1 : 0) : raw;
      const s = this.sums[i]![unit.variation]!;
      s.users++;
      s.sum += x;
      s.sumSquares += x * x;
    });
  }

  /** The summary statistics of metric `i`, as `analyzeExperiment` takes them. */
  variants(i: number) {
    return this.e.variants.map((v, j) => ({ name: v.key, ...this.sums[i]![j]! }));
  }
}

/** A guardrail's verdict for one variant. */
export type GuardrailStatus = 'OK' | 'FAILING';

/** One metric's analysis, or why there is none yet. */
export interface MetricResult {
  metric: ExperimentMetric;
  guardrail: boolean;
  analysis: ExperimentAnalysis | null;
  note: string | null;
  /** Guardrails only, per variant (control first, always OK): FAILING when the variant is significantly worse. */
  guardrailStatus: GuardrailStatus[] | null;
}

export interface ExperimentResults {
  exposures: number[];
  multipleExposures: number;
  metrics: MetricResult[];
}

/** Significance level of a guardrail; a Bayesian guardrail fails below this chance to win. */
const GUARDRAIL_ALPHA = 0.05;

function guardrailStatus(a: ExperimentAnalysis, engine: StatsEngine, inverse: boolean): GuardrailStatus[] {
  return a.variants.map((v, i) => {
    if (i === 0 || v.lift === null) return 'OK';
    if (engine === 'BAYESIAN') return v.chanceToWin !== null && v.chanceToWin < GUARDRAIL_ALPHA ? 'FAILING' : 'OK';
    const worse = inverse ? (v.ciLower ?? 0) > 0 : (v.ciUpper ?? 0) < 0;
    return worse && v.pValue !== null && v.pValue < GUARDRAIL_ALPHA ? 'FAILING' : 'OK';
  });
}

/**
 * The experiment's analysis from its units' summary: each goal and guardrail metric through the gbstats engine,
 * with the expected split for the SRM check, and the frequentist p-values corrected across every arm of every goal
 * metric (guardrails are judged on their own, uncorrected, as GrowthBook does).
 *
 * @example
 * const s = new UnitSummary(e); for (const u of units) s.add(u);
 * analyzeUnits(e, s, { engine: 'FREQUENTIST', correction: 'HOLM_BONFERRONI' }).metrics[0].analysis
 */
export function analyzeUnits(
  e: Experiment,
  summary: UnitSummary,
  options: { engine: StatsEngine; correction?: PValueCorrection; sequential?: boolean; relative?: boolean },
): ExperimentResults {
  const weights = e.variants.map((v) => v.weight);
  const metrics = allMetrics(e);
  const results: MetricResult[] = metrics.map((m, i) => {
    const guardrail = i >= e.metrics.length;
    try {
      const analysis = analyzeExperiment({
        metric: m.kind === 'CONVERSION' ? 'BINOMIAL' : 'MEAN',
        engine: options.engine,
        relative: options.relative ?? true,
        sequential: options.sequential ?? false,
        inverse: m.inverse ?? false,
        weights,
        variants: summary.variants(i),
      });
      return { metric: m, guardrail, analysis, note: null, guardrailStatus: guardrail ? guardrailStatus(analysis, options.engine, m.inverse ?? false) : null };
    } catch (err) {
      if (!(err instanceof ExperimentInputError)) throw err;
      return { metric: m, guardrail, analysis: null, note: err.message, guardrailStatus: null };
    }
  });
  const correction = options.correction ?? 'NONE';
  if (options.engine === 'FREQUENTIST' && correction !== 'NONE') {
    const goals = results.filter((r) => !r.guardrail && r.analysis);
    const corrected = correctAcrossMetrics(
      goals.map((r) => r.analysis!),
      correction,
    );
    goals.forEach((r, k) => (r.analysis = corrected[k]!));
  }
  return { exposures: [...summary.exposures], multipleExposures: summary.multipleExposures, metrics: results };
}
