import { pageAudit } from '../../../core/store/audit.js';
import { exportUser } from '../../../core/privacyEngine/export.js';
import { getErasureJob, recentErasureJobs } from '../../../core/privacyEngine/store/erasureJobs.js';
import { listApiKeys } from '../../../core/auth/keyManagement.js';
import { grants, SCOPES } from '../../../core/auth/scopes.js';
import { identityKey, normaliseIdentity } from '../../../core/identity/identities.js';
import { getIdentityLinks } from '../../../core/store/identities.js';
import { membershipKey } from '../../../core/store/memberships.js';
import { listTagRules } from '../../../core/store/rules.js';
import { badInput, decodeCursor, encodeCursor, isPlausibleId, pageSize, requireScope } from '../../context.js';
import type { QueryResolvers } from '../types.generated.js';
import { allUsersPage, loadUser, usersPage } from '../users.js';

export const Query: QueryResolvers = {
  user: async (_, args, ctx) => {
    requireScope(ctx, 'profiles:read');
    return loadUser(ctx, args.id);
  },
  userByIdentity: async (_, args, ctx) => {
    requireScope(ctx, 'profiles:read');
    const ref = normaliseIdentity(args.kind, args.value, ctx.identitySecret);
    if (!ref) return null;
    const links = await getIdentityLinks(ctx.tables.identities, [identityKey(ref)]);
    const link = links.get(identityKey(ref));
    if (link) return loadUser(ctx, link.userId);
    // A user id that never went through identify is still its own profile id.
    return args.kind === 'USER_ID' ? loadUser(ctx, ref.value) : null;
  },
  users: async (_, args, ctx, info) => {
    requireScope(ctx, 'profiles:read');
    const first = pageSize(args.first);
    const after = decodeCursor(args.after);
    const f = args.filter ?? {};
    const given = [f.tag, f.segment, f.churnBand].filter((v) => v !== null && v !== undefined);
    if (given.length > 1) throw badInput('give at most one of tag, segment and churnBand', 'filter');
    if (f.tag) return usersPage(ctx, membershipKey.tag(f.tag), first, after, info);
    if (f.segment) return usersPage(ctx, membershipKey.segment(f.segment), first, after, info);
    if (f.churnBand) return usersPage(ctx, membershipKey.churn(f.churnBand), first, after, info);
    return allUsersPage(ctx, first, after, info);
  },
  segment: async (_, args, ctx) => {
    requireScope(ctx, 'segments:read');
    return (await ctx.segments()).find((s) => s.id === args.id) ?? null;
  },
  segments: async (_, __, ctx) => {
    requireScope(ctx, 'segments:read');
    return ctx.segments();
  },
  tagRules: async (_, __, ctx) => {
    requireScope(ctx, 'segments:read');
    return listTagRules(ctx.tables.rules);
  },
  apiKeys: (_, __, ctx) => {
    requireScope(ctx, 'admin');
    return listApiKeys(ctx.tables, Date.parse(ctx.now));
  },
  erasureJob: (_, { id }, ctx) => {
    requireScope(ctx, 'admin');
    return isPlausibleId(id) ? getErasureJob(ctx.tables.jobs, id) : null;
  },
  erasureJobs: (_, { first }, ctx) => {
    requireScope(ctx, 'admin');
    return recentErasureJobs(ctx.tables.jobs, pageSize(first), new Date(ctx.now));
  },
  viewer: (_, __, ctx) => ({
    keyId: ctx.key.id,
    name: ctx.key.name,
    scopes: SCOPES.filter((s) => grants(ctx.key.scopes, s)),
  }),
  exportUser: (_, { userId }, ctx) => {
    requireScope(ctx, 'admin');
    if (!isPlausibleId(userId)) throw badInput('userId: 1 to 256 characters', 'userId');
    return exportUser(ctx.tables, userId, ctx.key.name, new Date(ctx.now), { archive: ctx.archive.files, identitySecret: ctx.identitySecret });
  },
  audit: async (_, args, ctx) => {
    requireScope(ctx, 'admin');
    if (!isPlausibleId(args.subject)) throw badInput('subject: 1 to 256 characters, such as apikey#key_… or profile#<userId>', 'subject');
    const first = pageSize(args.first);
    const page = await pageAudit(ctx.tables.audit, args.subject, first, decodeCursor(args.after));
    const edges = page.entries.map((e) => ({ cursor: encodeCursor(e.at), node: { ...e, at: e.at.split('#')[0]! } }));
    return { edges, pageInfo: { hasNextPage: page.more, endCursor: edges.at(-1)?.cursor ?? null } };
  },
};
