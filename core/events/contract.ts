/**
 * The ingest contract's limits and well-known event names, without its schemas (`schema.ts`, zod): for readers that
 * need no validation, so loading them does not build every event schema.
 */

/** Largest serialized event accepted, in bytes. */
export const MAX_EVENT_BYTES = 32 * 1024;
/** Most events in one request. */
export const MAX_EVENTS_PER_REQUEST = 500;
/** Largest request body accepted, in bytes (Kinesis PutRecords takes at most 5 MiB). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** How far past the time the server received it an event's timestamp may lie (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 24 * 3600 * 1000;
/** Event times before this are taken as bad clocks (epoch-zero defaults and the like). */
export const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);

/** Events with typed properties (`WELL_KNOWN_PROPERTIES` in `schema.ts` has a schema for each); others are custom. */
export const WELL_KNOWN_EVENTS = [
  'product_viewed', 'product_added_to_cart', 'product_favorited', 'checkout_started', 'order_completed', 'order_refunded',
  'payment_failed', 'login', 'app_opened', 'coupon_issued', 'coupon_redeemed', 'message_received', 'share', 'experiment_viewed',
] as const;
