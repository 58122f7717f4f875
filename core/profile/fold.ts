import type { StoredEvent } from '../events/schema.js';
import { anonymousProfileId } from '../identity/identities.js';
import { isNegative } from '../text/sentiment.js';
import { admitTrait, jsonBytes, mayCount, noteDaysGrowth, roomForInterest } from './caps.js';
import { dict, own } from './keys.js';
import {
  DEDUP_IDS,
  MAX_CATEGORY_LENGTH,
  MAX_CONSENT_PURPOSE_LENGTH,
  MAX_CONSENT_PURPOSES,
  MAX_RECENT_PROPERTIES_BYTES,
  MAX_TRAIT_KEY_LENGTH,
  MAX_TRAIT_VALUE_BYTES,
  noneKeptOut,
  RECENT_EVENTS,
  type KeptOut,
} from './limits.js';
import {
  DAY_RETENTION,
  DISCOUNTED_KEY,
  NEGATIVE_MESSAGE_KEY,
  REFUND_KEY,
  REVENUE_KEY,
  type EventSummary,
  type Profile,
} from './types.js';

export { DEDUP_IDS, MAX_RECENT_PROPERTIES_BYTES, RECENT_EVENTS };
/** Category interest halves every this many days without new signals. */
export const INTEREST_HALF_LIFE_DAYS = 30;
/** Looked up by event name: a Map, so a name such as `constructor` finds nothing. */
const INTEREST_WEIGHTS = new Map<string, number>([
  ['product_viewed', 1],
  ['product_favorited', 2],
  ['product_added_to_cart', 3],
  ['order_completed', 5],
]);

const DAY_MS = 86_400_000;
const LAMBDA = Math.LN2 / (INTEREST_HALF_LIFE_DAYS * DAY_MS);

/** Where a record came from, for the per-shard sequence watermark. */
export interface RecordPosition {
  shardId: string;
  sequenceNumber: string;
}

/** `YYYY-MM-DD` of an ISO timestamp, in UTC. */
export const dayOf = (iso: string) => iso.slice(0, 10);

const maxIso = (a: string | null, b: string) => (a === null || b > a ? b : a);
const minIso = (a: string | null, b: string) => (a === null || b < a ? b : a);
const round = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * An upper bound of the bytes the current fold added to the day buckets: a new day `"YYYY-MM-DD":{},`, a new
 * entry `"key":<number>,` (a number takes at most 24 characters), and for an existing entry the characters its
 * number can gain (1 for a count, 24 for a money sum). See `noteDaysGrowth`.
 */
let daysGrew = 0;

function bump(profile: Profile, day: string, key: string, by: number): void {
  let bucket = own(profile.days, day);
  if (bucket === undefined) {
    profile.days[day] = bucket = {}; // plain, read with `own` (see reviveProfile)
    daysGrew += day.length + 5;
  }
  const was = own(bucket, key);
  if (was === undefined) daysGrew += key.length + 28;
  else daysGrew += by === 1 ? 1 : 24;
  bucket[key] = round((was ?? 0) + by);
  profile.counters[key] = round((own(profile.counters, key) ?? 0) + by);
}

/**
 * Whether a record was already applied to this profile: its sequence number is at or below the shard's
 * watermark (redelivery, retry from an earlier checkpoint) or its event id was seen (a client resend). A record
 * that reached the profile through an identity link (its user or anonymous id names another profile) is also
 * checked against the watermarks of the histories merged in.
 */
export function alreadyApplied(profile: Profile, event: Pick<StoredEvent, 'eventId' | 'userId' | 'anonymousId'>, position?: RecordPosition): boolean {
  if (position) {
    const mark = profile.dedup.shards[position.shardId];
    if (mark !== undefined && compareSequence(position.sequenceNumber, mark) <= 0) return true;
    const merged = profile.dedup.merged?.[position.shardId];
    if (merged !== undefined && compareSequence(position.sequenceNumber, merged) <= 0 && ownerOf(event) !== profile.userId) return true;
  }
  return seenIds(profile).has(event.eventId);
}

