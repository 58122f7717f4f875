import { countMembers, listMembers } from '../../core/store/memberships.js';
import type { StoredProfile } from '../../core/store/profiles.js';
import { countProfiles, scanProfilesPage } from '../../core/store/users.js';
import { encodeCursor, type RequestContext } from '../context.js';
import type { ResolversTypes } from './types.generated.js';

type UserConnection = ResolversTypes['UserConnection'];

/** Resolves a user id to its stored profile, or null (batched per request). */
export async function loadUser(ctx: RequestContext, id: string): Promise<StoredProfile | null> {
  return ctx.profiles.load(id);
}

/** One page of the members of a membership key (a tag, segment or churn band), in user-id order. */
export async function usersPage(ctx: RequestContext, key: string, first: number, after: string | undefined): Promise<UserConnection> {
  const [{ userIds, next }, totalCount] = await Promise.all([
    listMembers(ctx.tables.memberships, key, first, after),
    countMembers(ctx.tables.memberships, key),
  ]);
  const edges = (await Promise.all(userIds.map((id) => loadUser(ctx, id))))
    .filter((p): p is StoredProfile => p !== null)
    .map((p) => ({ cursor: encodeCursor(p.profile.userId), node: p }));
  return { edges, totalCount, pageInfo: { hasNextPage: next !== null, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** One page of every profile, in scan order. */
export async function allUsersPage(ctx: RequestContext, first: number, after: string | undefined): Promise<UserConnection> {
  const { profiles, hasMore } = await scanProfilesPage(ctx.tables.profiles, first, after);
  for (const p of profiles) ctx.profiles.prime(p.profile.userId, p);
  const totalCount = await countProfiles(ctx.tables.profiles);
  const edges = profiles.map((p) => ({ cursor: encodeCursor(p.profile.userId), node: p }));
  return { edges, totalCount, pageInfo: { hasNextPage: hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
}
