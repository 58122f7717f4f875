import { IDENTITY_LIMITS } from '../identity/limits.js';

/*
 * Caps that keep every profile item bounded, whatever clients send (issue 10, item 4). DynamoDB refuses an item
 * over 400 KB, and a profile that cannot be written again would dead-letter every later event of its user, so:
 * - what one event carries past a cap is rejected at ingest, per item (`TOO_MANY_TRAITS`, `TRAIT_TOO_LARGE`);
 * - what accumulates over many events is kept out by the fold (new names past a cap are not added; the day
 *   history is shortened from its oldest end), counted in `KeptOut` and audited as `limit_reached` — never an
 *   error, never a dead letter.
 * The README's "Profile limits" table lists these; test/unit/profile-caps.test.ts fills every part of a profile to
 * its cap with the longest strings ingest accepts and checks the document stays under PROFILE_DOC_BOUND_BYTES.
 */

export { IDENTITY_LIMITS };

// The caps ingest enforces per event live with the event contract (a lower layer); the profile keeps them too.
export {
  MAX_CONSENT_PURPOSE_LENGTH,
  MAX_CONSENT_PURPOSES,
  MAX_TRAIT_KEY_LENGTH,
  MAX_TRAIT_VALUE_BYTES,
  MAX_TRAITS,
  MAX_TRAITS_BYTES,
} from '../events/traitLimits.js';

/** Category interests kept per profile: past it, the weakest (decayed to the new signal's time) gives way. */
export const MAX_INTERESTS = 50;
/** Longest category, in characters (ingest's well-known product schemas enforce it). */
export const MAX_CATEGORY_LENGTH = 256;
/** Longest event name, in characters (ingest's snake_case rule enforces it). */
export const MAX_EVENT_NAME_LENGTH = 64;
/**
 * Distinct custom event names counted per profile (counters, `last`, day buckets). Well-known events, `identify`
 * and `alias` are always counted; a new custom name past the cap is not (the event still folds otherwise).
 */
export const MAX_CUSTOM_EVENT_NAMES = 100;
/** The daily buckets together, in bytes of JSON: past it, the oldest days are dropped (shorter history). */
export const MAX_DAYS_BYTES = 64 * 1024;
/** Profile ids remembered in `mergedFrom` (the latest). */
export const MAX_MERGED_FROM = 50;
/** Events kept for `User.events`. */
export const RECENT_EVENTS = 100;
/**
 * Properties kept per recent event, in bytes of JSON; larger ones are shrunk to their short top-level values,
 * arrays as counts (an order keeps its id, revenue, currency and `productsCount`, not its lines). The ring is
 * the largest part of a busy profile, and every write is billed by the whole item: at 1 KB the Online Retail
 * replay cost 1.231 profile write units per event, at 256 B 1.06 (`npm run bench:replay`, `by_kind`).
 */
export const MAX_RECENT_PROPERTIES_BYTES = 256;
/** Event ids remembered per profile to absorb client resends that reach the stream twice. */
export const DEDUP_IDS = 500;

/**
 * The most a profile document (the `doc` attribute) can take, in bytes, with every part at its cap: checked by
 * test/unit/profile-caps.test.ts. DynamoDB's item limit is 400 KB (409,600 bytes) for the whole item.
 */
export const PROFILE_DOC_BOUND_BYTES = 380 * 1024;

/** What the fold kept out of one profile because of a cap (reported as a `limit_reached` audit entry). */
export interface KeptOut {
  /** Trait and consent values not stored: a new key past the count cap, or past the bytes caps. */
  traits: number;
  /** Events whose (new, custom) name was not counted. */
  eventNames: number;
  /** Category signals dropped, or weaker interests evicted, at the interests cap. */
  interests: number;
  /** Oldest day buckets dropped to keep the day history within its bytes cap. */
  days: number;
  /** Identities of a merged profile not copied, past the per-kind limit. */
  identities: number;
}

export const noneKeptOut = (): KeptOut => ({ traits: 0, eventNames: 0, interests: 0, days: 0, identities: 0 });

/** Whether anything was kept out. */
export const anyKeptOut = (k: KeptOut): boolean => k.traits + k.eventNames + k.interests + k.days + k.identities > 0;
