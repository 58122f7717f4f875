import { compile, type CompiledRule, type RuleFunction, type VariableReads } from '../rules/index.js';
import { countOnDevices, DEVICE_COUNT_FUNCTION, type DeviceActivity } from '../identity/deviceActivity.js';
import { decayedInterest } from '../profile/fold.js';
import { dict, own } from '../profile/keys.js';
import { STAT_NAMES, statsFields, windowSum } from '../profile/stats.js';
import type { StoredEvent } from '../events/schema.js';
import type { Profile } from '../profile/types.js';

/** Variables a rule or segment expression may read. */
export const RULE_VARIABLES = ['stats', 'traits', 'counters', 'tags', 'segments', 'consent', 'event', 'item', 'key'] as const;

/** The profile and time the rule functions answer for; set by {@link withScope} around each evaluation. */
let scope: { profile: Profile; asOf: string; asOfMs: number; devices: readonly DeviceActivity[] } | null = null;

const HOUR_MS = 3_600_000;
const since = (unit: number) => (ts: unknown) => {
  if (!scope || typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) return null;
  return (scope.asOfMs - Date.parse(ts)) / unit;
};
const optionalDays = (days: unknown) => (typeof days === 'number' && days > 0 ? days : undefined);

/**
 * Functions available to rules. They read the profile in scope at the evaluation's `asOf`, so windows move
 * with event time, never with the wall clock.
 */
export const RULE_FUNCTIONS: Record<string, RuleFunction> = {
  /** count("order_completed", 30): events (or `$`-keys) in the last N days; lifetime without N. */
  count: (key, days) => (scope && typeof key === 'string' ? windowSum(scope.profile, key, scope.asOf, optionalDays(days)) : null),
  /** sum("$revenue", 90): same as count, for money keys. */
  sum: (key, days) => (scope && typeof key === 'string' ? windowSum(scope.profile, key, scope.asOf, optionalDays(days)) : null),
  /** last("product_added_to_cart"): the latest time of an event, or null. */
  last: (name) => (scope && typeof name === 'string' ? (own(scope.profile.lastAt, name) ?? null) : null),
  /**
   * count_hours("coupon_redeemed", 6): events of that name in the last N hours. Hour windows come from the
   * profile's ring of its last 100 events (day buckets cannot tell hours apart), so they count at most those.
   */
  count_hours: (name, hours) => {
    if (!scope || typeof name !== 'string' || typeof hours !== 'number' || !(hours > 0)) return null;
    const from = scope.asOfMs - hours * HOUR_MS;
    let n = 0;
    for (const e of scope.profile.recent) {
      const at = Date.parse(e.timestamp);
      if (e.event === name && at > from && at <= scope.asOfMs) n++;
    }
    return n;
  },
  /**
   * device_count_hours("coupon_issued", 6): events of that name in the last N hours (at most 72) on the device
   * the profile's events came from, by any account: many accounts on one phone (core/identity/deviceActivity.ts).
   * Only the tagger knows the batch's devices; elsewhere (a sweep, a journey condition) it is 0, so a rule
   * calling it latches its tag (`ttlDays`) like a rule that reads `event`. The name must be a string literal:
   * it says which events are kept per device.
   */
  [DEVICE_COUNT_FUNCTION]: (name, hours) => {
    if (!scope || typeof name !== 'string' || typeof hours !== 'number' || !(hours > 0)) return null;
    return countOnDevices(scope.devices, name, hours, scope.asOfMs);
  },
  days_since: since(24 * HOUR_MS),
  hours_since: since(HOUR_MS),
  /** interest("garden"): the category's decayed score at asOf. */
  interest: (category) => {
    const i = scope && typeof category === 'string' ? own(scope.profile.interests, category.toLowerCase()) : undefined;
    return i && scope ? decayedInterest(i, scope.asOfMs) : 0;
  },
};

/**
 * Compiles an expression for tag rules and segments, with the rule functions and variables.
 * Throws `RuleSyntaxError` for bad input; callers at the API boundary use `checkExpression`.
 */
export function compileExpression(source: string): CompiledRule {
  return compile(source, { functions: RULE_FUNCTIONS, variables: RULE_VARIABLES });
}

/** `{ name: true }` for each key, plus `extra` names: how rules see tags and segments (`tags.high_value`). */
function namesOf(held: Record<string, unknown>, extra: readonly string[] = []): Record<string, true> {
  const names = dict<true>();
  for (const name in held) names[name] = true;
  for (const name of extra) names[name] = true;
  return names;
}

/**
 * The variables expressions see for one profile at `asOf`. Only what `reads` names is derived (`stats` fields,
 * the `tags` and `segments` name maps): this runs for every profile of every batch. Without `reads`, everything
 * is. `externalTags` are tags kept outside the profile document (the churn scorer's `churn_risk_high`).
 */
export function ruleContext(
  profile: Profile,
  asOf: string,
  event: StoredEvent | null,
  reads?: VariableReads,
  externalTags: readonly string[] = [],
): Record<string, unknown> {
  const wants = (name: string) => !reads || reads.has(name);
  const statsRead = reads ? reads.get('stats') : 'whole';
  return {
    stats: statsRead === undefined ? null : statsFields(profile, asOf, statsRead === 'whole' ? STAT_NAMES : statsRead),
    traits: profile.traits,
    counters: profile.counters,
    tags: wants('tags') ? namesOf(profile.tags, externalTags) : null,
    segments: wants('segments') ? namesOf(profile.segments) : null,
    consent: profile.consent,
    event,
    item: null,
    key: null,
  };
}

/** Runs `fn` with the rule functions answering for `profile` at `asOf`, on `devices` (its batch's, in the tagger). */
export function withScope<T>(profile: Profile, asOf: string, fn: () => T, devices: readonly DeviceActivity[] = []): T {
  const previous = scope;
  scope = { profile, asOf, asOfMs: Date.parse(asOf), devices };
  try {
    return fn();
  } finally {
    scope = previous;
  }
}
