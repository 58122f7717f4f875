import { GraphQLError } from 'graphql';
import type { ArchiveQueryEngine } from '../../core/analytics/archive/engine.js';
import type { EventMatcher } from '../../core/analytics/archive/sql.js';
import { propertyEqualities } from '../../core/analytics/archive/stepCondition.js';
import { ARCHIVE_QUERY_BUDGET_MS } from '../../core/analyticsEngine/archiveQueries.js';
import type { RequestContext } from '../context.js';

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
