/**
 * BG/NBD ("buy till you die", Fader, Hardie & Lee 2005) closed forms used as churn features.
 * Time is in days. The four population parameters are fitted once at training time (see tools/churn-training/bgnbdFit.ts)
 * and stored in the model artifact, so scoring is a couple of `Math.pow` calls per profile.
 */

/** Population parameters: purchase rate λ ~ Gamma(r, α); dropout probability p ~ Beta(a, b). */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * Probability that a customer with `x` repeat purchases, the last at `tx` days after the first, observed for `T`
 * days since the first, is still "alive" (has not dropped out).
 *
 * @example
 * ```ts
 * bgnbdPAlive({ r: 0.5, alpha: 20, a: 0.8, b: 2.5 }, 0, 0, 100); // 1: no repeat yet, so no chance to drop out
 * ```
 */
export function bgnbdPAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x <= 0) return 1;
  const odds = (p.a / (p.b + x - 1)) * Math.pow((p.alpha + T) / (p.alpha + tx), p.r + x);
  return 1 / (1 + odds);
}

/**
 * Probability of no purchase in the next `horizon` days. Alive customers' rates have posterior
 * Gamma(r + x, α + T), so P(no purchase | alive) = ((α + T) / (α + T + horizon))^(r + x); dropped-out customers
 * never buy again.
 *
 * @example
 * ```ts
 * bgnbdPNoPurchase({ r: 0.5, alpha: 20, a: 0.8, b: 2.5 }, 3, 80, 100, 90); // ≈ 0.6
 * ```
 */
export function bgnbdPNoPurchase(p: BgNbdParams, x: number, tx: number, T: number, horizon: number): number {
  const alive = bgnbdPAlive(p, x, tx, T);
  const quiet = Math.pow((p.alpha + T) / (p.alpha + T + horizon), p.r + x);
  return 1 - alive * (1 - quiet);
}

/**
 * Expected purchases in the next `horizon` days under the BG/NBD model (Fader et al. 2005, eq. 10),
 * with the Gaussian hypergeometric series summed directly.
 */
export function bgnbdExpectedPurchases(p: BgNbdParams, x: number, tx: number, T: number, horizon: number): number {
  if (p.a <= 1) return NaN;
  const z = horizon / (p.alpha + T + horizon);
  const hyp = hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, z);
  const num = ((p.a + p.b + x - 1) / (p.a - 1)) * (1 - Math.pow((p.alpha + T) / (p.alpha + T + horizon), p.r + x) * hyp);
  const den = x > 0 ? 1 + (p.a / (p.b + x - 1)) * Math.pow((p.alpha + T) / (p.alpha + tx), p.r + x) : 1;
  return num / den;
}

function hyp2f1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 500; k++) {
    term *= ((a + k) * (b + k)) / ((c + k) * (k + 1)) * z;
    sum += term;
    if (Math.abs(term) < 1e-12 * Math.abs(sum)) break;
  }
  return sum;
}

/**
 * ln Γ(x) for x > 0 (Lanczos, g = 7), accurate to ~1e-13.
 *
 * @example
 * ```ts
 * Math.exp(lnGamma(5)); // 24
 * ```
 */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln B(a, b). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/**
 * Log-likelihood of one customer's (x, tx, T) under BG/NBD (Fader et al. 2005, eq. 6), used for fitting.
 */
export function bgnbdLogLikelihood(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const common = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
  const l1 = lnBeta(a, b + x) - lnBeta(a, b) + common - (r + x) * Math.log(alpha + T);
  if (x <= 0) return l1;
  const l2 = lnBeta(a + 1, b + x - 1) - lnBeta(a, b) + common - (r + x) * Math.log(alpha + tx);
  const m = Math.max(l1, l2);
  return m + Math.log(Math.exp(l1 - m) + Math.exp(l2 - m));
}
