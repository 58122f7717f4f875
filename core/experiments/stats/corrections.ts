/**
 * Multiple-comparison corrections of p-values, as GrowthBook applies them across every treatment arm and every
 * (non-guardrail) metric of an experiment: Holm–Bonferroni (family-wise error) and Benjamini–Hochberg (false
 * discovery rate).
 */
import type { ExperimentAnalysis, PValueCorrection } from './types.js';

/** A p-value tagged with where it came from; corrections return them in their sorted order. */
export interface IndexedPValue {
  pValue: number;
  index: (number | string)[];
}

/**
 * Holm–Bonferroni step-down adjustment: sorted ascending, p₍ᵢ₎·(m − i) capped at 1, then made monotone
 * non-decreasing. Returned in ascending order of the raw p-values (as GrowthBook's front-end does).
 * @example adjustHolmBonferroni([0.01, 0.04].map((pValue, i) => ({ pValue, index: [i] })))
 */
export function adjustHolmBonferroni(pValues: readonly IndexedPValue[]): IndexedPValue[] {
  const out = pValues.map((p) => ({ pValue: p.pValue, index: [...p.index] }));
  const m = out.length;
  out.sort((a, b) => a.pValue - b.pValue);
  let running = 0;
  out.forEach((p, i) => {
    running = Math.max(running, Math.min(p.pValue * (m - i), 1));
    p.pValue = running;
  });
  return out;
}

/**
 * Benjamini–Hochberg step-up adjustment: sorted descending, p·m / rank capped at 1, then made monotone
 * non-increasing. Returned in descending order of the raw p-values (as GrowthBook's front-end does).
 * @example adjustBenjaminiHochberg([0.025, 0.03].map((pValue, i) => ({ pValue, index: [i] }))) // both 0.03
 */
export function adjustBenjaminiHochberg(pValues: readonly IndexedPValue[]): IndexedPValue[] {
  const out = pValues.map((p) => ({ pValue: p.pValue, index: [...p.index] }));
  const m = out.length;
  out.sort((a, b) => b.pValue - a.pValue);
  let running = 1;
  out.forEach((p, i) => {
    running = Math.min(running, Math.min((p.pValue * m) / (m - i), 1));
    p.pValue = running;
  });
  return out;
}

/**
 * Adjusted p-values in input order.
 * @example adjustPValues([0.01, 0.04, 0.03], 'HOLM_BONFERRONI') // [0.03, 0.06, 0.06]
 */
export function adjustPValues(pValues: readonly number[], correction: PValueCorrection): number[] {
  if (correction === 'NONE') return [...pValues];
  const indexed = pValues.map((pValue, i) => ({ pValue, index: [i] }));
  const adjusted = correction === 'HOLM_BONFERRONI' ? adjustHolmBonferroni(indexed) : adjustBenjaminiHochberg(indexed);
  const out = new Array<number>(pValues.length);
  for (const p of adjusted) out[p.index[0] as number] = p.pValue;
  return out;
}

/**
 * Applies one correction across all treatment arms of all the given analyses (one per metric), as the family of
 * tests GrowthBook corrects. Returns new analyses with `adjustedPValue` set on every arm that has a p-value (the
 * control and Bayesian arms keep null); the inputs are not modified.
 * @example
 * ```ts
 * const [conversion, revenue] = correctAcrossMetrics([analyzeExperiment(a), analyzeExperiment(b)], 'BENJAMINI_HOCHBERG');
 * ```
 */
export function correctAcrossMetrics(
  analyses: readonly ExperimentAnalysis[],
  correction: PValueCorrection,
): ExperimentAnalysis[] {
  const out = analyses.map((a) => ({ ...a, variants: a.variants.map((v) => ({ ...v })) }));
  const where: [number, number][] = [];
  const raw: number[] = [];
  out.forEach((a, i) =>
    a.variants.forEach((v, j) => {
      if (v.pValue !== null) {
        where.push([i, j]);
        raw.push(v.pValue);
      }
    }),
  );
  const adjusted = adjustPValues(raw, correction);
  where.forEach(([i, j], k) => {
    out[i].variants[j].adjustedPValue = adjusted[k];
  });
  return out;
}
