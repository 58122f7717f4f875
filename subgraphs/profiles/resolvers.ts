import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { dynamo } from '../../core/aws/clients.js';
import { normaliseIdentity, identityKey } from '../../core/identity/identities.js';
import { decayedInterest } from '../../core/profile/fold.js';
import { computeStats, windowSum, type ProfileStats } from '../../core/profile/stats.js';
import type { IdentityKind, Profile } from '../../core/profile/types.js';
import { check, matches, variablesRead } from '../../core/rules/index.js';
import { writeAudit } from '../../core/store/audit.js';
import { countMembers, listMembers, membershipKey } from '../../core/store/memberships.js';
import { getIdentityLinks } from '../../core/store/identities.js';
import { externalTagsOf, fromItem, type StoredProfile } from '../../core/store/profiles.js';
import {
  deleteDefinition,
  listTagRules,
  putDefinition,
  VersionConflictError,
} from '../../core/store/rules.js';
import { compileExpression, RULE_FUNCTIONS, RULE_VARIABLES, ruleContext, withScope } from '../../core/tagging/context.js';
import type { Segment, TagRule } from '../../core/tagging/types.js';
import { badInput, decodeCursor, encodeCursor, pageSize, requireScope, type RequestContext } from '../context.js';

/** What `User.stats` resolves to: the derived stats plus what the window and interest fields need. */
type StatsView = ProfileStats & { profile: Profile; asOf: string };

/** Events reported in `stats.windows`. */
const KEY_EVENTS = ['order_completed', 'product_viewed', 'product_added_to_cart', 'login', 'app_opened', 'payment_failed'];

function parseLiteral(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, parseLiteral(f.value)]));
    case Kind.LIST:
      return ast.values.map(parseLiteral);
    default:
      return null;
  }
}

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral,
});

const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw badInput('DateTime must be an ISO 8601 string');
    return new Date(v).toISOString();
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) throw badInput('DateTime must be an ISO 8601 string');
    return new Date(ast.value).toISOString();
  },
});

/** Resolves a user id to its stored profile, or null. */
async function loadUser(ctx: RequestContext, id: string): Promise<StoredProfile | null> {
  return ctx.profiles.load(id);
}

function checkExpression(expression: string, field: string): void {
  const result = check(expression, { functions: RULE_FUNCTIONS, variables: RULE_VARIABLES });
  if (!result.ok) {
    throw new GraphQLError(result.error.message, {
      extensions: { code: 'BAD_USER_INPUT', field, ruleError: result.error.code, position: result.error.position },
    });
  }
}

const ID_PATTERN = /^[a-z0-9][a-z0-9_:-]{1,63}$/;

function definitionId(id: string | null | undefined, fallback: string): string {
  const chosen = (id ?? fallback).toLowerCase().replace(/[^a-z0-9_:-]+/g, '_');
  if (!ID_PATTERN.test(chosen)) throw badInput('id must be 2-64 characters of a-z, 0-9, _, : and -', 'id');
  return chosen;
}

interface TagRuleInput {
  id?: string | null;
  tag: string;
  description?: string | null;
  expression: string;
  forEach?: string | null;
  ttlDays?: number | null;
  enabled?: boolean | null;
}

interface SegmentInput {
  id?: string | null;
  name: string;
  description?: string | null;
  expression: string;
}

function toTagRule(input: TagRuleInput, id: string, version: number, now: string): TagRule {
  checkExpression(input.expression, 'expression');
  if (input.forEach && input.forEach !== 'interests') throw badInput('forEach supports only "interests"', 'forEach');
  if (!/^[a-z0-9_:{}-]{2,64}$/.test(input.tag)) throw badInput('tag must be 2-64 characters of a-z, 0-9, _, : and -', 'tag');
  if (input.ttlDays !== null && input.ttlDays !== undefined && (input.ttlDays < 1 || input.ttlDays > 3650)) {
    throw badInput('ttlDays must be between 1 and 3650', 'ttlDays');
  }
  return {
    id,
    tag: input.tag,
    description: input.description ?? '',
    expression: input.expression,
    ...(input.forEach ? { forEach: 'interests' as const } : {}),
    ...(input.ttlDays ? { ttlDays: input.ttlDays } : {}),
    enabled: input.enabled ?? true,
    version,
    updatedAt: now,
  };
}

