/**
 * Deterministic assignment, compatible with GrowthBook's SDKs: FNV-1a 32-bit hashing (v1 and the unbiased v2),
 * bucket ranges from weights and coverage, variation choice, and namespaces (mutually exclusive layers).
 * The same seed and user id always land in the same bucket, so assignment is sticky without storage.
 */

/** A half-open bucket range [start, end) in [0, 1). */
export type BucketRange = [number, number];

/** A namespace membership: [namespace id, start, end) of the namespace's hash space. */
export type Namespace = [string, number, number];

/**
 * FNV-1a 32-bit hash over UTF-16 code units (as GrowthBook's JS SDK `hashFnv32a`).
 * @example fnv1a32('a') // 3826002220
 */
export function fnv1a32(str: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * GrowthBook hash in [0, 1): v2 = fnv1a32(String(fnv1a32(seed + value))) % 10000 / 10000 (unbiased),
 * v1 = fnv1a32(value + seed) % 1000 / 1000 (legacy, used by namespaces). null for an unknown version.
 * @example hash('seed', 'a', 2) // 0.0505
 */
export function hash(seed: string, value: string, version: number = 2): number | null {
  if (version === 2) return (fnv1a32(String(fnv1a32(seed + value))) % 10000) / 10000;
  if (version === 1) return (fnv1a32(value + seed) % 1000) / 1000;
  return null;
}

/**
 * n equal weights (empty for n ≤ 0).
 * @example getEqualWeights(4) // [0.25, 0.25, 0.25, 0.25]
 */
export function getEqualWeights(n: number): number[] {
  if (n <= 0) return [];
  return new Array<number>(n).fill(1 / n);
}

/**
 * Bucket ranges for `numVariations` arms: consecutive slices of [0, 1) sized by `weights`, each shrunk from its start
 * to `coverage` of its width (so changing coverage never moves a user between arms). Coverage is clamped to [0, 1];
 * weights of the wrong length or not summing to 1 ± 0.01 fall back to equal weights (GrowthBook SDK semantics).
 * @example getBucketRanges(2, 0.5) // [[0, 0.25], [0.5, 0.75]]
 */
export function getBucketRanges(numVariations: number, coverage = 1, weights?: readonly number[]): BucketRange[] {
  const c = Math.min(1, Math.max(0, coverage));
  const equal = getEqualWeights(numVariations);
  let w: readonly number[] = weights ?? equal;
  if (w.length !== numVariations) w = equal;
  const total = w.reduce((s, x) => s + x, 0);
  if (total < 0.99 || total > 1.01) w = equal;
  let cumulative = 0;
  return w.map((x) => {
    const start = cumulative;
    cumulative += x;
    return [start, start + c * x] as BucketRange;
  });
}

/**
 * Whether n falls in [start, end).
 * @example inRange(0.5, [0, 0.5]) // false
 */
export function inRange(n: number, range: BucketRange): boolean {
  return n >= range[0] && n < range[1];
}

/**
 * Index of the range containing n, or −1 when n falls outside coverage.
 * @example chooseVariation(0.6, [[0, 0.5], [0.5, 1]]) // 1
 */
export function chooseVariation(n: number, ranges: readonly BucketRange[]): number {
  for (let i = 0; i < ranges.length; i++) if (inRange(n, ranges[i])) return i;
  return -1;
}

/**
 * Whether a user falls in a namespace slice: hash v1 of the user with seed "__" + namespace id, in [start, end).
 * Experiments given disjoint slices of one namespace never share a user.
 * @example inNamespace('1', ['namespace1', 0.4, 1]) // true
 */
export function inNamespace(hashValue: string, namespace: Namespace): boolean {
  const n = hash('__' + namespace[0], hashValue, 1);
  if (n === null) return false;
  return n >= namespace[1] && n < namespace[2];
}

export interface AssignmentSpec {
  /** Experiment seed (GrowthBook uses the experiment key when none is set). */
  seed: string;
  numVariations: number;
  weights?: readonly number[];
  coverage?: number;
  namespace?: Namespace;
  hashVersion?: 1 | 2;
}

/**
 * The variation index a user gets, or −1 when the user is outside the namespace slice or the coverage.
 * @example assignVariation({ seed: 'exp-1', numVariations: 2 }, 'user-42') // 0 or 1, always the same
 */
export function assignVariation(spec: AssignmentSpec, userId: string): number {
  if (spec.namespace && !inNamespace(userId, spec.namespace)) return -1;
  const n = hash(spec.seed, userId, spec.hashVersion ?? 2);
  if (n === null) return -1;
  return chooseVariation(n, getBucketRanges(spec.numVariations, spec.coverage ?? 1, spec.weights));
}
