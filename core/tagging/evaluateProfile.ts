import { matches, type CompiledRule } from '../rules/index.js';
import { decayedInterest } from '../profile/fold.js';
import type { StoredEvent } from '../events/schema.js';
import type { Profile } from '../profile/types.js';
import { compileExpression, namesOf, ruleContext, withScope } from './context.js';
import type { ProfileChange, Segment, TagRule } from './types.js';

const DAY_MS = 86_400_000;
/** Tag source prefix of rule-based tags; tags from other sources (the churn scorer) are left alone. */
export const RULE_SOURCE = 'rule:';

export interface CompiledRuleSet {
  rules: Array<{ rule: TagRule; compiled: CompiledRule; latched: boolean }>;
  segments: Array<{ segment: Segment; compiled: CompiledRule }>;
  /** Rules or segments whose stored expression no longer compiles (kept out, reported to the caller). */
  invalid: Array<{ id: string; error: string }>;
}

/** Whether an expression reads the current event (then its tag latches for `ttlDays`). */
function readsEvent(source: string): boolean {
  return /\bevent\b/.test(source.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ''));
}

/**
 * Compiles stored rules and segments once per load; handlers reuse the result for every profile.
 *
 * @example
 * const set = compileRuleSet(await rulesStore.tagRules(), await rulesStore.segments());
 */
export function compileRuleSet(rules: TagRule[], segments: Segment[]): CompiledRuleSet {
  const set: CompiledRuleSet = { rules: [], segments: [], invalid: [] };
  for (const rule of rules) {
    if (!rule.enabled) continue;
    try {
      set.rules.push({ rule, compiled: compileExpression(rule.expression), latched: readsEvent(rule.expression) });
    } catch (err) {
      set.invalid.push({ id: rule.id, error: (err as Error).message });
    }
  }
  for (const segment of segments) {
    try {
      set.segments.push({ segment, compiled: compileExpression(segment.expression) });
    } catch (err) {
      set.invalid.push({ id: segment.id, error: (err as Error).message });
    }
  }
  return set;
}

/**
 * Re-evaluates every tag rule and then every segment on a profile at `asOf`, updating its `tags` and
 * `segments` in place, and returns what changed. `event` is the newest event of the batch, or null when a
 * scheduled sweep re-evaluates time-based conditions. `externalTags` are tags kept outside the profile document
 * (the churn scorer's `churn_risk_high`) that segments may still test.
 *
 * @example
 * const changes = evaluateProfile(profile, set, profile.lastSeenAt!, lastEvent);
 */
export function evaluateProfile(
  profile: Profile,
  set: CompiledRuleSet,
  asOf: string,
  event: StoredEvent | null,
  externalTags: readonly string[] = [],
): ProfileChange[] {
  return withScope(profile, asOf, () => {
    const changes: ProfileChange[] = [];
    const ctx = ruleContext(profile, asOf, event);
    const wanted = new Map<string, TagRule>();
    const asOfMs = Date.parse(asOf);
    for (const { rule, compiled, latched } of set.rules) {
      if (rule.forEach === 'interests') {
        // `item` and `key` are set in place rather than spreading the context per entry (a hot path).
        for (const key in profile.interests) {
          ctx.item = decayedInterest(profile.interests[key]!, asOfMs);
          ctx.key = key;
          if (matches(compiled, ctx)) wanted.set(rule.tag.replaceAll('{key}', key), rule);
        }
        ctx.item = null;
        ctx.key = null;
        continue;
      }
      const held = profile.tags[rule.tag];
      const stillLatched =
        latched && held?.source === RULE_SOURCE + rule.id && asOfMs - Date.parse(held.since) < (rule.ttlDays ?? 30) * DAY_MS;
      if (matches(compiled, ctx) || stillLatched) wanted.set(rule.tag, rule);
    }
    // The tag map is rebuilt rather than edited with `delete`, which would turn it into a slow dictionary object.
    const tags: Profile['tags'] = {};
    for (const name in profile.tags) {
      const held = profile.tags[name]!;
      if (!held.source.startsWith(RULE_SOURCE)) tags[name] = held;
      else if (!wanted.has(name)) changes.push({ kind: 'tag_removed', userId: profile.userId, subject: name, at: asOf });
    }
    for (const [name, rule] of wanted) {
      const held = profile.tags[name];
      if (!held) {
        tags[name] = { since: asOf, source: RULE_SOURCE + rule.id, ruleVersion: rule.version };
        changes.push({ kind: 'tag_added', userId: profile.userId, subject: name, at: asOf });
        continue;
      }
      if (held.source === RULE_SOURCE + rule.id) held.ruleVersion = rule.version;
      tags[name] = held;
    }
    profile.tags = tags;
    // Segments see the tags just decided, and the tags kept outside the document.
    ctx.tags = namesOf(profile.tags, externalTags);
    const segments: Profile['segments'] = {};
    for (const { segment, compiled } of set.segments) {
      if (!matches(compiled, ctx)) continue;
      const held = profile.segments[segment.id];
      segments[segment.id] = held ?? { since: asOf };
      if (!held) changes.push({ kind: 'segment_entered', userId: profile.userId, subject: segment.id, at: asOf });
    }
    // Exits: segments that no longer match, and segments that were deleted.
    for (const id in profile.segments) {
      if (!segments[id]) changes.push({ kind: 'segment_exited', userId: profile.userId, subject: id, at: asOf });
    }
    profile.segments = segments;
    return changes;
  });
}
