import { countMembers, membershipKey } from '../../core/store/memberships.js';
import { badInput, requireScope, type RequestContext } from '../context.js';

export const resolvers = {
  Query: {
    tagCounts: async (_: unknown, args: { tags: string[] }, ctx: RequestContext) => {
      requireScope(ctx, 'analytics:read');
      if (args.tags.length > 50) throw badInput('ask for at most 50 tags at once', 'tags');
      return Promise.all(args.tags.map(async (tag) => ({ tag, users: await countMembers(ctx.tables.memberships, membershipKey.tag(tag)) })));
    },
    churnBands: async (_: unknown, __: unknown, ctx: RequestContext) => {
      requireScope(ctx, 'analytics:read');
      return Promise.all(
        (['LOW', 'MEDIUM', 'HIGH'] as const).map(async (band) => ({ band, users: await countMembers(ctx.tables.memberships, membershipKey.churn(band)) })),
      );
    },
  },
};
