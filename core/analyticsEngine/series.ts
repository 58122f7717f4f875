/**
 * Names of the aggregates table's items: a series is a metric at one stored granularity, one dimension value and,
 * for money, one currency. JSON arrays keep every client-chosen string inside a value, so no two keys collide.
 */
import type { AggregateGranularity, CounterMetric, Dimension, SketchMetric } from '../analytics/aggregate.js';

export type StoredMetric = CounterMetric | SketchMetric | 'NEW_USERS';

/** The series key of one metric's dimension value (and currency, for REVENUE and REFUND_AMOUNT). */
export const seriesKey = (metric: StoredMetric, granularity: AggregateGranularity, dimension: Dimension, value: string | null, currency?: string) =>
  JSON.stringify([metric, granularity, dimension, value, currency ?? null]);

/** The index item listing a metric's values of one dimension (JSON-encoded, so `null` is a value too). */
export const valuesIndexKey = (metric: StoredMetric, dimension: Dimension) => ({ series: JSON.stringify(['$values', metric, dimension]), bucket: 0 });

/** The index item listing the currencies a money metric was seen in. */
export const currenciesIndexKey = (metric: StoredMetric) => ({ series: JSON.stringify(['$currencies', metric]), bucket: 0 });

/** The item that records when a user was first seen (NEW_USERS counts a user in that bucket only). */
export const firstSeenKey = (userId: string) => ({ series: JSON.stringify(['$first', userId]), bucket: 0 });
