import { runHistory } from '../../../core/analytics/archive/history.js';
import { anonymousProfileId } from '../../../core/identity/identities.js';
import type { EventSummary } from '../../../core/profile/types.js';
import { computeStats } from '../../../core/profile/stats.js';
import { analyticsRead, archiveOf, badInput, decodeCursor, encodeCursor, pageSize, type RequestContext } from '../../context.js';
import type { StoredProfile } from '../../../core/store/profiles.js';
import type { UserResolvers } from '../types.generated.js';
import { personalData } from '../personalData.js';
import { loadUser } from '../users.js';

/** One page of a user's full history from the event archive (`history: true`), newest first. */
async function archivedPage(ctx: RequestContext, u: StoredProfile, first: number, after: string | undefined): Promise<{ page: EventSummary[]; more: boolean }> {
  let before: { ts: number; eventId: string } | undefined;
  if (after !== undefined) {
    const bar = after.indexOf('|');
    const ts = Date.parse(after.slice(0, bar));
    if (bar < 0 || !Number.isFinite(ts)) throw badInput('invalid cursor', 'after');
    before = { ts, eventId: after.slice(bar + 1) };
  }
  const personIds = [u.profile.userId, ...u.profile.identities.filter((i) => i.kind === 'ANONYMOUS_ID').map((i) => anonymousProfileId(i.value))];
  const { engine, options } = await archiveOf(ctx);
  const rows = await analyticsRead(() => runHistory(engine, { personIds, before, limit: first + 1 }, options));
  return { page: rows.slice(0, first), more: rows.length > first };
}

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
    let slice: EventSummary[];
    let more: boolean;
    if (args.history) ({ page: slice, more } = await archivedPage(ctx, u, first, after));
    else {
      const newestFirst = [...u.profile.recent].reverse();
      const rest = after === undefined ? newestFirst : newestFirst.filter((e) => position(e) < after);
      slice = rest.slice(0, first);
      more = rest.length > first;
    }
    // The page's properties as one value: one audit entry for the page, not one per event.
    const properties = await personalData(ctx, u.profile.userId, 'events', slice.map((e) => e.properties));
    const page = slice.map((e, i) => ({ ...e, properties: properties[i]! }));
    return {
      edges: page.map((e) => ({ cursor: encodeCursor(position(e)), node: e })),
      pageInfo: { hasNextPage: more, endCursor: page.length ? encodeCursor(position(page.at(-1)!)) : null },
    };
  },
  churn: (u) => u.churn,
};
