import type { Profile } from './types.js';

/*
 * Maps keyed by strings the client chooses (event names, categories, trait keys, consent purposes, tag names made
 * from categories) are null-prototype objects: on a plain `{}`, `o['__proto__'] = v` replaces the prototype and
 * `o['constructor']` reads Object. A null-prototype object has no inherited names at all, serialises to the same
 * JSON, and JSON.parse turns a `"__proto__"` key back into an own property, which `toDict` copies as data.
 */

/** A new empty null-prototype map. */
export const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** The own value under `key`, never an inherited one (safe on any object, revived or not). */
export function own<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** `map` itself when it already has a null prototype, else a null-prototype copy of its own enumerable keys. */
export function toDict<T>(map: Record<string, T> | null | undefined): Record<string, T> {
  if (map === null || map === undefined || typeof map !== 'object') return dict<T>();
  if (Object.getPrototypeOf(map) === null) return map;
  const copy = dict<T>();
  for (const k of Object.keys(map)) copy[k] = map[k]!;
  return copy;
}

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
