/** Seeded randomness shared by the bandit's Thompson sampling and the offline tools (tools/churn-training). */

/**
 * Small, fast, seedable PRNG (mulberry32), uniform in [0, 1).
 * @example const rng = mulberry32(42); rng(); // same sequence for the same seed
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One Gamma(shape, 1) draw for `shape >= 1` by Marsaglia–Tsang, from the caller's standard normal and uniform
 * draws (taken in that order, so a seeded caller's sequence is fixed by the caller).
 * @example marsagliaTsang(2, () => normal(rng), () => 1 - rng())
 */
export function marsagliaTsang(shape: number, normal: () => number, uniform: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
