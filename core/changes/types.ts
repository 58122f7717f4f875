/**
 * The record shape of the `changes` Kinesis stream, shared by everything that publishes to it (tagger, sweeper,
 * churn scorer) and what reads it (the churn scorer). See docs/architecture.md.
 */

/** What one evaluation changed on a profile; one record on the `changes` stream. */
export interface ProfileChange {
  kind: 'tag_added' | 'tag_removed' | 'segment_entered' | 'segment_exited' | 'profile_merged' | 'profile_updated';
  userId: string;
  /** Tag name or segment id, or the merged profile id. */
  subject: string;
  /** Event time at which it happened. */
  at: string;
}
