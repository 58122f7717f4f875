/**
 * A short-horizon forecast of a weekly series (orders): exponential smoothing in its state-space form, the
 * best by AICc of simple smoothing ETS(A,N,N), Holt's linear trend ETS(A,A,N) and the damped trend ETS(A,Ad,N),
 * with the analytic prediction intervals of the chosen model. Method and formulas: Hyndman & Athanasopoulos,
 * "Forecasting: Principles and Practice" (3rd ed.), §8.1-8.2 (the methods), §8.5-8.6 (the models, estimation and
 * AICc selection) and §8.7, Table 8.8 (forecast variances). `npm run bench:analytics` backtests it on Online Retail.
 *
 * Why these models: weekly orders of one shop are short series (one year is 52 points) with a level and perhaps
 * a drift; a seasonal model needs two full seasons of history to fit, which a year of weekly data does not have.
 */
import { AnalyticsInputError } from './errors.js';

/** Fewest history points a forecast needs: level and trend take two, the error variance the rest. */
export const MIN_FORECAST_HISTORY = 8;
/** Longest horizon (weeks): past a quarter, a trend model's intervals are too wide to act on. */
export const MAX_FORECAST_HORIZON = 13;

/** One forecast step. */
export interface ForecastPoint {
  /** Steps ahead, 1-based. */
  step: number;
  value: number;
  lower: number;
  upper: number;
}

/** The ETS models tried: no trend (simple exponential smoothing), a linear trend (Holt), a damped trend. */
export type ForecastModel = 'ANN' | 'AAN' | 'AAdN';

/** A fitted forecast: the points, the model and smoothing parameters chosen, and the one-step error's deviation. */
export interface Forecast {
  points: ForecastPoint[];
  model: ForecastModel;
  alpha: number;
  beta: number;
  /** The damping of the trend (1: none). */
  phi: number;
  sigma: number;
}

interface Fit {
  sse: number;
  level: number;
  trend: number;
  alpha: number;
  beta: number;
  phi: number;
}

/**
 * One pass of ETS(A,Ad,N) (φ = 1: Holt; no trend: simple smoothing): ŷ = ℓ + φb; ℓ ← ℓ + φb + αe; b ← φb + βe.
 * Initial state from the first two points.
 */
function run(y: readonly number[], alpha: number, beta: number, phi: number, trended: boolean): Fit {
  let level = y[0]!;
  let trend = trended ? y[1]! - y[0]! : 0;
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const e = y[t]! - (level + phi * trend);
    sse += e * e;
    level = level + phi * trend + alpha * e;
    trend = trended ? phi * trend + beta * e : 0;
  }
  return { sse, level, trend, alpha, beta, phi };
}

/** FPP3 Table 8.8: the h-step forecast variance over σ² of each model. */
function varianceFactor(model: ForecastModel, h: number, a: number, b: number, phi: number): number {
  if (model === 'ANN') return 1 + a * a * (h - 1);
  if (model === 'AAN') return 1 + (h - 1) * (a * a + a * b * h + (b * b * h * (2 * h - 1)) / 6);
  const d = 1 - phi;
  return (
    1 +
    a * a * (h - 1) +
    ((b * phi * h) / (d * d)) * (2 * a * d + b * phi) -
    ((b * phi * (1 - phi ** h)) / (d * d * (1 - phi * phi))) * (2 * a * (1 - phi * phi) + b * phi * (1 + 2 * phi - phi ** h))
  );
}

/** The z of a two-sided normal interval (the levels an API offers). */
function zOf(level: number): number {
  const table: Record<string, number> = { '0.8': 1.2816, '0.9': 1.6449, '0.95': 1.96, '0.99': 2.5758 };
  const z = table[String(level)];
  if (z === undefined) throw new AnalyticsInputError('BAD_ARGUMENT', 'level must be 0.8, 0.9, 0.95 or 0.99');
  return z;
}

/** Parameters per model (smoothing, damping and initial states), for the AICc. */
const PARAMETERS: Record<ForecastModel, number> = { ANN: 2, AAN: 4, AAdN: 5 };

/**
 * Forecasts `horizon` steps of `history` (oldest first) with intervals at `level`. Each model's parameters
 * minimise the squared one-step errors over a grid (α in 0.05…0.95, 0 ≤ β ≤ α, φ in 0.80…0.98), and the model
 * with the lowest AICc wins (FPP3 §8.6's selection). Counts cannot go below zero, so neither do values nor bounds.
 *
 * @example
 * forecastEts([120, 131, 128, 140, 151, 149, 160, 171], 4).points[0] // { step: 1, value: ≈178, lower: …, upper: … }
 */
export function forecastEts(history: readonly number[], horizon: number, level = 0.95): Forecast {
  if (history.length < MIN_FORECAST_HISTORY) {
    throw new AnalyticsInputError('BAD_ARGUMENT', `a forecast needs at least ${MIN_FORECAST_HISTORY} complete periods of history, not ${history.length}`);
  }
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_FORECAST_HORIZON) {
    throw new AnalyticsInputError('BAD_ARGUMENT', `the horizon must be a whole number from 1 to ${MAX_FORECAST_HORIZON}`);
  }
  if (history.some((v) => !Number.isFinite(v))) throw new AnalyticsInputError('BAD_ARGUMENT', 'the history must be finite numbers');
  const z = zOf(level);
  const n = history.length - 1; // one-step errors
  const aicc = (model: ForecastModel, sse: number) => {
    const k = PARAMETERS[model];
    // An exact fit has no error to weigh: it wins outright.
    return (sse <= 1e-12 ? -1e9 : n * Math.log(sse / n)) + 2 * k + (2 * k * (k + 1)) / Math.max(1, n - k - 1);
  };
  let best: { model: ForecastModel; fit: Fit; score: number } | undefined;
  const consider = (model: ForecastModel, fit: Fit) => {
    const score = aicc(model, fit.sse);
    if (!best || score < best.score - 1e-9) best = { model, fit, score };
  };
  for (let a = 1; a <= 19; a++) {
    const alpha = a / 20;
    consider('ANN', run(history, alpha, 0, 1, false));
    for (let b = 0; b <= a; b++) {
      consider('AAN', run(history, alpha, b / 20, 1, true));
      for (const phi of [0.8, 0.85, 0.9, 0.95, 0.98]) consider('AAdN', run(history, alpha, b / 20, phi, true));
    }
  }
  const { model, fit } = best!;
  const { level: l, trend, alpha, beta, phi, sse } = fit;
  // The residual variance with the fitted parameters counted (FPP3 §8.6's σ² estimate).
  const sigma = Math.sqrt(sse / Math.max(1, n - PARAMETERS[model]));
  const points: ForecastPoint[] = [];
  let damped = 0;
  for (let h = 1; h <= horizon; h++) {
    damped += phi ** h;
    const value = l + (model === 'AAN' ? h : damped) * trend;
    const half = z * sigma * Math.sqrt(varianceFactor(model, h, alpha, beta, phi));
    points.push({ step: h, value: Math.max(0, value), lower: Math.max(0, value - half), upper: Math.max(0, value + half) });
  }
  return { points, model, alpha, beta, phi, sigma };
}