/** The profile an event names by itself, before identity links: its user id, or its anonymous visitor's. */
function ownerOf(event: Pick<StoredEvent, 'userId' | 'anonymousId'>): string {
  return event.userId ?? anonymousProfileId(event.anonymousId!);
}

/** Kinesis sequence numbers are decimal strings of up to 128 bits; compare without BigInt allocation. */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The dedup ids as a set, built once per ids array (a batch folds many events into one profile). Keyed by the
 * array, so a merge that replaces the array gets a fresh set.
 */
const idSets = new WeakMap<string[], Set<string>>();
function seenIds(profile: Profile): Set<string> {
  let set = idSets.get(profile.dedup.ids);
  if (!set) idSets.set(profile.dedup.ids, (set = new Set(profile.dedup.ids)));
  return set;
}

function addInterest(profile: Profile, category: string, weight: number, at: string, kept: KeptOut): void {
  const current = profile.interests[category];
  if (!current) {
    if (category.length > MAX_CATEGORY_LENGTH || !roomForInterest(profile, weight, at, kept)) return;
    profile.interests[category] = { score: round(weight), at };
    return;
  }
  // Scores are kept relative to the latest signal's time, so adding signals in any order gives the same result.
  const dt = Date.parse(at) - Date.parse(current.at);
  if (dt >= 0) {
    current.score = round(current.score * Math.exp(-LAMBDA * dt) + weight);
    current.at = at;
  } else {
    current.score = round(current.score + weight * Math.exp(LAMBDA * dt));
  }
}

/** A category interest decayed to `asOf` (an ISO time, or epoch milliseconds when the caller parsed it once). */
export function decayedInterest(interest: { score: number; at: string }, asOf: string | number): number {
  const dt = Math.max(0, (typeof asOf === 'number' ? asOf : Date.parse(asOf)) - Date.parse(interest.at));
  return interest.score * Math.exp(-LAMBDA * dt);
}

/** Calls `add` once for each distinct category an event's properties name (the event's, and its products'). */
function forEachCategory(props: Record<string, unknown>, add: (category: string) => void): void {
  const own = typeof props.category === 'string' && props.category ? props.category.toLowerCase() : null;
  if (own) add(own);
  if (!Array.isArray(props.products)) return;
  const seen: string[] = own ? [own] : [];
  for (const p of props.products) {
    const c = (p as { category?: unknown })?.category;
    if (typeof c !== 'string' || !c) continue;
    const lower = c.toLowerCase();
    if (seen.includes(lower)) continue;
    seen.push(lower);
    add(lower);
  }
}

/** Consent purposes a profile holds. */
function consentCount(profile: Profile): number {
  let n = 0;
  for (const _ in profile.consent) n++;
  return n;
}

/** Folds traits within the caps of `limits.ts` (ingest rejects an event over them; older records may not be). */
function foldTraits(profile: Profile, traits: Record<string, unknown>, at: string, kept: KeptOut): void {
  for (const [key, value] of Object.entries(traits)) {
    // Personal identifiers live hashed in identities, never as readable traits.
    if (key === 'email' || key === 'phone') continue;
    if (key === 'consent' && value && typeof value === 'object') {
      for (const [purpose, granted] of Object.entries(value)) {
        const k = `consent.${purpose}`;
        if (typeof granted === 'boolean' && (profile.traitsAt[k] ?? '') <= at) {
          if (!(purpose in profile.consent) && (purpose.length > MAX_CONSENT_PURPOSE_LENGTH || consentCount(profile) >= MAX_CONSENT_PURPOSES)) {
            kept.traits++;
            continue;
          }
          profile.consent[purpose] = granted;
          profile.traitsAt[k] = at;
        }
      }
      continue;
    }
    if ((profile.traitsAt[key] ?? '') <= at) {
      const bytes = jsonBytes(value);
      if (key.length > MAX_TRAIT_KEY_LENGTH || bytes > MAX_TRAIT_VALUE_BYTES || !admitTrait(profile, key, bytes)) {
        kept.traits++;
        continue;
      }
      profile.traits[key] = value;
      profile.traitsAt[key] = at;
    }
  }
}

