import { GraphQLError } from 'graphql';
import { AnalyticsInputError } from '../../../core/analytics/errors.js';
import { metricSeries } from '../../../core/analyticsEngine/metrics.js';
import { CHURN_BANDS } from '../../../core/profile/types.js';
import { countMembers, membershipKey } from '../../../core/store/memberships.js';
import { badInput, requireScope } from '../../context.js';
import type { QueryResolvers } from '../types.generated.js';

export const Query: QueryResolvers = {
  tagCounts: async (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    if (args.tags.length > 50) throw badInput('ask for at most 50 tags at once', 'tags');
    return Promise.all(args.tags.map(async (tag) => ({ tag, users: await countMembers(ctx.tables.memberships, membershipKey.tag(tag)) })));
  },
  metric: async (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    try {
      return await metricSeries(ctx.tables.aggregates, {
        metric: args.metric,
        from: Date.parse(args.from),
        to: Date.parse(args.to),
        granularity: args.granularity,
        timeZone: args.timeZone ?? 'UTC',
        ...(args.groupBy ? { groupBy: args.groupBy } : {}),
      });
    } catch (err) {
      if (err instanceof AnalyticsInputError) throw new GraphQLError(err.message, { extensions: { code: err.code, reason: err.reason } });
      throw err;
    }
  },
  churnBands: async (_, __, ctx) => {
    requireScope(ctx, 'analytics:read');
    return Promise.all(CHURN_BANDS.map(async (band) => ({ band, users: await countMembers(ctx.tables.memberships, membershipKey.churn(band)) })));
  },
};
