/**
 * Maximum-likelihood fit of the BG/NBD population parameters (Nelder–Mead on log-parameters), run once per
 * training so the P(alive) features carry the population's own purchase and dropout rates.
 */
import { bgnbdLogLikelihood, type BgNbdParams } from '../../core/churn/bgnbd.js';
import type { RfmSummary } from '../../core/churn/features.js';

/**
 * Minimises `f` from `x0` with the Nelder–Mead simplex method.
 *
 * @example
 * ```ts
 * nelderMead(([a, b]) => (a - 1) ** 2 + (b + 2) ** 2, [0, 0]); // ≈ [1, -2]
 * ```
 */
export function nelderMead(f: (x: number[]) => number, x0: number[], maxIter = 2000, tol = 1e-10): number[] {
  const n = x0.length;
  let simplex = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i] += p[i] === 0 ? 0.25 : 0.25 * Math.abs(p[i]) + 0.1;
    simplex.push(p);
  }
  let values = simplex.map(f);
  for (let iter = 0; iter < maxIter; iter++) {
    const order = values.map((v, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    if (Math.abs(values[n] - values[0]) <= tol * (Math.abs(values[0]) + tol)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n][j] - c));
    const xr = along(-1);
    const fr = f(xr);
    if (fr < values[0]) {
      const xe = along(-2);
      const fe = f(xe);
      if (fe < fr) [simplex[n], values[n]] = [xe, fe];
      else [simplex[n], values[n]] = [xr, fr];
    } else if (fr < values[n - 1]) {
      [simplex[n], values[n]] = [xr, fr];
    } else {
      const xc = fr < values[n] ? along(-0.5) : along(0.5);
      const fc = f(xc);
      if (fc < Math.min(fr, values[n])) [simplex[n], values[n]] = [xc, fc];
      else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          values[i] = f(simplex[i]);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (values[i] < values[best]) best = i;
  return simplex[best];
}

/**
 * Fits BG/NBD parameters (time in days) to customers' (x, tx, T) summaries by maximum likelihood.
 * A weak penalty keeps the parameters finite on degenerate data (for example nobody ever repeats).
 *
 * @example
 * ```ts
 * const params = fitBgNbd(rows.map((r) => r.rfm)); // { r, alpha, a, b }
 * ```
 */
export function fitBgNbd(data: readonly RfmSummary[]): BgNbdParams {
  // Identical (x, tx, T) triples are common (one-time buyers on the same day): weight them once.
  const groups = new Map<string, { x: number; tx: number; T: number; w: number }>();
  for (const d of data) {
    const key = `${d.x}|${d.tx.toFixed(3)}|${d.T.toFixed(3)}`;
    const g = groups.get(key);
    if (g) g.w++;
    else groups.set(key, { x: d.x, tx: d.tx, T: d.T, w: 1 });
  }
  const rows = [...groups.values()];
  const total = data.length || 1;
  const unpack = (v: number[]): BgNbdParams => ({ r: Math.exp(v[0]), alpha: Math.exp(v[1]), a: Math.exp(v[2]), b: Math.exp(v[3]) });
  const objective = (v: number[]) => {
    const p = unpack(v);
    let ll = 0;
    for (const g of rows) ll += g.w * bgnbdLogLikelihood(p, g.x, g.tx, g.T);
    const penalty = 1e-3 * v.reduce((s, z) => s + z * z, 0);
    const value = -ll / total + penalty;
    return Number.isFinite(value) ? value : 1e300;
  };
  const best = nelderMead(objective, [0, Math.log(30), 0, 0], 3000);
  // A restart from the first optimum: the simplex often stalls in the flat a/b directions.
  return unpack(nelderMead(objective, best, 3000));
}
