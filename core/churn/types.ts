/**
 * Shared churn types. The churn model sees only the part of a profile that the tagger's fold keeps, so a score
 * computed offline from a CSV and one computed by the Lambda from a stored profile agree exactly.
 */
import type { ChurnBand, Profile } from '../profile/types.js';

/**
 * The profile fields churn features are computed from (and nothing else). Training folds only orders and refunds
 * (`tools/churn-training/activity.ts`), while the live profile folds every event, so features may read only what
 * purchases and refunds alone determine: `orders`, the {@link ORDER_EVENT} count and `$revenue` of the day buckets, and
 * `lastAt[`{@link REFUND_EVENT}`]`. Never `firstSeenAt`, `lastSeenAt`, `counters` or other event names: a login or a
 * page view moves those live but never in training (train/serve skew; see test/unit/churn-features.test.ts).
 */
export type ChurnProfile = Pick<Profile, 'days' | 'orders' | 'lastAt'>;

export type { ChurnBand };

/** What the scorer returns for one profile. */
export interface ChurnScore {
  /** Probability of no purchase within the model's horizon after `asOf`. */
  probability: number;
  band: ChurnBand;
  /** The (at most three) strongest feature contributions, in words. */
  reasons: string[];
  modelVersion: string;
}

/** Event names and bucket keys the fold writes and the features read. */
export const ORDER_EVENT = 'order_completed';
export const REFUND_EVENT = 'order_refunded';

export const DAY_MS = 86_400_000;
