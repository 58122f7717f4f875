import type { StoredEvent } from '../events/schema.js';
import { anonymousProfileId, identityKey } from './identities.js';
import type { IdentityRef, KnownLink, PlannedLink, PlannedMerge } from './types.js';

/** The events of one batch that belong to one canonical profile, with the merges and links they call for. */
export interface ProfileGroup<T extends { event: StoredEvent }> {
  userId: string;
  items: T[];
  /** Profile ids to merge into this one, with the identity and the event that linked them. */
  merges: PlannedMerge[];
  /** Identity links to write (new or re-pointed by a merge). */
  links: PlannedLink[];
}

const userKey = (userId: string) => identityKey({ kind: 'USER_ID', value: userId });
const anonKey = (anonymousId: string) => identityKey({ kind: 'ANONYMOUS_ID', value: anonymousId });

/**
 * The identity keys whose stored links decide where a batch's events go: each event's user and anonymous id, and
 * an alias's previous id as either kind.
 *
 * @example
 * const stored = await getIdentityLinks(table, linkLookupKeys(decoded));
 */
export function linkLookupKeys(items: ReadonlyArray<{ event: StoredEvent }>): string[] {
  const lookups: string[] = [];
  for (const { event } of items) {
    if (event.userId) lookups.push(userKey(event.userId));
    if (event.anonymousId) lookups.push(anonKey(event.anonymousId));
    if (event.previousId) {
      lookups.push(userKey(event.previousId));
      lookups.push(anonKey(event.previousId));
    }
  }
  return lookups;
}

/**
 * Routes each event to its canonical profile, following the identity links already stored and those the batch
 * itself creates: an identify carrying both ids links the anonymous visitor to the user (and merges the visitor's
 * anonymous profile in), an alias links and merges a previous id. Pure: `stored` holds the links looked up for
 * {@link linkLookupKeys}. Groups come back in the order their first event appears.
 *
 * @example
 * const groups = groupByProfile(decoded, await getIdentityLinks(table, linkLookupKeys(decoded)));
 */
export function groupByProfile<T extends { event: StoredEvent }>(
  items: readonly T[],
  stored: ReadonlyMap<string, KnownLink>,
): ProfileGroup<T>[] {
  const links = new Map<string, string>();
  for (const [id, link] of stored) links.set(id, link.userId);

  const groups = new Map<string, ProfileGroup<T>>();
  const groupOf = (userId: string) => {
    let g = groups.get(userId);
    if (!g) groups.set(userId, (g = { userId, items: [], merges: [], links: [] }));
    return g;
  };
  const storedUser = (userId: string) => links.get(userKey(userId)) ?? userId;
  // An anonymous id this batch links to a user for the first time, or a user id it aliases for the first time: its
  // events earlier in the batch belong to that user too. Its profile may not be stored yet (the batch itself would
  // create it), so a merge could not move them.
  const linkedInBatch = new Map<string, string>();
  const aliasedInBatch = new Map<string, string>();
  for (const { event: e } of items) {
    if (e.userId && e.anonymousId && !links.has(anonKey(e.anonymousId)) && !linkedInBatch.has(e.anonymousId)) {
      linkedInBatch.set(e.anonymousId, storedUser(e.userId));
    }
    if (e.type === 'alias' && e.userId && e.previousId && !links.has(userKey(e.previousId)) && !aliasedInBatch.has(e.previousId)) {
      aliasedInBatch.set(e.previousId, storedUser(e.userId));
      // The previous id may be a visitor's anonymous id (Segment's alias takes either): its visits earlier in the
      // batch are the user's too.
      if (!links.has(anonKey(e.previousId)) && !linkedInBatch.has(e.previousId)) linkedInBatch.set(e.previousId, storedUser(e.userId));
    }
  }
  const resolveUser = (userId: string) => links.get(userKey(userId)) ?? aliasedInBatch.get(userId) ?? userId;
  const resolveAnon = (a: string) => links.get(anonKey(a)) ?? linkedInBatch.get(a) ?? anonymousProfileId(a);

  for (const item of items) {
    const e = item.event;
    const target = e.userId ? resolveUser(e.userId) : resolveAnon(e.anonymousId!);
    const group = groupOf(target);
    group.items.push(item);
    if (e.userId && e.anonymousId) {
      const ref: IdentityRef = { kind: 'ANONYMOUS_ID', value: e.anonymousId };
      const anonymous = anonymousProfileId(e.anonymousId);
      const current = links.get(anonKey(e.anonymousId)) ?? anonymous;
      if (current !== target) {
        // Merging two known users because they shared a browser would be wrong: only anonymous profiles fold in.
        if (current === anonymous) group.merges.push({ from: current, ref, event: e });
        group.links.push({ ref, previousUserId: current, at: e.timestamp });
        links.set(anonKey(e.anonymousId), target);
      } else if (stored.get(anonKey(e.anonymousId))?.linkedAt === e.timestamp && !group.merges.some((m) => m.from === anonymous)) {
        // Linked by this very event, so this is a retry of the attempt that linked it: if the anonymous profile is
        // still stored, that attempt failed before deleting it, and the merge finishes now (prepare skips it if
        // absent). Only then: looking it up for every event of a linked visitor would double the reads.
        group.merges.push({ from: anonymous, ref, event: e });
      }
    }
    if (e.type === 'alias' && e.previousId) {
      const previous = links.get(userKey(e.previousId)) ?? links.get(anonKey(e.previousId)) ?? e.previousId;
      if (previous !== target) {
        const ref: IdentityRef = { kind: 'USER_ID', value: e.previousId };
        group.merges.push({ from: previous, ref, event: e });
        group.links.push({ ref, previousUserId: previous, at: e.timestamp });
        links.set(identityKey(ref), target);
        // Unknown as either kind: it may name a visitor who never identified, whose anonymous profile folds in too
        // (the merge skips a profile that does not exist, so a previous user id costs one read more, nothing else).
        if (previous === e.previousId) {
          group.merges.push({ from: anonymousProfileId(e.previousId), ref: { kind: 'ANONYMOUS_ID', value: e.previousId }, event: e });
        }
      }
    }
  }
  return [...groups.values()];
}
