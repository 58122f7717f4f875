// Tag rules and segments are defined once, as zod schemas in core/store/rules.ts (see docs/architecture.md).
export type { Segment, TagRule } from '../store/rules.js';

/** What one evaluation changed on a profile; published to the `changes` stream. */
export interface ProfileChange {
  kind: 'tag_added' | 'tag_removed' | 'segment_entered' | 'segment_exited' | 'profile_merged' | 'profile_updated';
  userId: string;
  /** Tag name or segment id, or the merged profile id. */
  subject: string;
  /** Event time at which it happened. */
  at: string;
}
