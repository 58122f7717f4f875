import { bucketRanges } from '../analytics/buckets.js';
import { forecastEts, type Forecast } from '../analytics/forecast.js';
import { metricSeries, type MetricPoint } from './metrics.js';

const WEEK_MS = 7 * 86_400_000;

/** A forecast of weekly orders and the complete weeks it was fitted on. */
export interface OrderForecast extends Forecast {
  history: MetricPoint[];
  /** Start of each forecast week (ISO, UTC), in step order. */
  starts: string[];
  level: number;
}

/**
 * Forecasts the `weeks` after the last complete week before `to` from up to `historyWeeks` complete weeks of
 * ORDERS (the real-time aggregates, exact counts), with Holt's method (`core/analytics/forecast.ts`). Weeks before
 * the first order are left out, so a young shop is not fitted on a run of zeros.
 *
 * @example
 * const f = await orderForecast(tables.aggregates, { to: Date.parse('2011-12-05'), weeks: 4 });
 * f.points.map((p) => [p.value, p.lower, p.upper])
 */
export async function orderForecast(
  table: string,
  q: { to: number; weeks: number; historyWeeks?: number; timeZone?: string; level?: number },
): Promise<OrderForecast> {
  const timeZone = q.timeZone ?? 'UTC';
  // The start of the week holding `to`: the weeks before it are complete.
  const end = bucketRanges(q.to, q.to + 1, 'WEEK', timeZone)[0]!.start;
  const from = end - (q.historyWeeks ?? 52) * WEEK_MS;
  const [series] = await metricSeries(table, { metric: 'ORDERS', from, to: end, granularity: 'WEEK', timeZone });
  const points = (series?.points ?? []).filter((p) => Date.parse(p.start) < end);
  const firstOrder = points.findIndex((p) => p.value > 0);
  const history = firstOrder < 0 ? [] : points.slice(firstOrder);
  const level = q.level ?? 0.95;
  const fit = forecastEts(history.map((p) => p.value), q.weeks, level);
  const future = bucketRanges(end, end + q.weeks * WEEK_MS, 'WEEK', timeZone).slice(0, q.weeks);
  return { ...fit, history, level, starts: future.map((b) => new Date(b.start).toISOString()) };
}
