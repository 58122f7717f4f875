import type { ProfileView } from '../journeys/conditions.js';
import { emptyProfile } from '../profile/types.js';
import { externalTagsOf, getProfiles } from '../store/profiles.js';

/**
 * The profiles of some users as journeys see them: the stored document and the tags kept outside it. A user the
 * tagger has not written yet (the journeys function can read an event first) gets an empty profile.
 *
 * @example
 * const views = await profileViews(tables.profiles, ['u-1']);
 */
export async function profileViews(table: string, userIds: readonly string[]): Promise<Map<string, ProfileView>> {
  const stored = await getProfiles(table, [...userIds]);
  const views = new Map<string, ProfileView>();
  for (const userId of userIds) {
    const s = stored.get(userId);
    views.set(userId, s ? { profile: s.profile, externalTags: externalTagsOf(s) } : { profile: emptyProfile(userId) });
  }
  return views;
}
