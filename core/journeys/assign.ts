/**
 * Deterministic split assignment for RANDOM and HOLDOUT nodes. The same (seed, node, user) always lands in the same
 * bucket, so a redelivered event or a replay takes the same branch, and figures can be checked against GrowthBook,
 * whose hash v2 this is.
 */

import { fnv1a32, hash } from '../experiments/hash.js';
import type { Journey } from './schema.js';

export { fnv1a32 };

/**
 * GrowthBook's hash v2 in [0, 1), from the experiments' assignment module: one hash for journeys and experiments,
 * so a split's users land where a GrowthBook SDK would put them.
 *
 * @example
 * hashUnit('campaign-1:ab', 'u-123') // always the same four-decimal bucket
 */
export const hashUnit = (seed: string, value: string): number => hash(seed, value, 2)!;

/** The seed of one split: the campaign's seed and the node id, so two splits of one campaign are independent. */
export const splitSeed = (campaignSeed: string, nodeId: string) => `${campaignSeed}:${nodeId}`;

/**
 * The branch index a bucket falls in, for weights in percent (they need not sum to exactly 100: they are
 * normalised, so a bandit's weights work as they are). Returns the last non-zero branch for rounding leftovers.
 *
 * @example
 * pickBranch(0.42, [50, 50]) // 0
 * pickBranch(0.73, [50, 50]) // 1
 */
export function pickBranch(bucket: number, weights: readonly number[]): number {
  const total = weights.reduce((a, w) => a + (w > 0 ? w : 0), 0);
  if (total <= 0) return 0;
  let cumulative = 0;
  let lastPositive = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]! > 0 ? weights[i]! : 0;
    if (w === 0) continue;
    lastPositive = i;
    cumulative += w / total;
    if (bucket < cumulative) return i;
  }
  return lastPositive;
}

/**
 * The RANDOM nodes whose traffic a bandit moves (`allocation: "THOMPSON"`).
 *
 * @example
 * banditNodes(journey) // ['offer']
 */
export function banditNodes(journey: Journey): string[] {
  return Object.entries(journey.nodes).flatMap(([id, n]) => (n.type === 'RANDOM' && n.allocation === 'THOMPSON' ? [id] : []));
}
