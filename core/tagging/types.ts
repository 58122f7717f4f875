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

/** What one evaluation changed on a profile; published to the `changes` stream. */
export interface ProfileChange {
  kind: 'tag_added' | 'tag_removed' | 'segment_entered' | 'segment_exited' | 'profile_merged' | 'profile_updated';
  userId: string;
  /** Tag name or segment id, or the merged profile id. */
  subject: string;
  /** Event time at which it happened. */
  at: string;
}
