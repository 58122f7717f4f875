import { groupByProfile, linkLookupKeys, type ProfileGroup } from '../identity/routing.js';
import { getIdentityLinks } from '../store/identities.js';
import type { Decoded } from './decode.js';

/** One canonical profile's share of a batch: its records, and the merges and identity links they call for. */
export type Group = ProfileGroup<Decoded>;

/**
 * Routes a batch's records to their canonical profiles: looks up the identity links the records name (one batched
 * read), then applies the identity rules of `core/identity/routing.ts`.
 *
 * @example
 * const groups = await route(decoded, tables.identities);
 */
export async function route(decoded: readonly Decoded[], identitiesTable: string): Promise<Group[]> {
  const stored = await getIdentityLinks(identitiesTable, linkLookupKeys(decoded));
  return groupByProfile(decoded, stored);
}

/**
 * Every profile id a batch's groups read: each group's own and those merged into it.
 *
 * @example
 * const stored = await getProfiles(tables.profiles, profileIdsOf(groups));
 */
export function profileIdsOf(groups: readonly Group[]): string[] {
  return groups.flatMap((g) => [g.userId, ...g.merges.map((m) => m.from)]);
}
