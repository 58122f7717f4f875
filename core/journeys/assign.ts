/**
 * Deterministic split assignment for RANDOM and HOLDOUT nodes. The same (seed, node, user) always lands in the same
 * bucket, so a redelivered event or a replay takes the same branch, and figures can be checked against GrowthBook,
 * whose hash v2 this is.
 *
 * TODO(experiments): converge with core/experiments/hash.ts (same function, written in parallel) and import it.
 */

/**
 * FNV-1a, 32 bits, over UTF-16 code units (as GrowthBook's `hashFnv32a`).
 *
 * @example
 * fnv1a32('a') // 0xe40c292c
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * GrowthBook's hash v2: a number in [0, 1) with four decimals, `fnv1a32(String(fnv1a32(seed + value))) % 10000 / 10000`.
 * The double hash spreads sequential user ids that a single FNV pass would cluster.
 *
 * @example
 * hashUnit('campaign-1:ab', 'u-123') // 0.4211 (say), always the same
 */
export function hashUnit(seed: string, value: string): number {
  return (fnv1a32(String(fnv1a32(seed + value))) % 10000) / 10000;
}

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
