import { compareSequence, DEDUP_IDS, RECENT_EVENTS } from './fold.js';
import { dict, reviveProfile } from './keys.js';
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
export function mergeProfiles(target: Profile, source: Profile): void {
  // Client-keyed maps are written below: they must be null-prototype objects (the source is only read).
  reviveProfile(target);
  target.firstSeenAt = minIso(target.firstSeenAt, source.firstSeenAt);
  target.lastSeenAt = maxIso(target.lastSeenAt, source.lastSeenAt);
  for (const [k, v] of Object.entries(source.counters)) target.counters[k] = round((target.counters[k] ?? 0) + v);
  for (const [k, v] of Object.entries(source.lastAt)) target.lastAt[k] = maxIso(target.lastAt[k] ?? null, v)!;
  for (const [day, bucket] of Object.entries(source.days)) {
    const into = (target.days[day] ??= dict());
    for (const [k, v] of Object.entries(bucket)) into[k] = round((into[k] ?? 0) + v);
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
  for (const [k, v] of Object.entries(source.traits)) {
    if ((target.traitsAt[k] ?? '') < (source.traitsAt[k] ?? '')) {
      target.traits[k] = v;
      target.traitsAt[k] = source.traitsAt[k]!;
    }
  }
  for (const [k, v] of Object.entries(source.consent)) {
    const key = `consent.${k}`;
    if ((target.traitsAt[key] ?? '') < (source.traitsAt[key] ?? '')) {
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
  const seen = new Set(target.identities.map((i) => `${i.kind}#${i.value}`));
  for (const i of source.identities) if (!seen.has(`${i.kind}#${i.value}`)) target.identities.push(i);
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
  target.mergedFrom = [...new Set([...target.mergedFrom, source.userId, ...source.mergedFrom])];
}
