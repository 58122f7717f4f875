import { runLtv, runRfm } from '../../../core/analytics/archive/customerValue.js';
import { runBoughtTogether, runFunnel, runPathsBeforePurchase, runRetention } from '../../../core/analytics/archive/queries.js';
import { metricSeries } from '../../../core/analyticsEngine/metrics.js';
import { orderForecast } from '../../../core/analyticsEngine/orderForecast.js';
import { audienceSizes, type AudienceKind } from '../../../core/analyticsEngine/store/audienceSizes.js';
import { checkRange } from '../../../core/analytics/archive/sql.js';
import { CHURN_BANDS } from '../../../core/profile/types.js';
import { countMembers, listMembers, membershipKey } from '../../../core/store/memberships.js';
import { MAX_FILTER_PEOPLE, runPersonMetric } from '../../../core/analytics/archive/personMetrics.js';
import { analyticsRead, archiveOf, badInput, requireScope } from '../../context.js';
import { matcherOf, timeOf } from '../archive.js';
import type { QueryResolvers } from '../types.generated.js';

/** An audience's daily sizes in the API's shape; at most 1,000 days (the dashboard's longest useful span). */
async function sizesOf(table: string, kind: AudienceKind, id: string, fromIso: string, toIso: string) {
  const from = timeOf(fromIso);
  const to = timeOf(toIso);
  checkRange(from, to);
  if (to - from > 1000 * 86_400_000) throw badInput('ask for at most 1,000 days of sizes at once');
  return (await audienceSizes(table, kind, id, from, to)).map((s) => ({ day: new Date(s.day).toISOString(), size: s.size, countedAt: s.at }));
}

/** The forecast models' names (core/analytics/forecast.ts). */
const METHODS = { ANN: 'simple exponential smoothing, ETS(A,N,N)', AAN: "Holt's linear trend, ETS(A,A,N)", AAdN: 'damped trend, ETS(A,Ad,N)' } as const;

