import { GraphQLError } from 'graphql';
import { ArchiveQueryTimeout, type ArchiveQueryEngine } from '../../core/analytics/archive/engine.js';
import type { EventMatcher } from '../../core/analytics/archive/sql.js';
import { propertyEqualities } from '../../core/analytics/archive/stepCondition.js';
import { AnalyticsInputError } from '../../core/analytics/errors.js';
import { ARCHIVE_QUERY_BUDGET_MS } from '../../core/analyticsEngine/archiveQueries.js';
import type { RequestContext } from '../context.js';

/**
 * Runs an analytics read with its caller errors typed: a bad range or name is BAD_USER_INPUT with its `reason`, a
 * query past the time budget is QUERY_TIMEOUT, and a runtime without an archive says ARCHIVE_UNAVAILABLE.
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

/** A step or exclusion of the API as the SQL builders' matcher. */
export function matcherOf(input: { event: string; condition?: string | null }): EventMatcher {
  return input.condition ? { event: input.event, properties: propertyEqualities(input.condition) } : { event: input.event };
}

/** A DateTime argument as epoch ms (the scalar has checked it). */
export const timeOf = (iso: string): number => Date.parse(iso);
