import * as z from 'zod';
import type { Identity, IdentityKind } from '../identity/types.js';
import { dict } from './keys.js';

/**
 * The profile document the tagger folds events into and every reader (subgraphs, churn scorer, sweeper) reads.
 *
 * Everything time-dependent is kept as raw event-time facts (daily buckets, first/last timestamps), never as
 * "days since" numbers: derived figures such as rolling windows and recency are computed at an explicit `asOf`
 * (see `stats.ts`), so a profile read a month later answers correctly without a new event.
 */

/** Identity types live with identity rules; re-exported for the profile's readers. */
export type { Identity, IdentityKind };

/** Per-day activity: event name → count, plus money sums under the `$`-prefixed keys below. */
export type DayBucket = Record<string, number>;

/** Money sums kept in a day bucket next to event counts. */
export const REVENUE_KEY = '$revenue';
export const REFUND_KEY = '$refunded';
/** Orders that used a discount or coupon. */
export const DISCOUNTED_KEY = '$discounted';
/** `message_received` events the sentiment lexicon found negative. */
export const NEGATIVE_MESSAGE_KEY = '$negative_message';

/** Days of daily buckets a profile keeps, counted back from its latest bucket. */
export const DAY_RETENTION = 400;

/**
 * Churn risk bands, lowest first: the one TypeScript definition of the `ChurnBand` enum, checked against the profiles
 * and analytics SDL at compile time (see docs/architecture.md).
 */
export const churnBandSchema = z.enum(['LOW', 'MEDIUM', 'HIGH']);
export type ChurnBand = z.infer<typeof churnBandSchema>;
/** Every churn band, lowest first. */
export const CHURN_BANDS: readonly ChurnBand[] = churnBandSchema.options;

export interface TagState {
  /** Event time at which the tag was first applied. */
  since: string;
  /** `rule:<id>` for rule-based tags, `churn` for the churn scorer's tag. */
  source: string;
  ruleVersion: number;
}

export interface SegmentState {
  since: string;
}

/** What `User.events` lists: a bounded ring of the most recent events, newest last. */
export interface EventSummary {
  eventId: string;
  type: 'track' | 'identify' | 'alias';
  event: string | null;
  timestamp: string;
  channel: string | null;
  properties: Record<string, unknown>;
}

export interface OrderTotals {
  count: number;
  revenue: number;
  refunds: number;
  refunded: number;
  firstAt: string | null;
  lastAt: string | null;
}

export interface Interest {
  /** Decayed score as of `at`; decay to a later time with `decayedInterest`. */
  score: number;
  at: string;
}

export interface Profile {
  userId: string;
  identities: Identity[];
  traits: Record<string, unknown>;
  /** Event time each trait was last set at, so a late `identify` does not overwrite a newer value. */
  traitsAt: Record<string, string>;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  /** Lifetime count per event name (`identify` and `alias` included) and per `$`-key of the day buckets. */
  counters: Record<string, number>;
  /** Latest event time per event name, for rules such as "added to cart with no order since". */
  lastAt: Record<string, string>;
  /** `YYYY-MM-DD` (UTC, event time) → bucket; older than {@link DAY_RETENTION} days are pruned. */
  days: Record<string, DayBucket>;
  orders: OrderTotals;
  interests: Record<string, Interest>;
  lastChannel: string | null;
  lastCountry: string | null;
  lastLocale: string | null;
  /** Timestamp of the event that set lastChannel/lastCountry, so late events do not overwrite newer ones. */
  lastContextAt: string | null;
  consent: Record<string, boolean>;
  tags: Record<string, TagState>;
  segments: Record<string, SegmentState>;
  recent: EventSummary[];
  /**
   * Redelivery guards: recent event ids, the highest applied sequence number per shard, and (`merged`) the same for
   * the histories of profiles merged into this one, which guard only records that reached this profile through an
   * identity link. (Folding those into `shards` would skip this profile's own records below them that a failed
   * attempt left unapplied.) `merged` is absent on profiles stored before it existed.
   */
  dedup: { ids: string[]; shards: Record<string, string>; merged?: Record<string, string> };
  /** Profile ids merged into this one (identify/alias). */
  mergedFrom: string[];
}

/** A new profile; its client-keyed maps are null-prototype objects (see `keys.ts`). */
export function emptyProfile(userId: string): Profile {
  return {
    userId,
    identities: [],
    traits: dict(),
    traitsAt: dict(),
    firstSeenAt: null,
    lastSeenAt: null,
    counters: dict(),
    lastAt: dict(),
    days: dict(),
    orders: { count: 0, revenue: 0, refunds: 0, refunded: 0, firstAt: null, lastAt: null },
    interests: dict(),
    lastChannel: null,
    lastCountry: null,
    lastLocale: null,
    lastContextAt: null,
    consent: dict(),
    tags: dict(),
    segments: dict(),
    recent: [],
    dedup: { ids: [], shards: dict() },
    mergedFrom: [],
  };
}
