/*
 * Rule and segment definitions live beside the rule language, below the store and the tagger, so both read them
 * without an upward import (layers: see docs/architecture.md).
 */
import * as z from 'zod';

/**
 * A tag rule as stored in the rules table and managed through GraphQL. This schema is its one definition: the
 * `TagRule` type is inferred from it, and every stored rule is parsed with it.
 */
export const tagRuleSchema = z.object({
  id: z.string(),
  /** Tag name; with `forEach` a template whose `{key}` is replaced by each entry's key. */
  tag: z.string(),
  description: z.string(),
  /** Rule-language expression (see core/rules); `item` is bound to the entry's value under `forEach`. */
  expression: z.string(),
  /** Evaluate once per entry of this profile map (only `interests`, the decayed category scores, for now). */
  forEach: z.literal('interests').optional(),
  /**
   * Rules that read `event` describe something that happened, not a state: their tag stays after the event
   * until it is this many days old. Rules without `event` hold exactly while their condition holds.
   */
  ttlDays: z.number().optional(),
  enabled: z.boolean(),
  version: z.number(),
  updatedAt: z.string(),
});
export type TagRule = z.infer<typeof tagRuleSchema>;

/**
 * A segment: a named boolean expression over tags, traits and stats, with incrementally kept membership. This schema
 * is its one definition: the `Segment` type is inferred from it.
 */
export const segmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  expression: z.string(),
  version: z.number(),
  updatedAt: z.string(),
});
export type Segment = z.infer<typeof segmentSchema>;
