import { computeStats } from '../../../core/profile/stats.js';
import { decodeCursor, encodeCursor, pageSize } from '../../context.js';
import type { UserResolvers } from '../types.generated.js';
import { personalData } from '../personalData.js';
import { loadUser } from '../users.js';

export const User: UserResolvers = {
  __resolveReference: async (ref, ctx) => loadUser(ctx, ref.id),
  id: (u) => u.profile.userId,
  identities: (u) => u.profile.identities,
  traits: (u, _, ctx) => personalData(ctx, u.profile.userId, 'traits', u.profile.traits),
  consent: (u) => u.profile.consent,
  mergedFrom: (u) => u.profile.mergedFrom,
  // Derived once per user and query; the ProfileStats fields read from it.
  stats: (u, args, ctx) => {
    const asOf = args.asOf ?? ctx.now;
    return { ...computeStats(u.profile, asOf), profile: u.profile, asOf };
  },
  tags: (u) => [
    ...Object.entries(u.profile.tags).map(([name, t]) => ({ name, ...t })),
    ...(u.churn?.band === 'HIGH'
      ? [{ name: 'churn_risk_high', since: u.churn.bandSince ?? u.churn.scoredAt, source: 'churn', ruleVersion: null }]
      : []),
  ],
  segments: async (u, _, ctx) => {
    const all = await ctx.segments();
    return all.filter((s) => u.profile.segments[s.id]);
  },
  events: async (u, args, ctx) => {
    const first = pageSize(args.first);
    // A cursor is a position in (timestamp, eventId) order, not an index or an event that must still be kept: paging
    // stays right while new events arrive and old ones leave the 100-event ring.
    const position = (e: { timestamp: string; eventId: string }) => `${e.timestamp}|${e.eventId}`;
    const after = decodeCursor(args.after);
    const newestFirst = [...u.profile.recent].reverse();
    const rest = after === undefined ? newestFirst : newestFirst.filter((e) => position(e) < after);
    const slice = rest.slice(0, first);
    // The page's properties as one value: one audit entry for the page, not one per event.
    const properties = await personalData(ctx, u.profile.userId, 'events', slice.map((e) => e.properties));
    const page = slice.map((e, i) => ({ ...e, properties: properties[i]! }));
    return {
      edges: page.map((e) => ({ cursor: encodeCursor(position(e)), node: e })),
      pageInfo: { hasNextPage: rest.length > first, endCursor: page.length ? encodeCursor(position(page.at(-1)!)) : null },
    };
  },
  churn: (u) => u.churn,
};
