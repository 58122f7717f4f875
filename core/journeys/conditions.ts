import { check, compile, matches, variablesRead, type CompiledRule, type VariableReads } from '../rules/index.js';
import { RULE_FUNCTIONS, RULE_VARIABLES, ruleContext, withScope } from '../tagging/context.js';
import type { StoredEvent } from '../events/schema.js';
import type { Profile } from '../profile/types.js';

/**
 * Journey conditions are tag-rule expressions (same functions, same variables), with one difference: only trigger
 * conditions and WAIT_FOR_EVENT conditions see an `event`. Elsewhere there is no current event, and a condition
 * reading one would silently be false forever, so the validator rejects it.
 */

/** Where a condition sits, which decides whether it may read `event`. */
export type ConditionScope = 'profile' | 'event';

/** Variables per scope: the tagger's, minus the forEach-only `item`/`key`, minus `event` outside event scope. */
export const CONDITION_VARIABLES: Record<ConditionScope, readonly string[]> = {
  profile: RULE_VARIABLES.filter((v) => v !== 'event' && v !== 'item' && v !== 'key'),
  event: RULE_VARIABLES.filter((v) => v !== 'item' && v !== 'key'),
};

/**
 * Parses and checks a condition without throwing; the message names the rule error code and offset.
 *
 * @example
 * checkCondition('count("login", 30) >= 3', 'profile') // null
 * checkCondition('event.properties.x > 1', 'profile')  // "Unknown variable 'event' at 0 (RULE_UNKNOWN_VARIABLE)"
 */
export function checkCondition(source: string, scope: ConditionScope): string | null {
  const r = check(source, { functions: RULE_FUNCTIONS, variables: CONDITION_VARIABLES[scope] });
  return r.ok ? null : `${r.error.message} (${r.error.code})`;
}

const cache = new Map<string, { rule: CompiledRule; reads: VariableReads }>();
const CACHE_LIMIT = 2000;

function compiled(source: string, scope: ConditionScope): { rule: CompiledRule; reads: VariableReads } {
  const key = `${scope}\u0000${source}`;
  let entry = cache.get(key);
  if (!entry) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    const rule = compile(source, { functions: RULE_FUNCTIONS, variables: CONDITION_VARIABLES[scope] });
    entry = { rule, reads: variablesRead(rule.ast) };
    cache.set(key, entry);
  }
  return entry;
}

/** Compiles (and caches) a condition; throws `RuleSyntaxError` for source the validator would have rejected. */
export function compileCondition(source: string, scope: ConditionScope): CompiledRule {
  return compiled(source, scope).rule;
}

/** The profile as journeys see it: the stored profile plus tags kept outside it (the churn scorer's). */
export interface ProfileView {
  profile: Profile;
  externalTags?: readonly string[];
}

/**
 * Evaluates a condition on a profile at `asOf` with the tagger's own context and rule functions, so a journey
 * condition and a tag rule with the same text always agree.
 *
 * @example
 * evaluateCondition('tags.high_value', { profile }, '2024-05-01T00:00:00Z') // true or false
 */
export function evaluateCondition(
  source: string,
  view: ProfileView,
  asOf: string,
  event: StoredEvent | null = null,
): boolean {
  // Only what the condition reads is derived (`stats.orders` needs no scan of the day buckets).
  const { rule, reads } = compiled(source, event ? 'event' : 'profile');
  return withScope(view.profile, asOf, () => matches(rule, ruleContext(view.profile, asOf, event, reads, view.externalTags ?? [])));
}
