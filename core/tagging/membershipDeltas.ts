import type { ProfileChange } from '../changes/types.js';
import { membershipKey, type MembershipDelta } from '../store/memberships.js';

/**
 * The membership-index rows that profile changes add or delete (tag and segment changes; others have none), so
 * `users(filter)` and segment sizes follow every evaluation. Used by the tagger's commit and by the sweeps.
 *
 * @example
 * await applyMemberships(tables.memberships, membershipDeltasOf(changes));
 */
export function membershipDeltasOf(changes: ProfileChange[]): MembershipDelta[] {
  return changes.flatMap((c): MembershipDelta[] => {
    switch (c.kind) {
      case 'tag_added':
        return [{ key: membershipKey.tag(c.subject), userId: c.userId, member: true, since: c.at }];
      case 'tag_removed':
        return [{ key: membershipKey.tag(c.subject), userId: c.userId, member: false }];
      case 'segment_entered':
        return [{ key: membershipKey.segment(c.subject), userId: c.userId, member: true, since: c.at }];
      case 'segment_exited':
        return [{ key: membershipKey.segment(c.subject), userId: c.userId, member: false }];
      default:
        return [];
    }
  });
}
