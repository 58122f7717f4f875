import type { StoredEvent } from '../events/schema.js';
import { identitiesOf } from './identities.js';
import { hasRoomFor } from './limits.js';
import type { Identity, IdentityRef, PlannedLink } from './types.js';

/**
 * Adds an event's identities to a profile within the per-kind limits, and plans a link for each new one (into
 * `links`, once per identity); returns the identities refused, which the caller audits and leaves unlinked.
 *
 * @example
 * for (const ref of attachIdentities(profile, event, group.links)) refuse(ref, event.timestamp);
 */
export function attachIdentities(
  profile: { userId: string; identities: Identity[] },
  event: StoredEvent,
  links: PlannedLink[],
): IdentityRef[] {
  const refused: IdentityRef[] = [];
  for (const ref of identitiesOf(event)) {
    if (profile.identities.some((i) => i.kind === ref.kind && i.value === ref.value)) continue;
    if (!hasRoomFor(profile, ref)) {
      refused.push(ref);
      continue;
    }
    profile.identities.push({ ...ref, firstSeenAt: event.timestamp });
    // A user id is its own profile id until an alias moves it; that needs no identity row.
    if (ref.kind === 'USER_ID' && ref.value === profile.userId) continue;
    if (!links.some((l) => l.ref.kind === ref.kind && l.ref.value === ref.value)) {
      links.push({ ref, at: event.timestamp });
    }
  }
  return refused;
}
