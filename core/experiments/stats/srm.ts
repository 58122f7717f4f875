/**
 * Sample-ratio mismatch: a chi-square goodness-of-fit test of observed users against the expected split, as
 * GrowthBook's back-end `checkSrm` (variants with zero weight or zero users are skipped; fewer than two left → 1).
 */
import { chiSquareSf } from './distributions.js';

/** GrowthBook warns when the SRM p-value is below this. */
export const SRM_THRESHOLD = 0.001;

/**
 * SRM p-value of `users` against `weights`.
 * @example srmPValue([1000, 1200], [0.5, 0.5]) // ≈ 0.000020079
 */
export function srmPValue(users: readonly number[], weights: readonly number[]): number {
  const data: [number, number][] = [];
  let totalUsers = 0;
  let totalWeight = 0;
  for (let i = 0; i < weights.length; i++) {
    if (!weights[i] || !users[i]) continue;
    data.push([users[i], weights[i]]);
    totalUsers += users[i];
    totalWeight += weights[i];
  }
  if (data.length < 2) return 1;
  let x = 0;
  for (const [o, w] of data) {
    const e = (w / totalWeight) * totalUsers;
    x += (o - e) ** 2 / e;
  }
  return chiSquareSf(x, data.length - 1);
}
