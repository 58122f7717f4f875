import { hasRoomFor } from '../identity/limits.js';
import { forgetTraitSize, jsonBytes, keepStrongestInterests, mayCount, trimDays } from './caps.js';
import { compareSequence } from './fold.js';
import { dict, own } from './keys.js';
import { reviveProfile } from './revive.js';
import { DEDUP_IDS, MAX_CONSENT_PURPOSES, MAX_MERGED_FROM, MAX_TRAITS, MAX_TRAITS_BYTES, noneKeptOut, RECENT_EVENTS, type KeptOut } from './limits.js';
import type { Profile } from './types.js';

const round = (n: number) => Math.round(n * 1e6) / 1e6;
const minIso = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : b < a ? b : a);
const maxIso = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : b > a ? b : a);

/**
 * Merges `source` (an anonymous or aliased profile) into `target`, in place. Each event lives in exactly one
 * profile, so adding counters cannot double count; newer-wins fields compare their timestamps.
 * Tags and segments are not copied: the caller re-evaluates them on the merged profile.
 *
 * @example
 * mergeProfiles(known, anonymous); // known now holds the anonymous history too
 */
export function mergeProfiles(target: Profile, source: Profile, kept: KeptOut = noneKeptOut()): void {
  // Client-keyed maps are written below: they must be null-prototype objects (the source is only read).
  reviveProfile(target);
  target.firstSeenAt = minIso(target.firstSeenAt, source.firstSeenAt);
  target.lastSeenAt = maxIso(target.lastSeenAt, source.lastSeenAt);
  // Custom event names past the target's cap are left out of counters, `last` and the day buckets alike.
  const uncounted = new Set<string>();
  for (const [k, v] of Object.entries(source.counters)) {
    if (!mayCount(target, k)) {
      uncounted.add(k);
      kept.eventNames++;
      continue;
    }
    target.counters[k] = round((target.counters[k] ?? 0) + v);
  }
  for (const [k, v] of Object.entries(source.lastAt)) if (!uncounted.has(k)) target.lastAt[k] = maxIso(target.lastAt[k] ?? null, v)!;
  for (const [day, bucket] of Object.entries(source.days)) {
    const into = (target.days[day] ??= {}); // plain: see reviveProfile
    for (const [k, v] of Object.entries(bucket)) if (!uncounted.has(k)) into[k] = round((own(into, k) ?? 0) + v);
  }
  const t = target.orders;
  const s = source.orders;
  t.count += s.count;
  t.revenue = round(t.revenue + s.revenue);
  t.refunds += s.refunds;
  t.refunded = round(t.refunded + s.refunded);
  t.firstAt = minIso(t.firstAt, s.firstAt);
  t.lastAt = maxIso(t.lastAt, s.lastAt);
  for (const [c, i] of Object.entries(source.interests)) {
    const mine = target.interests[c];
    if (!mine) target.interests[c] = { ...i };
    else {
      // Bring both scores to the later reference time before adding them.
      const later = mine.at > i.at ? mine.at : i.at;
      const decay = (x: { score: number; at: string }) =>
        x.score * Math.exp((-Math.LN2 / (30 * 86_400_000)) * (Date.parse(later) - Date.parse(x.at)));
      target.interests[c] = { score: round(decay(mine) + decay(i)), at: later };
    }
  }
  // Traits: newer wins per key; a key the target lacks comes in while the count cap allows (bytes: see below).
  let traitCount = Object.keys(target.traits).length;
  for (const [k, v] of Object.entries(source.traits)) {
    const held = k in target.traits;
    if (!held && traitCount >= MAX_TRAITS) {
      kept.traits++;
      continue;
    }
    if ((target.traitsAt[k] ?? '') < (source.traitsAt[k] ?? '')) {
      if (!held) traitCount++;
      target.traits[k] = v;
      target.traitsAt[k] = source.traitsAt[k]!;
    }
  }
  let purposes = Object.keys(target.consent).length;
  for (const [k, v] of Object.entries(source.consent)) {
    const key = `consent.${k}`;
    if (!(k in target.consent) && purposes >= MAX_CONSENT_PURPOSES) {
      kept.traits++;
      continue;
    }
    if ((target.traitsAt[key] ?? '') < (source.traitsAt[key] ?? '')) {
      if (!(k in target.consent)) purposes++;
      target.consent[k] = v;
      target.traitsAt[key] = source.traitsAt[key]!;
    }
  }
  if ((source.lastContextAt ?? '') > (target.lastContextAt ?? '')) {
    target.lastContextAt = source.lastContextAt;
    target.lastChannel = source.lastChannel ?? target.lastChannel;
    target.lastCountry = source.lastCountry ?? target.lastCountry;
    target.lastLocale = source.lastLocale ?? target.lastLocale;
  }
  // Both sides are within the per-kind identity limits; together they may not be.
  const seen = new Set(target.identities.map((i) => `${i.kind}#${i.value}`));
  for (const i of source.identities) {
    if (seen.has(`${i.kind}#${i.value}`)) continue;
    if (hasRoomFor(target, i)) target.identities.push(i);
    else kept.identities++;
  }
  target.recent = [...target.recent, ...source.recent]
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0))
    .slice(-RECENT_EVENTS);
  target.dedup.ids = [...new Set([...target.dedup.ids, ...source.dedup.ids])].slice(-DEDUP_IDS);
  // The source's watermarks guard only its own history's records, which now arrive here through a link.
  const merged = (target.dedup.merged ??= dict());
  for (const marks of [source.dedup.shards, source.dedup.merged ?? {}]) {
    for (const [shard, seq] of Object.entries(marks)) {
      const mine = merged[shard];
      if (mine === undefined || compareSequence(seq, mine) > 0) merged[shard] = seq;
    }
  }
  target.mergedFrom = [...new Set([...target.mergedFrom, ...source.mergedFrom, source.userId])].slice(-MAX_MERGED_FROM);
  // Two profiles within their caps can be over them together.
  forgetTraitSize(target);
  trimTraitsBytes(target, kept);
  keepStrongestInterests(target, kept);
  trimDays(target, kept);
}

/** Drops the largest traits until the traits fit {@link MAX_TRAITS_BYTES} (only a merge can pass it). */
function trimTraitsBytes(profile: Profile, kept: KeptOut): void {
  let bytes = jsonBytes(profile.traits);
  if (bytes <= MAX_TRAITS_BYTES) return;
  const bySize = Object.keys(profile.traits)
    .map((k) => [k, jsonBytes(k) + jsonBytes(profile.traits[k]) + 2] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [k, size] of bySize) {
    if (bytes <= MAX_TRAITS_BYTES) break;
    delete profile.traits[k];
    delete profile.traitsAt[k];
    bytes -= size;
    kept.traits++;
  }
}
