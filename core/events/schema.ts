import * as z from 'zod';
import { isPlaceholderId } from './placeholderIds.js';
import { isCalendarTimestamp } from './calendar.js';
import { MIN_EVENT_TIME, type WELL_KNOWN_EVENTS } from './contract.js';

/**
 * The ingest contract (README.md "Ingest contract"): a Segment-spec envelope, with typed properties
 * for the well-known events and generic validation for custom ones. Unknown envelope fields are rejected so typos
 * (`userid`, `timeStamp`) fail loudly instead of silently losing data.
 */

export { MAX_EVENT_BYTES, MAX_EVENTS_PER_REQUEST, MAX_REQUEST_BYTES, MAX_FUTURE_SKEW_MS, MIN_EVENT_TIME } from './contract.js';

const id = z.string().trim().min(1).max(256);
/** A user, anonymous or previous id. Placeholders ('unknown', '0', 'null', …) are dropped: they identify nobody. */
const identityId = id.transform((v) => (isPlaceholderId(v) ? undefined : v)).optional();
const snakeCase = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'event names are snake_case, for example order_completed');
const money = z.number().finite().nonnegative();
const json = z.record(z.string(), z.unknown());

/** An ISO 8601 timestamp with a date, a time and a zone, for example `2011-09-09T10:00:00Z`. */
export const isoTimestamp = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/,
    'timestamp must be ISO 8601 with a zone, for example 2011-09-09T10:00:00Z',
  )
  .superRefine((s, ctx) => {
    // One parse for both checks (ingest validates every event with this).
    // Date.parse shifts impossible dates (2026-02-30 → 2 March), so the calendar is checked first.
    if (!isCalendarTimestamp(s)) return void ctx.addIssue({ code: 'custom', message: 'timestamp is not a real calendar date and time' });
    const time = Date.parse(s);
    if (Number.isNaN(time)) ctx.addIssue({ code: 'custom', message: 'timestamp is not a real date' });
    else if (time < MIN_EVENT_TIME) ctx.addIssue({ code: 'custom', message: 'timestamp is before 2000-01-01' });
  });

const product = z.looseObject({
  productId: z.string().max(256).optional(),
  sku: z.string().max(256).optional(),
  name: z.string().max(1024).optional(),
  category: z.string().max(256).optional(),
  price: z.number().finite().optional(),
  quantity: z.number().finite().optional(),
});

const productEvent = z.looseObject({
  productId: z.string().max(256).optional(),
  category: z.string().max(256).optional(),
  price: money.optional(),
});

/** Typed properties of the well-known events; custom events only need a JSON object. */
export const WELL_KNOWN_PROPERTIES = {
  product_viewed: productEvent,
  product_added_to_cart: productEvent,
  product_favorited: productEvent,
  checkout_started: z.looseObject({ revenue: money.optional(), currency: z.string().length(3).optional() }),
  order_completed: z.looseObject({
    orderId: id,
    revenue: money,
    currency: z.string().length(3).optional(),
    discount: money.optional(),
    coupon: z.string().max(256).optional(),
    products: z.array(product).max(500).optional(),
  }),
  order_refunded: z.looseObject({ orderId: id, revenue: money.optional(), currency: z.string().length(3).optional() }),
  payment_failed: z.looseObject({ orderId: z.string().max(256).optional(), reason: z.string().max(1024).optional() }),
  login: json,
  app_opened: json,
  coupon_issued: z.looseObject({ couponId: z.string().max(256).optional() }),
  coupon_redeemed: z.looseObject({ couponId: z.string().max(256).optional(), orderId: z.string().max(256).optional() }),
  message_received: z.looseObject({ text: z.string().min(1).max(4000) }),
  share: json,
  /** Segment's Experiment Viewed: an exposure to a standalone experiment (variationId: the index or a variant key). */
  experiment_viewed: z.looseObject({
    experimentId: z.string().min(1).max(64),
    variationId: z.union([z.number().int().min(0).max(99), z.string().min(1).max(64)]),
  }),
  // One schema for each of the contract's names, and no other.
} as const satisfies Record<(typeof WELL_KNOWN_EVENTS)[number], z.ZodType>;

