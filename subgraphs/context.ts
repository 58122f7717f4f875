import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { ArchiveQueryTimeout, type ArchiveQueryEngine } from '../core/analytics/archive/engine.js';
import { AnalyticsInputError } from '../core/analytics/errors.js';
import { ARCHIVE_QUERY_BUDGET_MS } from '../core/analyticsEngine/archiveQueries.js';
import type { ArchiveFiles } from '../core/analytics/archive/files.js';
import type { ApiKey } from '../core/auth/apiKeys.js';
import { grants, type Scope } from '../core/auth/scopes.js';
import { requireEnv } from '../core/platform/env.js';
import { piiClassifier } from '../core/privacy/pii.js';
import type { GuardSettings } from '../core/journeys/guards.js';
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
  campaignVersions: string;
  enrollments: string;
  outbox: string;
  jobs: string;
  experiments: string;
  experimentUnits: string;
  aggregates: string;
  apiKeys: string;
  usage: string;
  operations: string;
  consent: string;
  /** Kept email and phone addresses (core/store/contacts.ts): `exportUser` lists them. */
  contacts: string;
  /** The events stream (a stream, not a table): `assignExperiment` records exposures on it. */
  eventsStream: string;
}

/** The table and stream names from the graphql function's environment (core/platform/definitions.ts). */
export function subgraphTablesFromEnv(): SubgraphTables {
  return {
    profiles: requireEnv('PROFILES_TABLE'),
    identities: requireEnv('IDENTITIES_TABLE'),
    memberships: requireEnv('MEMBERSHIPS_TABLE'),
    rules: requireEnv('RULES_TABLE'),
    audit: requireEnv('AUDIT_TABLE'),
    campaigns: requireEnv('CAMPAIGNS_TABLE'),
    campaignVersions: requireEnv('CAMPAIGN_VERSIONS_TABLE'),
    enrollments: requireEnv('ENROLLMENTS_TABLE'),
    outbox: requireEnv('OUTBOX_TABLE'),
    jobs: requireEnv('JOBS_TABLE'),
    experiments: requireEnv('EXPERIMENTS_TABLE'),
    experimentUnits: requireEnv('EXPERIMENT_UNITS_TABLE'),
    aggregates: requireEnv('AGGREGATES_TABLE'),
    apiKeys: requireEnv('API_KEYS_TABLE'),
    usage: requireEnv('USAGE_TABLE'),
    operations: requireEnv('OPERATIONS_TABLE'),
    consent: requireEnv('CONSENT_TABLE'),
    contacts: requireEnv('CONTACTS_TABLE'),
    eventsStream: requireEnv('EVENTS_STREAM'),
  };
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
  /** Profiles `previewTagRule` / `previewSegment` may still sample in this request (aliases share it). */
  previewBudget: { remaining: number };
  /** Counts read once per request (`all` = every profile, else a membership key), however many pages ask. */
  counts: Map<string, Promise<number>>;
  /** Stage settings of the journey guards (`simulateJourney` runs them). */
  journeySettings: GuardSettings;
  /** The stage's identity key (ENV.identitySecret): `userByIdentity` hashes an email or phone with it. */
  identitySecret: string | undefined;
  /** Whether a trait or property key is personal data (core/privacy/pii.ts): masked without `profiles:pii`. */
  isPii: (key: string) => boolean;
  /** The event archive, when the runtime has one: its query engine (funnels, retention) and its files (export). */
  archive: ArchiveAccess;
}

/** How a request reaches the event archive (core/analyticsEngine/archiveQueries.ts, archiveFiles.ts). */
export interface ArchiveAccess {
  engine?: () => Promise<ArchiveQueryEngine>;
  files?: ArchiveFiles;
}

/** Profiles all previews of one request may sample together. */
export const PREVIEW_BUDGET = 10_000;
/** Largest `first` of any paged field. */
export const MAX_PAGE = 100;
/** Longest id a lookup sends to storage (DynamoDB refuses key values over 2,048 bytes; ours are far shorter). */
export const MAX_ID_BYTES = 1_024;

/** Whether `id` can be a stored key: not empty and short enough for DynamoDB. Anything else cannot exist. */
export function isPlausibleId(id: string): boolean {
  return id.length > 0 && Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES;
}

/** The stage's settings a request runs with; every one has a default for tests and benchmarks. */
export interface RequestSettings {
  journeySettings?: GuardSettings;
  identitySecret?: string;
  /** The stage's PII classifier (core/privacy/pii.ts); default: the built-in classes only. */
  isPii?: (key: string) => boolean;
  /** The event archive; default: none (archive queries answer ARCHIVE_UNAVAILABLE). */
  archive?: ArchiveAccess;
}

const defaultIsPii = piiClassifier();

export function createRequestContext(tables: SubgraphTables, key: ApiKey, settings: RequestSettings = {}): RequestContext {
  const { journeySettings = { defaultTimeZone: 'UTC' }, identitySecret, isPii = defaultIsPii, archive = {} } = settings;
  let segments: Promise<Segment[]> | undefined;
  return {
    journeySettings,
    identitySecret,
    isPii,
    archive,
    segments: () => (segments ??= listSegments(tables.rules)),
    tables,
    key,
    now: new Date().toISOString(),
    previewBudget: { remaining: PREVIEW_BUDGET },
    counts: new Map(),
    // Ids are checked per key: an empty or oversized id answers null for its own field and never reaches
    // BatchGetItem, where it would fail the whole batch (every other alias of the request with it).
    profiles: new DataLoader(async (ids) => {
      const valid = ids.filter(isPlausibleId);
      const found = valid.length ? await getProfiles(tables.profiles, valid) : new Map<string, StoredProfile>();
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}

/** Throws a FORBIDDEN error unless the request's key grants `scope` (core/auth/scopes.ts). */
export function requireScope(ctx: RequestContext, scope: Scope): void {
  if (!grants(ctx.key.scopes, scope)) {
    throw new GraphQLError(`this API key lacks the ${scope} scope`, { extensions: { code: 'FORBIDDEN' } });
  }
}

/** Reads a count once per request: aliased pages and segments asking for the same count share one read. */
export function countOnce(ctx: RequestContext, key: string, read: () => Promise<number>): Promise<number> {
  let count = ctx.counts.get(key);
  if (!count) ctx.counts.set(key, (count = read()));
  return count;
}

/**
 * Runs an analytics read with its caller errors typed: a bad range or name is BAD_USER_INPUT with its `reason`, a
 * query past the time budget is QUERY_TIMEOUT (the archive engine's).
 */
export async function analyticsRead<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AnalyticsInputError) throw new GraphQLError(err.message, { extensions: { code: err.code, reason: err.reason } });
    if (err instanceof ArchiveQueryTimeout) throw new GraphQLError(err.message, { extensions: { code: err.code } });
    throw err;
  }
}

/** The request's archive engine, and the time budget every archive query of the API runs with. */
export async function archiveOf(ctx: RequestContext): Promise<{ engine: ArchiveQueryEngine; options: { timeoutMs: number } }> {
  if (!ctx.archive.engine) throw new GraphQLError('this deployment has no event archive to query', { extensions: { code: 'ARCHIVE_UNAVAILABLE' } });
  return { engine: await ctx.archive.engine(), options: { timeoutMs: ARCHIVE_QUERY_BUDGET_MS } };
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

/** Checks a page size argument is in 1..{@link MAX_PAGE}. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`, 'first');
  return first;
}