/**
 * Keeps the short top-level values of large properties (orderId, revenue, …) and drops nested ones, within
 * {@link MAX_RECENT_PROPERTIES_BYTES} (the first that fit, in order).
 */
function shrink(properties: Record<string, unknown>): Record<string, unknown> {
  const kept = dict<unknown>();
  kept.truncated = true;
  let size = 17; // {"truncated":true}
  for (const [k, v] of Object.entries(properties)) {
    let key = k;
    let value: unknown;
    if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 128)) value = v;
    else if (Array.isArray(v)) [key, value] = [`${k}Count`, v.length];
    else continue;
    const entry = jsonBytes(key) + jsonBytes(value) + 2;
    if (size + entry > MAX_RECENT_PROPERTIES_BYTES) continue;
    size += entry;
    kept[key] = value;
  }
  return kept;
}

function summarise(event: StoredEvent): EventSummary {
  const properties = event.properties ?? {};
  const size = Buffer.byteLength(JSON.stringify(properties));
  return {
    eventId: event.eventId,
    type: event.type,
    event: event.event ?? null,
    timestamp: event.timestamp,
    channel: event.context?.channel ?? null,
    properties: size <= MAX_RECENT_PROPERTIES_BYTES ? properties : shrink(properties),
  };
}

/** Drops day buckets older than the retention, counted back from the newest bucket (event time, not wall time). */
export function pruneDays(profile: Profile): void {
  // The newest bucket is always the day of lastSeenAt: every folded event makes a bucket, and only old ones go.
  if (profile.lastSeenAt === null || profile.firstSeenAt === null) return;
  // Buckets lie between the first and last seen days: a younger profile has nothing to drop (most of them).
  if (Date.parse(profile.lastSeenAt) - Date.parse(profile.firstSeenAt) < DAY_RETENTION * DAY_MS) return;
  const oldestKept = new Date(Date.parse(dayOf(profile.lastSeenAt)) - DAY_RETENTION * DAY_MS).toISOString().slice(0, 10);
  for (const d in profile.days) if (d < oldestKept) delete profile.days[d];
}

/** A journey's SET_TAG or REMOVE_TAG (core/journeyEngine/applyEffects.ts); ingest refuses it from clients. */
export const CAMPAIGN_TAG_EVENT = 'campaign_tag_changed';
/** The tag source of a campaign's tags: rule re-evaluation leaves them alone (core/tagging/evaluateProfile.ts). */
export const CAMPAIGN_SOURCE = 'campaign:';

/**
 * Sets or removes a campaign's tag. A tag a rule holds is not taken over or removed by a campaign: the rule
 * decides it. Unlike the rest of the fold this depends on order (the later of an add and a remove wins). The map is
 * rebuilt rather than edited with `delete` (see evaluateProfile).
 */
function foldCampaignTag(profile: Profile, props: Record<string, unknown>, at: string): void {
  const tag = props.tag;
  if (typeof tag !== 'string' || !tag || typeof props.campaignId !== 'string') return;
  const held = own(profile.tags, tag);
  if (held && !held.source.startsWith(CAMPAIGN_SOURCE)) return;
  if (props.change === 'added') {
    if (!held) profile.tags[tag] = { since: at, source: CAMPAIGN_SOURCE + props.campaignId, ruleVersion: 0 };
  } else if (held) {
    const tags: Profile['tags'] = dict();
    for (const name in profile.tags) if (name !== tag) tags[name] = profile.tags[name]!;
    profile.tags = tags;
  }
}

