import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { ApiKey, Scope } from '../core/auth/apiKeys.js';
import { getProfiles, type StoredProfile } from '../core/store/profiles.js';
import { listSegments } from '../core/store/rules.js';
import type { Segment } from '../core/tagging/types.js';

/** Table names the subgraphs read, from the graphql function's environment. */
export interface SubgraphTables {
  profiles: string;
  identities: string;
  memberships: string;
  rules: string;
  audit: string;
  campaigns: string;
}

/** Per-request context shared by the gateway and the in-process subgraphs. */
export interface RequestContext {
  tables: SubgraphTables;
  key: ApiKey;
  /** Batches profile lookups of one request into BatchGetItem calls. */
  profiles: DataLoader<string, StoredProfile | null>;
  /** The segment definitions, read once per request (`segments` on a page of users would read them per user). */
  segments: () => Promise<Segment[]>;
  /** Wall-clock time of the request: the default `asOf` for figures derived at query time. */
  now: string;
}

export function createRequestContext(tables: SubgraphTables, key: ApiKey): RequestContext {
  let segments: Promise<Segment[]> | undefined;
  return {
    segments: () => (segments ??= listSegments(tables.rules)),
    tables,
    key,
    now: new Date().toISOString(),
    profiles: new DataLoader(async (ids) => {
      const found = await getProfiles(tables.profiles, [...ids]);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}

/** Throws a FORBIDDEN error unless the request's key has `scope` (or admin). */
export function requireScope(ctx: RequestContext, scope: Scope): void {
  if (!ctx.key.scopes.includes(scope) && !ctx.key.scopes.includes('admin')) {
    throw new GraphQLError(`this API key lacks the ${scope} scope`, { extensions: { code: 'FORBIDDEN' } });
  }
}

/** A typed BAD_USER_INPUT error. */
export function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
}

export const encodeCursor = (value: string) => Buffer.from(value, 'utf8').toString('base64url');
export function decodeCursor(cursor: string | null | undefined): string | undefined {
  if (!cursor) return undefined;
  const value = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!value || encodeCursor(value) !== cursor) throw badInput('invalid cursor', 'after');
  return value;
}

/** Clamps a page size argument to 1..100. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return 20;
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be between 1 and 100', 'first');
  return first;
}
