import type { StoredEvent } from '../events/schema.js';
import { isNegative } from '../text/sentiment.js';
import {
  DAY_RETENTION,
  DISCOUNTED_KEY,
  NEGATIVE_MESSAGE_KEY,
  REFUND_KEY,
  REVENUE_KEY,
  type EventSummary,
  type Profile,
} from './types.js';

/** Event ids remembered per profile to absorb client resends that reach the stream twice. */
export const DEDUP_IDS = 500;
/** Events kept for `User.events`. */
export const RECENT_EVENTS = 100;
/** Category interest halves every this many days without new signals. */
export const INTEREST_HALF_LIFE_DAYS = 30;
const INTEREST_WEIGHTS: Record<string, number> = {
  product_viewed: 1,
  product_favorited: 2,
  product_added_to_cart: 3,
  order_completed: 5,
};

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

function bump(profile: Profile, day: string, key: string, by: number): void {
  const bucket = (profile.days[day] ??= {});
  bucket[key] = round((bucket[key] ?? 0) + by);
  profile.counters[key] = round((profile.counters[key] ?? 0) + by);
}

/**
 * Whether a record was already applied to this profile: its sequence number is at or below the shard's
 * watermark (redelivery, retry from an earlier checkpoint) or its event id was seen (a client resend).
 */
export function alreadyApplied(profile: Profile, eventId: string, position?: RecordPosition): boolean {
  if (position) {
    const mark = profile.dedup.shards[position.shardId];
    if (mark !== undefined && BigInt(position.sequenceNumber) <= BigInt(mark)) return true;
  }
  return profile.dedup.ids.includes(eventId);
}

function addInterest(profile: Profile, category: string, weight: number, at: string): void {
  const current = profile.interests[category];
  if (!current) {
    profile.interests[category] = { score: round(weight), at };
    return;
  }
  // Scores are kept relative to the latest signal's time, so adding signals in any order gives the same result.
  const dt = Date.parse(at) - Date.parse(current.at);
  if (dt >= 0) profile.interests[category] = { score: round(current.score * Math.exp(-LAMBDA * dt) + weight), at };
  else current.score = round(current.score + weight * Math.exp(LAMBDA * dt));
}

/** A category interest decayed to `asOf`. */
export function decayedInterest(interest: { score: number; at: string }, asOf: string): number {
  const dt = Math.max(0, Date.parse(asOf) - Date.parse(interest.at));
  return interest.score * Math.exp(-LAMBDA * dt);
}

function categoriesOf(props: Record<string, unknown>): string[] {
  const out = new Set<string>();
  if (typeof props.category === 'string' && props.category) out.add(props.category.toLowerCase());
  if (Array.isArray(props.products)) {
    for (const p of props.products) {
      const c = (p as { category?: unknown })?.category;
      if (typeof c === 'string' && c) out.add(c.toLowerCase());
    }
  }
  return [...out];
}

function foldTraits(profile: Profile, traits: Record<string, unknown>, at: string): void {
  for (const [key, value] of Object.entries(traits)) {
    // Personal identifiers live hashed in identities, never as readable traits.
    if (key === 'email' || key === 'phone') continue;
    if (key === 'consent' && value && typeof value === 'object') {
      for (const [purpose, granted] of Object.entries(value)) {
        const k = `consent.${purpose}`;
        if (typeof granted === 'boolean' && (profile.traitsAt[k] ?? '') <= at) {
          profile.consent[purpose] = granted;
          profile.traitsAt[k] = at;
        }
      }
      continue;
    }
    if ((profile.traitsAt[key] ?? '') <= at) {
      profile.traits[key] = value;
      profile.traitsAt[key] = at;
    }
  }
}

function summarise(event: StoredEvent): EventSummary {
  return {
    eventId: event.eventId,
    type: event.type,
    event: event.event ?? null,
    timestamp: event.timestamp,
    channel: event.context?.channel ?? null,
    properties: event.properties ?? {},
  };
}

/** Drops day buckets older than the retention, counted back from the newest bucket (event time, not wall time). */
function pruneDays(profile: Profile): void {
  const days = Object.keys(profile.days);
  if (days.length === 0) return;
  const newest = days.reduce((a, b) => (b > a ? b : a));
  const oldestKept = new Date(Date.parse(newest) - DAY_RETENTION * DAY_MS).toISOString().slice(0, 10);
  for (const d of days) if (d < oldestKept) delete profile.days[d];
}

/**
 * Folds one event into a profile, in place. Every part of the fold is commutative (sums, min/max, per-key
 * timestamps), so events that arrive out of order give the same profile as in order. Returns false, changing
 * nothing, when the record was already applied.
 *
 * @example
 * const applied = foldEvent(profile, event, { shardId: 'shardId-000000000000', sequenceNumber: '4959…' });
 */
export function foldEvent(profile: Profile, event: StoredEvent, position?: RecordPosition): boolean {
  if (alreadyApplied(profile, event.eventId, position)) return false;
  const at = event.timestamp;
  const day = dayOf(at);
  const name = event.type === 'track' ? event.event! : event.type;
  const props = event.properties ?? {};

  profile.firstSeenAt = minIso(profile.firstSeenAt, at);
  profile.lastSeenAt = maxIso(profile.lastSeenAt, at);
  profile.lastAt[name] = maxIso(profile.lastAt[name] ?? null, at);
  bump(profile, day, name, 1);

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
  }

  const weight = INTEREST_WEIGHTS[name];
  if (weight) for (const c of categoriesOf(props)) addInterest(profile, c, weight, at);

  if (event.traits) foldTraits(profile, event.traits, at);
  const ctx = event.context;
  if (ctx && (profile.lastContextAt ?? '') <= at) {
    profile.lastContextAt = at;
    if (ctx.channel) profile.lastChannel = ctx.channel;
    if (ctx.country) profile.lastCountry = ctx.country;
    if (ctx.locale) profile.lastLocale = ctx.locale;
  }

  profile.recent.push(summarise(event));
  profile.recent.sort((a, b) => (a.timestamp === b.timestamp ? a.eventId.localeCompare(b.eventId) : a.timestamp < b.timestamp ? -1 : 1));
  if (profile.recent.length > RECENT_EVENTS) profile.recent.splice(0, profile.recent.length - RECENT_EVENTS);

  profile.dedup.ids.push(event.eventId);
  if (profile.dedup.ids.length > DEDUP_IDS) profile.dedup.ids.splice(0, profile.dedup.ids.length - DEDUP_IDS);
  if (position) {
    const mark = profile.dedup.shards[position.shardId];
    if (mark === undefined || BigInt(position.sequenceNumber) > BigInt(mark)) {
      profile.dedup.shards[position.shardId] = position.sequenceNumber;
    }
  }
  pruneDays(profile);
  return true;
}
