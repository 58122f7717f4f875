import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { countMembers, listMembers } from '../../core/store/memberships.js';
import type { StoredProfile } from '../../core/store/profiles.js';
import { countProfiles, scanProfilesPage } from '../../core/store/users.js';
import { countOnce, encodeCursor, type RequestContext } from '../context.js';
import type { ResolversTypes } from './types.generated.js';

type UserConnection = ResolversTypes['UserConnection'];

/** Resolves a user id to its stored profile, or null (batched per request). */
export async function loadUser(ctx: RequestContext, id: string): Promise<StoredProfile | null> {
  return ctx.profiles.load(id);
}

/** Whether the connection field being resolved selects `field` (directly, or through fragments). */
export function selects(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'> | undefined, field: string): boolean {
  if (!info) return true; // no info (a direct call): be exact rather than wrong
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((sel) => {
      if (sel.kind === Kind.FIELD) return sel.name.value === field;
      if (sel.kind === Kind.INLINE_FRAGMENT) return walk(sel.selectionSet);
      if (seen.has(sel.name.value)) return false;
      seen.add(sel.name.value);
      return walk(info.fragments[sel.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => walk(node.selectionSet));
}

/**
 * One page of the members of a membership key (a tag, segment or churn band), in user-id order. `totalCount` is read
 * only when the query selects it, once per key and request (a Query on the key's partition, not a table scan).
 */
export async function usersPage(
  ctx: RequestContext,
  key: string,
  first: number,
  after: string | undefined,
  info?: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
): Promise<UserConnection> {
  const [{ userIds, next }, totalCount] = await Promise.all([
    listMembers(ctx.tables.memberships, key, first, after),
    selects(info, 'totalCount') ? countOnce(ctx, `members:${key}`, () => countMembers(ctx.tables.memberships, key)) : 0,
  ]);
  const edges = (await Promise.all(userIds.map((id) => loadUser(ctx, id))))
    .filter((p): p is StoredProfile => p !== null)
    .map((p) => ({ cursor: encodeCursor(p.profile.userId), node: p }));
  return { edges, totalCount, pageInfo: { hasNextPage: next !== null, endCursor: edges.at(-1)?.cursor ?? null } };
}

/**
 * One page of every profile, in scan order. `totalCount` (a full COUNT scan of the table) is read only when the query
 * selects it, and then once per request however many aliased pages ask; a page without it reads only its page.
 * (An unselected `totalCount` is never serialized, so the 0 placed there is never seen.)
 */
export async function allUsersPage(
  ctx: RequestContext,
  first: number,
  after: string | undefined,
  info?: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
): Promise<UserConnection> {
  const [{ profiles, hasMore }, totalCount] = await Promise.all([
    scanProfilesPage(ctx.tables.profiles, first, after),
    selects(info, 'totalCount') ? countOnce(ctx, 'all', () => countProfiles(ctx.tables.profiles)) : 0,
  ]);
  for (const p of profiles) ctx.profiles.prime(p.profile.userId, p);
  const edges = profiles.map((p) => ({ cursor: encodeCursor(p.profile.userId), node: p }));
  return { edges, totalCount, pageInfo: { hasNextPage: hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
}