export type WellKnownEvent = keyof typeof WELL_KNOWN_PROPERTIES;

/**
 * Events only the journey engine writes (straight to the stream, core/journeyEngine/emit.ts): ingest refuses them,
 * or any client could set a campaign tag on any profile.
 */
export const ENGINE_EVENTS: ReadonlySet<string> = new Set(['campaign_tag_changed']);

/**
 * The properties schema of a well-known event, or undefined for a custom one. An own-key lookup: `in` and `[]`
 * would find Object.prototype's members for an event named `constructor` (and ingest would then throw).
 */
export function wellKnownSchema(event: string): (typeof WELL_KNOWN_PROPERTIES)[WellKnownEvent] | undefined {
  return Object.hasOwn(WELL_KNOWN_PROPERTIES, event) ? WELL_KNOWN_PROPERTIES[event as WellKnownEvent] : undefined;
}

const context = z.looseObject({
  channel: z.string().max(64).optional(),
  country: z.string().max(64).optional(),
  locale: z.string().max(35).optional(),
  device: z.looseObject({ id: z.string().max(256).optional() }).optional(),
  wechat: z.looseObject({ openid: z.string().max(256).optional(), unionid: z.string().max(256).optional() }).optional(),
});

const envelope = z.strictObject({
  type: z.enum(['track', 'identify', 'alias']),
  event: snakeCase.optional(),
  eventId: z.string().trim().min(1).max(128).optional(),
  userId: identityId,
  anonymousId: identityId,
  previousId: identityId,
  timestamp: isoTimestamp,
  properties: json.optional(),
  traits: json.optional(),
  context: context.optional(),
});

/**
 * One event as the ingest API accepts it. Cross-field rules (a track needs `event`, an alias needs `previousId`,
 * every event needs a user) and the typed properties of well-known events are checked here too.
 */
export const eventSchema = envelope.superRefine((e, ctx) => {
  if (!e.userId && !e.anonymousId) {
    ctx.addIssue({
      code: 'custom',
      path: ['userId'],
      message: 'an event needs userId or anonymousId (placeholders such as "unknown" or "0" identify nobody)',
    });
  }
  if (e.type === 'track' && !e.event) {
    ctx.addIssue({ code: 'custom', path: ['event'], message: 'a track event needs an event name' });
  }
  if (e.type !== 'track' && e.event) {
    ctx.addIssue({ code: 'custom', path: ['event'], message: `an ${e.type} event has no event name` });
  }
  if (e.type === 'alias' && (!e.previousId || !e.userId)) {
    ctx.addIssue({ code: 'custom', path: ['previousId'], message: 'an alias needs previousId and userId (not placeholders)' });
  }
  if (e.type === 'track' && e.event && ENGINE_EVENTS.has(e.event)) {
    ctx.addIssue({ code: 'custom', path: ['event'], message: `${e.event} is written by the journey engine only` });
  }
  const schema = e.type === 'track' && e.event ? wellKnownSchema(e.event) : undefined;
  if (schema) {
    const parsed = schema.safeParse(e.properties ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', path: ['properties', ...issue.path.map(String)], message: issue.message });
      }
    }
  }
});

export type IngestEvent = z.infer<typeof envelope> & { eventId?: string };

/** An event as it travels on the `events` stream: the validated event plus what ingest knows about its arrival. */
export interface StreamRecord {
  v: 1;
  receivedAt: string;
  /** The API key (by name) that sent it. */
  source: string;
  /** The event as ingest validated and normalised it: canonical ISO timestamp, `eventId` always set. */
  event: StoredEvent;
}

export type StoredEvent = z.infer<typeof envelope> & { eventId: string };
