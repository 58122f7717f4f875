import { callsOf, matches, variablesRead, type CompiledRule, type VariableReads } from '../rules/index.js';
import { DEVICE_COUNT_FUNCTION, type DeviceActivity } from '../identity/deviceActivity.js';
import { decayedInterest } from '../profile/fold.js';
import type { StoredEvent } from '../events/schema.js';
import { dict } from '../profile/keys.js';
import type { Profile, TagState } from '../profile/types.js';
import { compileExpression, ruleContext, withScope } from './context.js';
import type { ProfileChange } from '../changes/types.js';
import type { Segment, TagRule } from '../rules/types.js';

const DAY_MS = 86_400_000;
/** Tag source prefix of rule-based tags; tags from other sources (the churn scorer) are left alone. */
export const RULE_SOURCE = 'rule:';

export interface CompiledRuleSet {
  rules: Array<{ rule: TagRule; compiled: CompiledRule; latched: boolean }>;
  segments: Array<{ segment: Segment; compiled: CompiledRule }>;
  /** Rules or segments whose stored expression no longer compiles (kept out, reported to the caller). */
  invalid: Array<{ id: string; error: string }>;
  /** What the rules, and the segments, read: evaluation derives only that (see `ruleContext`). */
  ruleReads: VariableReads;
  segmentReads: VariableReads;
  /** Events the rules and segments count per device (`device_count_hours`): the tagger keeps those per device. */
  deviceEvents: Set<string>;
}

/** Whether a tag set by an event-reading rule is still within its `ttlDays` (such tags latch). */
function stillLatched(held: TagState | undefined, rule: TagRule, asOfMs: number): boolean {
  return held?.source === RULE_SOURCE + rule.id && asOfMs - Date.parse(held.since) < (rule.ttlDays ?? 30) * DAY_MS;
}

/**
 * Compiles stored rules and segments once per load; handlers reuse the result for every profile.
 *
 * @example
 * const set = compileRuleSet(await rulesStore.tagRules(), await rulesStore.segments());
 */
export function compileRuleSet(rules: TagRule[], segments: Segment[]): CompiledRuleSet {
  const set: CompiledRuleSet = { rules: [], segments: [], invalid: [], ruleReads: new Map(), segmentReads: new Map(), deviceEvents: new Set() };
  const countsOnDevices = (compiled: CompiledRule): boolean => {
    const calls = callsOf(compiled.ast, DEVICE_COUNT_FUNCTION);
    for (const { args } of calls) if (args[0]?.kind === 'literal' && typeof args[0].value === 'string') set.deviceEvents.add(args[0].value);
    return calls.length > 0;
  };
  for (const rule of rules) {
    if (!rule.enabled) continue;
    try {
      const compiled = compileExpression(rule.expression);
      // A rule that reads the current event, or the batch's devices, latches its tag for `ttlDays`.
      const latched = countsOnDevices(compiled) || variablesRead(compiled.ast).has('event');
      variablesRead(compiled.ast, set.ruleReads);
      set.rules.push({ rule, compiled, latched });
    } catch (err) {
      set.invalid.push({ id: rule.id, error: (err as Error).message });
    }
  }
  for (const segment of segments) {
    try {
      const compiled = compileExpression(segment.expression);
      countsOnDevices(compiled);
      variablesRead(compiled.ast, set.segmentReads);
      set.segments.push({ segment, compiled });
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
 * (the churn scorer's `churn_risk_high`) that segments may still test. `devices` are the activity of the devices
 * the profile's events of this batch came from (`device_count_hours`).
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
  devices: readonly DeviceActivity[] = [],
): ProfileChange[] {
  return withScope(profile, asOf, () => {
    const changes: ProfileChange[] = [];
    const ctx = ruleContext(profile, asOf, event, set.ruleReads);
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
      if (matches(compiled, ctx) || (latched && stillLatched(profile.tags[rule.tag], rule, asOfMs))) wanted.set(rule.tag, rule);
    }
    // A changed tag or segment map is rebuilt rather than edited with `delete`, which would turn it into a slow
    // dictionary object; an unchanged one is left as it is.
    const before = changes.length;
    for (const name in profile.tags) {
      if (profile.tags[name]!.source.startsWith(RULE_SOURCE) && !wanted.has(name)) {
        changes.push({ kind: 'tag_removed', userId: profile.userId, subject: name, at: asOf });
      }
    }
    for (const [name, rule] of wanted) {
      const held = profile.tags[name];
      if (!held) changes.push({ kind: 'tag_added', userId: profile.userId, subject: name, at: asOf });
      else if (held.source === RULE_SOURCE + rule.id) held.ruleVersion = rule.version;
    }
    if (changes.length > before) {
      const tags: Profile['tags'] = dict(); // tag names come from categories (`interest:{key}`)
      for (const name in profile.tags) {
        const held = profile.tags[name]!;
        if (!held.source.startsWith(RULE_SOURCE) || wanted.has(name)) tags[name] = held;
      }
      for (const [name, rule] of wanted) tags[name] ??= { since: asOf, source: RULE_SOURCE + rule.id, ruleVersion: rule.version };
      profile.tags = tags;
    }

    // Segments see the tags just decided, and the tags kept outside the document.
    const segmentCtx = ruleContext(profile, asOf, event, set.segmentReads, externalTags);
    const inside = new Set<string>();
    const segmentsBefore = changes.length;
    for (const { segment, compiled } of set.segments) {
      if (!matches(compiled, segmentCtx)) continue;
      inside.add(segment.id);
      if (!profile.segments[segment.id]) changes.push({ kind: 'segment_entered', userId: profile.userId, subject: segment.id, at: asOf });
    }
    // Exits: segments that no longer match, and segments that were deleted.
    for (const id in profile.segments) {
      if (!inside.has(id)) changes.push({ kind: 'segment_exited', userId: profile.userId, subject: id, at: asOf });
    }
    if (changes.length > segmentsBefore) {
      const segments: Profile['segments'] = dict();
      for (const id of inside) segments[id] = profile.segments[id] ?? { since: asOf };
      profile.segments = segments;
    }
    return changes;
  }, devices);
}
