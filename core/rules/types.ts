/*
 * Rule and segment definitions live beside the rule language, below the store and the tagger, so both read them
 * without an upward import (layers: see docs/architecture.md).
 */

/** A tag rule as stored in the rules table and managed through GraphQL. */
export interface TagRule {
  id: string;
  /** Tag name; with `forEach` a template whose `{key}` is replaced by each entry's key. */
  tag: string;
  description: string;
  /** Rule-language expression (see core/rules); `item` is bound to the entry's value under `forEach`. */
  expression: string;
  /** Evaluate once per entry of this profile map (only `interests`, the decayed category scores, for now). */
  forEach?: 'interests';
  /**
   * Rules that read `event` describe something that happened, not a state: their tag stays after the event
   * until it is this many days old. Rules without `event` hold exactly while their condition holds.
   */
  ttlDays?: number;
  enabled: boolean;
  version: number;
  updatedAt: string;
}

/** A segment: a named boolean expression over tags, traits and stats, with incrementally kept membership. */
export interface Segment {
  id: string;
  name: string;
  description: string;
  expression: string;
  version: number;
  updatedAt: string;
}