function toSegment(input: SegmentInput, id: string, version: number, now: string): Segment {
  checkExpression(input.expression, 'expression');
  return { id, name: input.name, description: input.description ?? '', expression: input.expression, version, updatedAt: now };
}

function conflict(err: unknown): never {
  if (err instanceof VersionConflictError) throw new GraphQLError(err.message, { extensions: { code: 'CONFLICT' } });
  throw err;
}

/** Audit subjects and actions of definition changes: `rule#<id>` / `segment#<id>`, `rule_created`, … */
const AUDIT_NAME = { tag: 'rule', segment: 'segment' } as const;

/** Leaves the audit entry of a rule or segment change, naming the API key (never the key itself) that made it. */
async function auditDefinition(ctx: RequestContext, kind: 'tag' | 'segment', id: string, change: string, detail: Record<string, unknown>) {
  const name = AUDIT_NAME[kind];
  await writeAudit(ctx.tables.audit, {
    subject: `${name}#${id}`,
    at: `${ctx.now}#${change}#${randomUUID()}`,
    action: `${name}_${change}`,
    detail: { by: ctx.key.name, ...detail },
  });
}

/** Saves a tag rule or segment (version-checked) and audits the change. */
async function saveDefinition<T extends TagRule | Segment>(ctx: RequestContext, kind: 'tag' | 'segment', def: T, expectedVersion: number): Promise<T> {
  const saved = await putDefinition(ctx.tables.rules, kind, def, expectedVersion).catch(conflict);
  await auditDefinition(ctx, kind, def.id, expectedVersion === 0 ? 'created' : 'updated', { version: def.version, expression: def.expression });
  return saved;
}

/** Deletes a tag rule or segment and audits it when it existed. */
async function removeDefinition(ctx: RequestContext, kind: 'tag' | 'segment', id: string): Promise<boolean> {
  const existed = await deleteDefinition(ctx.tables.rules, kind, id);
  if (existed) await auditDefinition(ctx, kind, id, 'deleted', {});
  return existed;
}

/**
 * Evaluates an expression over up to `sample` profiles at `asOf`, as the hourly sweep would, without saving
 * anything. (Not at each profile's own last event: a time-based rule such as `dormant` never matches there.)
 */
async function preview(ctx: RequestContext, expression: string, sample: number, asOf: string) {
  checkExpression(expression, 'expression');
  if (!Number.isInteger(sample) || sample < 1 || sample > 10_000) throw badInput('sample must be between 1 and 10000', 'sample');
  const compiled = compileExpression(expression);
  const reads = variablesRead(compiled.ast);
  let evaluated = 0;
  let matched = 0;
  const examples: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await dynamo().send(
      new ScanCommand({ TableName: ctx.tables.profiles, Limit: Math.min(500, sample - evaluated), ExclusiveStartKey: start }),
    );
    for (const item of res.Items ?? []) {
      const stored = fromItem(item);
      const { profile } = stored;
      evaluated++;
      if (withScope(profile, asOf, () => matches(compiled, ruleContext(profile, asOf, null, reads, externalTagsOf(stored))))) {
        matched++;
        if (examples.length < 10) examples.push(profile.userId);
      }
    }
    start = res.LastEvaluatedKey;
  } while (start && evaluated < sample);
  return { evaluated, matched, sample: examples };
}

interface PreviewArgs {
  expression: string;
  sample?: number | null;
  asOf?: string | null;
}

async function usersPage(ctx: RequestContext, key: string, first: number, after: string | undefined) {
  const [{ userIds, next }, totalCount] = await Promise.all([
    listMembers(ctx.tables.memberships, key, first, after),
    countMembers(ctx.tables.memberships, key),
  ]);
  const edges = (await Promise.all(userIds.map((id) => loadUser(ctx, id))))
    .filter((p): p is StoredProfile => p !== null)
    .map((p) => ({ cursor: encodeCursor(p.profile.userId), node: p }));
  return { edges, totalCount, pageInfo: { hasNextPage: next !== null, endCursor: edges.at(-1)?.cursor ?? null } };
}

