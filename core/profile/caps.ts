import { WELL_KNOWN_EVENTS } from '../events/contract.js';
import {
  MAX_CUSTOM_EVENT_NAMES,
  MAX_DAYS_BYTES,
  MAX_EVENT_NAME_LENGTH,
  MAX_INTERESTS,
  MAX_TRAITS,
  MAX_TRAITS_BYTES,
  type KeptOut,
} from './limits.js';
import type { Interest, Profile } from './types.js';

/*
 * How the fold and the merge keep a profile within the caps of `limits.ts`, cheaply: sizes are measured once per
 * loaded profile (cached by map object, so a batch pays once) and then updated by the fold as it goes.
 */

const ALWAYS_COUNTED = new Set<string>([...WELL_KNOWN_EVENTS, 'identify', 'alias']);

/** Whether `name` is counted per profile (a new custom name past {@link MAX_CUSTOM_EVENT_NAMES} is not). */
export function mayCount(profile: Profile, name: string): boolean {
  if (ALWAYS_COUNTED.has(name) || name.charCodeAt(0) === 36 /* $ */ || Object.hasOwn(profile.counters, name)) return true;
  if (name.length > MAX_EVENT_NAME_LENGTH) return false;
  let custom = 0;
  for (const k in profile.counters) {
    if (!ALWAYS_COUNTED.has(k) && k.charCodeAt(0) !== 36 /* $ */ && ++custom >= MAX_CUSTOM_EVENT_NAMES) return false;
  }
  return true;
}

/** Bytes of `value` as JSON (what it adds to the stored document). */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? 'null');

const traitSizes = new WeakMap<object, { count: number; bytes: number }>();
/** Count and JSON bytes of a profile's traits, measured once per traits map and then kept up to date. */
export function traitSize(profile: Profile): { count: number; bytes: number } {
  let size = traitSizes.get(profile.traits);
  if (!size) traitSizes.set(profile.traits, (size = { count: Object.keys(profile.traits).length, bytes: jsonBytes(profile.traits) }));
  return size;
}

/**
 * Whether one more trait (or a new value for one held) fits {@link MAX_TRAITS} and {@link MAX_TRAITS_BYTES}; when
 * it does, the cached size is updated as if it were stored (the caller stores it).
 */
export function admitTrait(profile: Profile, key: string, valueBytes: number): boolean {
  const size = traitSize(profile);
  const held = Object.hasOwn(profile.traits, key);
  if (!held && size.count >= MAX_TRAITS) return false;
  // A new entry adds `"key":value` and a comma.
  const delta = held ? valueBytes - jsonBytes(profile.traits[key]) : jsonBytes(key) + valueBytes + 2;
  if (size.bytes + delta > MAX_TRAITS_BYTES) return false;
  size.bytes += delta;
  if (!held) size.count++;
  return true;
}

/** Forgets cached trait sizes (after a merge rewrote the traits). */
export const forgetTraitSize = (profile: Profile): void => void traitSizes.delete(profile.traits);

const daysBytes = new WeakMap<object, number>();

/**
 * Notes that the fold grew the day buckets by at most `grew` bytes of JSON and, when the upper bound so kept passes
 * {@link MAX_DAYS_BYTES}, measures the buckets exactly and drops the oldest days until they fit (to 90% of the
 * cap, so a profile at the cap does not measure on every event).
 */
export function noteDaysGrowth(profile: Profile, grew: number, kept: KeptOut): void {
  const known = daysBytes.get(profile.days);
  let bound = known === undefined ? JSON.stringify(profile.days).length : known + grew;
  if (bound > MAX_DAYS_BYTES) bound = trimDays(profile, kept);
  daysBytes.set(profile.days, bound);
}

/** Measures the day buckets (their keys are ASCII: bytes are characters) and drops the oldest past the cap. */
export function trimDays(profile: Profile, kept: KeptOut): number {
  let size = JSON.stringify(profile.days).length;
  daysBytes.set(profile.days, size);
  if (size <= MAX_DAYS_BYTES) return size;
  const target = Math.floor(MAX_DAYS_BYTES * 0.9);
  for (const day of Object.keys(profile.days).sort()) {
    if (size <= target) break;
    size -= day.length + 4 + JSON.stringify(profile.days[day]).length; // `"day":{…},`
    delete profile.days[day];
    kept.days++;
  }
  daysBytes.set(profile.days, size);
  return size;
}

const DAY_MS = 86_400_000;
const LAMBDA = Math.LN2 / (30 * DAY_MS);
const decayTo = (i: Interest, ms: number) => i.score * Math.exp(-LAMBDA * Math.max(0, ms - Date.parse(i.at)));

/**
 * Makes room for a new category signal of `weight` at `at` when the profile holds {@link MAX_INTERESTS}: the
 * weakest interest (decayed to `at`) gives way if it is weaker than the new signal. False: the signal is kept out.
 */
export function roomForInterest(profile: Profile, weight: number, at: string, kept: KeptOut): boolean {
  let count = 0;
  for (const _ in profile.interests) count++;
  if (count < MAX_INTERESTS) return true;
  const ms = Date.parse(at);
  let weakest: string | null = null;
  let weakestScore = Infinity;
  for (const c in profile.interests) {
    const s = decayTo(profile.interests[c]!, ms);
    if (s < weakestScore) [weakest, weakestScore] = [c, s];
  }
  kept.interests++;
  if (weakest === null || weakestScore >= weight) return false;
  delete profile.interests[weakest];
  return true;
}

/** Keeps the {@link MAX_INTERESTS} strongest interests (decayed to the latest signal), after a merge. */
export function keepStrongestInterests(profile: Profile, kept: KeptOut): void {
  const entries = Object.entries(profile.interests);
  if (entries.length <= MAX_INTERESTS) return;
  const latest = Math.max(...entries.map(([, i]) => Date.parse(i.at)));
  entries.sort((a, b) => decayTo(b[1], latest) - decayTo(a[1], latest) || (a[0] < b[0] ? -1 : 1));
  for (const [c] of entries.slice(MAX_INTERESTS)) {
    delete profile.interests[c];
    kept.interests++;
  }
}