/**
 * Folds one event into a profile, in place. Every part of the fold is commutative (sums, min/max, per-key
 * timestamps), so events that arrive out of order give the same profile as in order. Returns false, changing
 * nothing, when the record was already applied.
 *
 * @example
 * const applied = foldEvent(profile, event, { shardId: 'shardId-000000000000', sequenceNumber: '4959…' });
 */
export function foldEvent(profile: Profile, event: StoredEvent, position?: RecordPosition, kept: KeptOut = noneKeptOut()): boolean {
  if (alreadyApplied(profile, event, position)) return false;
  daysGrew = 0;
  const at = event.timestamp;
  const day = dayOf(at);
  const newDay = !(day in profile.days);
  const name = event.type === 'track' ? event.event! : event.type;
  const props = event.properties ?? {};

  profile.firstSeenAt = minIso(profile.firstSeenAt, at);
  profile.lastSeenAt = maxIso(profile.lastSeenAt, at);
  // A new custom name past the cap is not counted (and so not in `last` or the day buckets either).
  if (mayCount(profile, name)) {
    profile.lastAt[name] = maxIso(profile.lastAt[name] ?? null, at);
    bump(profile, day, name, 1);
  } else {
    kept.eventNames++;
  }

  if (name === 'order_completed') {
    const revenue = Number(props.revenue ?? 0);
    bump(profile, day, REVENUE_KEY, revenue);
    if (Number(props.discount ?? 0) > 0 || props.coupon) bump(profile, day, DISCOUNTED_KEY, 1);
    const o = profile.orders;
    o.count += 1;
    o.revenue = round(o.revenue + revenue);
    o.firstAt = minIso(o.firstAt, at);
    o.lastAt = maxIso(o.lastAt, at);
  } else if (name === 'order_refunded') {
    const amount = Number(props.revenue ?? 0);
    bump(profile, day, REFUND_KEY, amount);
    profile.orders.refunds += 1;
    profile.orders.refunded = round(profile.orders.refunded + amount);
  } else if (name === 'message_received' && typeof props.text === 'string' && isNegative(props.text)) {
    bump(profile, day, NEGATIVE_MESSAGE_KEY, 1);
  } else if (name === CAMPAIGN_TAG_EVENT) {
    foldCampaignTag(profile, props, at);
  }

  const weight = INTEREST_WEIGHTS.get(name);
  if (weight) forEachCategory(props, (c) => addInterest(profile, c, weight, at, kept));

  if (event.traits) foldTraits(profile, event.traits, at, kept);
  const ctx = event.context;
  if (ctx && (profile.lastContextAt ?? '') <= at) {
    profile.lastContextAt = at;
    if (ctx.channel) profile.lastChannel = ctx.channel;
    if (ctx.country) profile.lastCountry = ctx.country;
    if (ctx.locale) profile.lastLocale = ctx.locale;
  }

  const summary = summarise(event);
  const last = profile.recent[profile.recent.length - 1];
  profile.recent.push(summary);
  // Events mostly arrive in order: only a late one needs the sort.
  if (last && (last.timestamp > summary.timestamp || (last.timestamp === summary.timestamp && last.eventId > summary.eventId))) {
    profile.recent.sort((a, b) => (a.timestamp === b.timestamp ? (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0) : a.timestamp < b.timestamp ? -1 : 1));
  }
  // shift() rather than splice(): V8 trims the front in place, with no array allocated per event.
  while (profile.recent.length > RECENT_EVENTS) profile.recent.shift();

  const ids = profile.dedup.ids;
  const seen = seenIds(profile);
  ids.push(event.eventId);
  seen.add(event.eventId);
  while (ids.length > DEDUP_IDS) seen.delete(ids.shift()!);
  if (position) {
    const mark = profile.dedup.shards[position.shardId];
    if (mark === undefined || compareSequence(position.sequenceNumber, mark) > 0) {
      profile.dedup.shards[position.shardId] = position.sequenceNumber;
    }
  }
  if (newDay) pruneDays(profile);
  if (daysGrew > 0) noteDaysGrowth(profile, daysGrew, kept);
  return true;
}
