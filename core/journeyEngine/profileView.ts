import type { ProfileView } from '../journeys/conditions.js';
import { sleep } from '../platform/sleep.js';
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

/** Longest a batch waits for the tagger to write the profiles it reads. */
const MAX_TAGGER_WAIT_MS = 1_500;
const TAGGER_POLL_MS = 40;

/**
 * The profiles of some users once each is `ready` (the tagger has written what the batch is about), re-read every
 * 40 ms for at most 1.5 s. The tagger publishes its changes and folds the events a moment before it saves the
 * profile, and the journey functions read beside it; a profile still not ready after the wait is used as it is.
 *
 * @example
 * const views = await profileViewsWhen(tables.profiles, ['u-1'], (id, view) => 'vip' in view.profile.tags, Date.now);
 */
export async function profileViewsWhen(
  table: string,
  userIds: readonly string[],
  ready: (userId: string, view: ProfileView) => boolean,
  now: () => number,
): Promise<Map<string, ProfileView>> {
  const views = await profileViews(table, userIds);
  const deadline = now() + MAX_TAGGER_WAIT_MS;
  let behind = userIds.filter((id) => !ready(id, views.get(id)!));
  while (behind.length > 0 && now() < deadline) {
    await sleep(TAGGER_POLL_MS);
    for (const [id, view] of await profileViews(table, behind)) views.set(id, view);
    behind = behind.filter((id) => !ready(id, views.get(id)!));
  }
  return views;
}