async function allUsersPage(ctx: RequestContext, first: number, after: string | undefined) {
  const res = await dynamo().send(
    new ScanCommand({ TableName: ctx.tables.profiles, Limit: first, ExclusiveStartKey: after ? { userId: after } : undefined }),
  );
  const nodes = (res.Items ?? []).map(fromItem);
  for (const n of nodes) ctx.profiles.prime(n.profile.userId, n);
  let totalCount = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const c = await dynamo().send(new ScanCommand({ TableName: ctx.tables.profiles, Select: 'COUNT', ExclusiveStartKey: start }));
    totalCount += c.Count ?? 0;
    start = c.LastEvaluatedKey;
  } while (start);
  const edges = nodes.map((p) => ({ cursor: encodeCursor(p.profile.userId), node: p }));
  return { edges, totalCount, pageInfo: { hasNextPage: res.LastEvaluatedKey !== undefined, endCursor: edges.at(-1)?.cursor ?? null } };
}

export const resolvers = {
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
  Query: {
    user: async (_: unknown, args: { id: string }, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      return loadUser(ctx, args.id);
    },
    userByIdentity: async (_: unknown, args: { kind: IdentityKind; value: string }, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      const ref = normaliseIdentity(args.kind, args.value);
      if (!ref) return null;
      const links = await getIdentityLinks(ctx.tables.identities, [identityKey(ref)]);
      const link = links.get(identityKey(ref));
      if (link) return loadUser(ctx, link.userId);
      // A user id that never went through identify is still its own profile id.
      return args.kind === 'USER_ID' ? loadUser(ctx, ref.value) : null;
    },
    users: async (
      _: unknown,
      args: { filter?: { tag?: string | null; segment?: string | null; churnBand?: string | null } | null; first?: number | null; after?: string | null },
      ctx: RequestContext,
    ) => {
      requireScope(ctx, 'profiles:read');
      const first = pageSize(args.first);
      const after = decodeCursor(args.after);
      const f = args.filter ?? {};
      const given = [f.tag, f.segment, f.churnBand].filter((v) => v !== null && v !== undefined);
      if (given.length > 1) throw badInput('give at most one of tag, segment and churnBand', 'filter');
      if (f.tag) return usersPage(ctx, membershipKey.tag(f.tag), first, after);
      if (f.segment) return usersPage(ctx, membershipKey.segment(f.segment), first, after);
      if (f.churnBand) return usersPage(ctx, membershipKey.churn(f.churnBand), first, after);
      return allUsersPage(ctx, first, after);
    },
    segment: async (_: unknown, args: { id: string }, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      return (await ctx.segments()).find((s) => s.id === args.id) ?? null;
    },
    segments: async (_: unknown, __: unknown, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      return ctx.segments();
    },
    tagRules: async (_: unknown, __: unknown, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      return listTagRules(ctx.tables.rules);
    },
  },
  Mutation: {
    createTagRule: async (_: unknown, { input }: { input: TagRuleInput }, ctx: RequestContext) => {
      requireScope(ctx, 'rules:write');
      return saveDefinition(ctx, 'tag', toTagRule(input, definitionId(input.id, input.tag), 1, ctx.now), 0);
    },
    updateTagRule: async (_: unknown, args: { id: string; expectedVersion: number; input: TagRuleInput }, ctx: RequestContext) => {
      requireScope(ctx, 'rules:write');
      return saveDefinition(ctx, 'tag', toTagRule(args.input, args.id, args.expectedVersion + 1, ctx.now), args.expectedVersion);
    },
    deleteTagRule: async (_: unknown, args: { id: string }, ctx: RequestContext) => {
      requireScope(ctx, 'rules:write');
      return removeDefinition(ctx, 'tag', args.id);
    },
    previewTagRule: async (_: unknown, args: PreviewArgs, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      return preview(ctx, args.expression, args.sample ?? 1000, args.asOf ?? ctx.now);
    },
    createSegment: async (_: unknown, { input }: { input: SegmentInput }, ctx: RequestContext) => {
      requireScope(ctx, 'rules:write');
      return saveDefinition(ctx, 'segment', toSegment(input, definitionId(input.id, input.name), 1, ctx.now), 0);
    },
    updateSegment: async (_: unknown, args: { id: string; expectedVersion: number; input: SegmentInput }, ctx: RequestContext) => {
      requireScope(ctx, 'rules:write');
      return saveDefinition(ctx, 'segment', toSegment(args.input, args.id, args.expectedVersion + 1, ctx.now), args.expectedVersion);
    },
    deleteSegment: async (_: unknown, args: { id: string }, ctx: RequestContext) => {
      requireScope(ctx, 'rules:write');
      return removeDefinition(ctx, 'segment', args.id);
    },
    previewSegment: async (_: unknown, args: PreviewArgs, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      return preview(ctx, args.expression, args.sample ?? 1000, args.asOf ?? ctx.now);
    },
  },
  Segment: {
    size: (s: Segment, _: unknown, ctx: RequestContext) => countMembers(ctx.tables.memberships, membershipKey.segment(s.id)),
    members: (s: Segment, args: { first?: number | null; after?: string | null }, ctx: RequestContext) =>
      usersPage(ctx, membershipKey.segment(s.id), pageSize(args.first), decodeCursor(args.after)),
  },
  User: {
    __resolveReference: async (ref: { id: string }, ctx: RequestContext) => loadUser(ctx, ref.id),
    id: (u: StoredProfile) => u.profile.userId,
    identities: (u: StoredProfile) => u.profile.identities,
    traits: (u: StoredProfile) => u.profile.traits,
    consent: (u: StoredProfile) => u.profile.consent,
    mergedFrom: (u: StoredProfile) => u.profile.mergedFrom,
    // Derived once per user and query; the ProfileStats fields read from it.
    stats: (u: StoredProfile, args: { asOf?: string | null }, ctx: RequestContext): StatsView => {
      const asOf = args.asOf ?? ctx.now;
      return { ...computeStats(u.profile, asOf), profile: u.profile, asOf };
    },
    tags: (u: StoredProfile) => [
      ...Object.entries(u.profile.tags).map(([name, t]) => ({ name, ...t })),
      ...(u.churn?.band === 'HIGH'
        ? [{ name: 'churn_risk_high', since: u.churn.bandSince ?? u.churn.scoredAt, source: 'churn', ruleVersion: null }]
        : []),
    ],
    segments: async (u: StoredProfile, _: unknown, ctx: RequestContext) => {
      const all = await ctx.segments();
      return all.filter((s) => u.profile.segments[s.id]);
    },
    events: (u: StoredProfile, args: { first?: number | null; after?: string | null }) => {
      const first = pageSize(args.first);
      // A cursor is a position in (timestamp, eventId) order, not an index or an event that must still be kept: paging
      // stays right while new events arrive and old ones leave the 100-event ring.
      const position = (e: { timestamp: string; eventId: string }) => `${e.timestamp}|${e.eventId}`;
      const after = decodeCursor(args.after);
      const newestFirst = [...u.profile.recent].reverse();
      const rest = after === undefined ? newestFirst : newestFirst.filter((e) => position(e) < after);
      const page = rest.slice(0, first);
      return {
        edges: page.map((e) => ({ cursor: encodeCursor(position(e)), node: e })),
        pageInfo: { hasNextPage: rest.length > first, endCursor: page.length ? encodeCursor(position(page.at(-1)!)) : null },
      };
    },
    churn: (u: StoredProfile) => u.churn,
  },
  ProfileStats: {
    windows: (s: StatsView) =>
      KEY_EVENTS.map((event) => ({
        event,
        last7d: windowSum(s.profile, event, s.asOf, 7),
        last30d: windowSum(s.profile, event, s.asOf, 30),
        last90d: windowSum(s.profile, event, s.asOf, 90),
        total: s.profile.counters[event] ?? 0,
      })),
    interests: (s: StatsView) =>
      Object.entries(s.profile.interests)
        .map(([category, i]) => ({ category, score: Math.round(decayedInterest(i, s.asOf) * 1000) / 1000 }))
        .sort((a, b) => b.score - a.score),
  },
};