export const Query: QueryResolvers = {
  tagCounts: async (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    if (args.tags.length > 50) throw badInput('ask for at most 50 tags at once', 'tags');
    return Promise.all(args.tags.map(async (tag) => ({ tag, users: await countMembers(ctx.tables.memberships, membershipKey.tag(tag)) })));
  },
  metric: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    const query = {
      metric: args.metric,
      from: timeOf(args.from),
      to: timeOf(args.to),
      granularity: args.granularity,
      timeZone: args.timeZone ?? 'UTC',
      ...(args.groupBy ? { groupBy: args.groupBy } : {}),
    };
    const segment = args.filter?.segment;
    if (segment === null || segment === undefined) return analyticsRead(() => metricSeries(ctx.tables.aggregates, query));
    return analyticsRead(async () => {
      const { userIds, next } = await listMembers(ctx.tables.memberships, membershipKey.segment(segment), MAX_FILTER_PEOPLE);
      if (next !== null) throw badInput(`a segment filter covers at most ${MAX_FILTER_PEOPLE} members; ${segment} has more`, 'filter');
      const { engine, options } = await archiveOf(ctx);
      return runPersonMetric(engine, { ...query, personIds: userIds }, options);
    });
  },
  funnel: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(async () => {
      const spec = {
        steps: args.steps.map(matcherOf),
        from: timeOf(args.from),
        to: timeOf(args.to),
        windowDays: args.windowDays ?? 14,
        order: args.order ?? 'SEQUENTIAL',
        exclusions: (args.exclusions ?? []).map((x) => ({ ...matcherOf(x), fromStep: x.fromStep, toStep: x.toStep })),
      };
      const { engine, options } = await archiveOf(ctx);
      // The whole first, then per value: the total is its own query, not a sum of first-touch groups.
      const [total] = await runFunnel(engine, spec, options);
      const breakdowns = args.breakdown ? await runFunnel(engine, { ...spec, breakdown: args.breakdown }, options) : [];
      return { steps: total!.steps, breakdowns: breakdowns.map((b) => ({ value: b.breakdown, steps: b.steps })) };
    });
  },
  retention: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(async () => {
      const { engine, options } = await archiveOf(ctx);
      const cohorts = await runRetention(
        engine,
        {
          startEvent: { event: args.startEvent },
          returnEvent: { event: args.returnEvent },
          from: timeOf(args.from),
          to: timeOf(args.to),
          period: args.period,
          periods: args.periods ?? 8,
          cohort: args.cohort ?? 'FIRST_TIME',
          mode: args.mode ?? 'ON',
          timeZone: args.timeZone ?? 'UTC',
        },
        options,
      );
      return { cohorts };
    });
  },
  boughtTogether: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(async () => {
      const { engine, options } = await archiveOf(ctx);
      return runBoughtTogether(engine, { from: timeOf(args.from), to: timeOf(args.to), minBaskets: args.minBaskets ?? 2, limit: args.first ?? 50 }, options);
    });
  },
  pathsBeforePurchase: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(async () => {
      const { engine, options } = await archiveOf(ctx);
      return runPathsBeforePurchase(
        engine,
        { from: timeOf(args.from), to: timeOf(args.to), depth: args.depth ?? 3, withinDays: args.withinDays ?? 30, limit: args.first ?? 20 },
        options,
      );
    });
  },
  ltv: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(async () => {
      const { engine, options } = await archiveOf(ctx);
      return runLtv(
        engine,
        {
          from: timeOf(args.from),
          to: timeOf(args.to),
          period: args.period ?? 'MONTH',
          periods: args.periods ?? 12,
          timeZone: args.timeZone ?? 'UTC',
          ...(args.currency ? { currency: args.currency } : {}),
          ...(args.acquisitionCost !== null && args.acquisitionCost !== undefined ? { acquisitionCost: args.acquisitionCost } : {}),
        },
        options,
      );
    });
  },
  rfm: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(async () => {
      const { engine, options } = await archiveOf(ctx);
      return runRfm(engine, { from: timeOf(args.from), to: timeOf(args.to), ...(args.currency ? { currency: args.currency } : {}) }, options);
    });
  },
  segmentSizeHistory: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(() => sizesOf(ctx.tables.aggregates, 'SEGMENT', args.segment, args.from, args.to));
  },
  churnBandHistory: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return analyticsRead(() =>
      Promise.all(CHURN_BANDS.map(async (band) => ({ band, sizes: await sizesOf(ctx.tables.aggregates, 'CHURN', band, args.from, args.to) }))),
    );
  },
  orderForecast: (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    const historyWeeks = args.historyWeeks ?? 52;
    if (!Number.isInteger(historyWeeks) || historyWeeks < 8 || historyWeeks > 260) throw badInput('historyWeeks must be a whole number from 8 to 260', 'historyWeeks');
    return analyticsRead(async () => {
      const f = await orderForecast(ctx.tables.aggregates, {
        to: timeOf(args.to),
        weeks: args.weeks ?? 4,
        historyWeeks,
        timeZone: args.timeZone ?? 'UTC',
        level: args.level ?? 0.95,
      });
      return {
        history: f.history,
        points: f.points.map((p, i) => ({ start: f.starts[i]!, value: p.value, lower: p.lower, upper: p.upper })),
        level: f.level,
        alpha: f.alpha,
        beta: f.beta,
        phi: f.phi,
        sigma: f.sigma,
        model: f.model,
        method: `${METHODS[f.model]}, chosen by AICc, with its analytic prediction interval (Hyndman & Athanasopoulos, FPP3 §8.6-8.7)`,
      };
    });
  },
  churnBands: async (_, __, ctx) => {
    requireScope(ctx, 'analytics:read');
    return Promise.all(CHURN_BANDS.map(async (band) => ({ band, users: await countMembers(ctx.tables.memberships, membershipKey.churn(band)) })));
  },
};
