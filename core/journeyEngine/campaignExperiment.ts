import type { BanditState } from '../experiments/bandit.js';
import { analyzeExperiment } from '../experiments/stats/analyze.js';
import { ExperimentInputError } from '../experiments/stats/errors.js';
import type { ExperimentAnalysis, StatsEngine, VariantInput } from '../experiments/stats/types.js';
import type { Journey } from '../journeys/schema.js';
import type { SplitOutcome } from './store/outbox.js';

/** One metric of a split's analysis; `analysis` is null (with `note`) when it cannot be computed yet. */
export interface SplitMetric {
  metric: 'CONVERSION' | 'REVENUE';
  analysis: ExperimentAnalysis | null;
  note: string | null;
}

export interface SplitExperiment {
  node: string;
  kind: 'HOLDOUT' | 'RANDOM';
  variants: Array<{ name: string; users: number; converted: number; revenue: number }>;
  metrics: SplitMetric[];
  /** A THOMPSON node's bandit state (set by the resolver, which reads it); absent otherwise. */
  allocation?: BanditState | null;
}

/** The split nodes of a journey, HOLDOUTs first (the "does the strategy work" question), then RANDOMs. */
export function splitNodes(journey: Journey): string[] {
  const ids = Object.keys(journey.nodes);
  return [...ids.filter((id) => journey.nodes[id]!.type === 'HOLDOUT'), ...ids.filter((id) => journey.nodes[id]!.type === 'RANDOM')];
}

/** Exposed enrollments per variant of one split node and their goal conversions and revenue. */
export interface SplitUnits {
  kind: 'HOLDOUT' | 'RANDOM';
  names: string[];
  /** The node's own split (a bandit's starting one), one per variant. */
  weights: number[];
  units: Array<{ users: number; converted: number; revenue: number; revenueSquares: number }>;
}

/**
 * Counts a split node's exposures and the goals of the exposed enrollments: units are enrollments, each exposed
 * once at the node. Null when the node is not a split.
 *
 * @example
 * splitUnits(journey, 'ab', outcomes)?.units.map((u) => u.converted)
 */
export function splitUnits(journey: Journey, node: string, outcomes: readonly SplitOutcome[]): SplitUnits | null {
  const n = journey.nodes[node];
  if (!n || (n.type !== 'HOLDOUT' && n.type !== 'RANDOM')) return null;
  const names = n.type === 'HOLDOUT' ? ['holdout', 'treatment'] : n.branches.map((_, i) => String(i));
  const weights = n.type === 'HOLDOUT' ? [n.percent / 100, 1 - n.percent / 100] : n.branches.map((b) => b.percent / 100);
  const goals = new Map<string, number>();
  for (const o of outcomes) if (o.kind === 'GOAL') goals.set(o.enrollmentId, o.revenue ?? 0);
  const units = names.map(() => ({ users: 0, converted: 0, revenue: 0, revenueSquares: 0 }));
  const seen = new Set<string>();
  for (const o of outcomes) {
    if (o.kind !== 'EXPOSURE' || o.node !== node || seen.has(o.enrollmentId)) continue;
    seen.add(o.enrollmentId);
    const u = units[names.indexOf(String(o.variant))];
    if (!u) continue; // a branch a later version removed
    u.users++;
    const revenue = goals.get(o.enrollmentId);
    if (revenue !== undefined) {
      u.converted++;
      u.revenue += revenue;
      u.revenueSquares += revenue * revenue;
    }
  }
  return { kind: n.type, names, weights, units };
}

/**
 * The experiment of one split node, from its exposures and the goals of the exposed enrollments: conversion
 * (BINOMIAL) and goal revenue per enrollment (MEAN), the first variant as control (the holdout for a HOLDOUT,
 * branch 0 for a RANDOM), weighted as the node splits.
 *
 * @example
 * const x = splitExperiment(campaign.journey, 'holdout', await splitOutcomes(table, campaign.id), 'BAYESIAN');
 * x.metrics[0].analysis?.variants[1].lift // uplift of conversion over the holdout
 */
export function splitExperiment(journey: Journey, node: string, outcomes: readonly SplitOutcome[], engine: StatsEngine): SplitExperiment | null {
  const split = splitUnits(journey, node, outcomes);
  if (!split) return null;
  const { names, weights, units } = split;
  const analyze = (metric: SplitMetric['metric']): SplitMetric => {
    const variants: VariantInput[] = units.map((u, i) =>
      metric === 'CONVERSION'
        ? { name: names[i]!, users: u.users, sum: u.converted, sumSquares: u.converted }
        : { name: names[i]!, users: u.users, sum: u.revenue, sumSquares: u.revenueSquares },
    );
    try {
      const analysis = analyzeExperiment({ metric: metric === 'CONVERSION' ? 'BINOMIAL' : 'MEAN', engine, weights, variants });
      return { metric, analysis, note: null };
    } catch (err) {
      if (err instanceof ExperimentInputError) return { metric, analysis: null, note: err.message };
      throw err;
    }
  };
  return {
    node,
    kind: split.kind,
    variants: units.map((u, i) => ({ name: names[i]!, users: u.users, converted: u.converted, revenue: u.revenue })),
    metrics: [analyze('CONVERSION'), analyze('REVENUE')],
  };
}
