import { toDict } from './keys.js';
import type { Profile } from './types.js';

/**
 * Makes every client-keyed map of a profile a null-prototype object, in place (a no-op on a profile already
 * revived, so cheap to call on each load). Call it on every profile that comes from JSON (the store's document).
 *
 * @example
 * const profile = reviveProfile(JSON.parse(doc) as Profile);
 */
export function reviveProfile(profile: Profile): Profile {
  profile.traits = toDict(profile.traits);
  profile.traitsAt = toDict(profile.traitsAt);
  profile.counters = toDict(profile.counters);
  profile.lastAt = toDict(profile.lastAt);
  profile.interests = toDict(profile.interests);
  profile.consent = toDict(profile.consent);
  profile.tags = toDict(profile.tags);
  profile.segments = toDict(profile.segments);
  // Day buckets stay plain objects (hundreds per profile; null-prototype ones are dictionaries and cost ~30% of
  // the fold's throughput): they hold only numbers under event names, read with `own`, so a `__proto__` entry
  // is either an own property (from JSON) or a number assignment the prototype setter ignores.
  profile.days = toDict(profile.days);
  profile.dedup.shards = toDict(profile.dedup.shards);
  if (profile.dedup.merged) profile.dedup.merged = toDict(profile.dedup.merged);
  return profile;
}
