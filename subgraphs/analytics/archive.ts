import type { EventMatcher } from '../../core/analytics/archive/sql.js';
import { propertyEqualities } from '../../core/analytics/archive/stepCondition.js';

/** A step or exclusion of the API as the SQL builders' matcher. */
export function matcherOf(input: { event: string; condition?: string | null }): EventMatcher {
  return input.condition ? { event: input.event, properties: propertyEqualities(input.condition) } : { event: input.event };
}

/** A DateTime argument as epoch ms (the scalar has checked it). */
export const timeOf = (iso: string): number => Date.parse(iso);
