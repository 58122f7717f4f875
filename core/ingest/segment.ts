/**
 * Segment's HTTP tracking API on top of the ingest contract (README.md, "Segment and RudderStack clients"): the
 * messages of `/v1/batch`, `/v1/track`, `/v1/identify`, `/v1/alias`, `/v1/page`, `/v1/screen` and `/v1/group`
 * become `{"events": [...]}` items, which then go through the same validation as `/v1/events`. Only what Segment's
 * spec defines is translated or dropped; any other field is left for validation to reject (`UNKNOWN_FIELD`), as on
 * `/v1/events`.
 */

/** The single-message routes and the message type each implies; `/v1/batch` takes each message's own `type`. */
export const SEGMENT_ROUTES = {
  '/v1/batch': undefined,
  '/v1/track': 'track',
  '/v1/identify': 'identify',
  '/v1/alias': 'alias',
  '/v1/page': 'page',
  '/v1/screen': 'screen',
  '/v1/group': 'group',
} as const;
export type SegmentRoute = keyof typeof SEGMENT_ROUTES;

export const isSegmentRoute = (path: string): path is SegmentRoute => Object.hasOwn(SEGMENT_ROUTES, path);

/**
 * Segment's spec names (e-commerce v2, mobile, B2B, A/B testing) of the events opsgraph knows by another name.
 * Any other name is snake-cased (`Signed Up` → `signed_up`).
 */
const EVENT_NAMES: Readonly<Record<string, string>> = {
  'Product Viewed': 'product_viewed',
  'Product Added': 'product_added_to_cart',
  'Product Added to Wishlist': 'product_favorited',
  'Product Shared': 'share',
  'Checkout Started': 'checkout_started',
  'Order Completed': 'order_completed',
  'Order Refunded': 'order_refunded',
  'Coupon Applied': 'coupon_redeemed',
  'Experiment Viewed': 'experiment_viewed',
  'Application Opened': 'app_opened',
  'Signed In': 'login',
};

/** Segment's snake_case property names of the ids opsgraph's typed events spell in camelCase. */
const PROPERTY_NAMES: Readonly<Record<string, string>> = {
  order_id: 'orderId',
  product_id: 'productId',
  coupon_id: 'couponId',
  experiment_id: 'experimentId',
  variation_id: 'variationId',
};

/** Envelope fields of Segment's spec that carry nothing opsgraph keeps (delivery metadata, destinations). */
const DROPPED = ['integrations', '_metadata', 'sentAt', 'receivedAt', 'version', 'writeKey', 'channel', 'originalTimestamp', 'options'];

/**
 * An event name as opsgraph spells it: Segment's spec names mapped, others snake-cased; a name that is already
 * snake_case is kept.
 *
 * @example
 * canonicalEventName('Order Completed') // 'order_completed'
 * canonicalEventName('Video Playback Started') // 'video_playback_started'
 */
export function canonicalEventName(name: string): string {
  if (Object.hasOwn(EVENT_NAMES, name)) return EVENT_NAMES[name]!;
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Own keys renamed per {@link PROPERTY_NAMES}, unless the camelCase key is also there. */
function renameIds(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    const renamed = Object.hasOwn(PROPERTY_NAMES, k) ? PROPERTY_NAMES[k]! : k;
    if (renamed !== k && Object.hasOwn(props, renamed)) out[k] = v;
    else out[renamed] = v;
  }
  return out;
}

/** A track's properties in opsgraph's terms: ids renamed (also in `products`), an order's `total` as revenue. */
function trackProperties(event: string, props: Record<string, unknown>): Record<string, unknown> {
  const out = renameIds(props);
  if (Array.isArray(out.products)) out.products = out.products.map((p) => (isObject(p) ? renameIds(p) : p));
  // Segment's Order Completed has revenue (without shipping and tax) or total; opsgraph's revenue is the order's value.
  if ((event === 'order_completed' || event === 'order_refunded') && out.revenue === undefined) {
    const value = out.total ?? out.value ?? out.subtotal;
    if (value !== undefined) out.revenue = value;
  }
  return out;
}

/**
 * The event time: `timestamp` as given; else Segment's skew correction of a client clock,
 * `receivedAt − (sentAt − originalTimestamp)`; else `originalTimestamp`; else the time it was received.
 */
function eventTime(m: Record<string, unknown>, sentAt: unknown, receivedAt: number): unknown {
  if (m.timestamp !== undefined) return m.timestamp;
  if (typeof m.originalTimestamp === 'string') {
    const original = Date.parse(m.originalTimestamp);
    const sent = typeof sentAt === 'string' ? Date.parse(sentAt) : NaN;
    if (!Number.isNaN(original) && !Number.isNaN(sent)) return new Date(receivedAt - (sent - original)).toISOString();
    return m.originalTimestamp;
  }
  return new Date(receivedAt).toISOString();
}

/** Segment lets ids be numbers; the contract's ids are strings. */
const idOf = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v);

/**
 * One Segment message as an ingest item. Something that is not an object is passed on as it is, so validation
 * rejects it with its index.
 *
 * @example
 * fromSegmentMessage({ type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'm1',
 *   properties: { order_id: 'o1', total: 12 } }, undefined, undefined, Date.now())
 * // { type: 'track', event: 'order_completed', eventId: 'm1', userId: 'u1', timestamp: '…', properties: { orderId: 'o1', total: 12, revenue: 12 } }
 */
export function fromSegmentMessage(message: unknown, routeType: string | undefined, batchSentAt: unknown, receivedAt: number): unknown {
  if (!isObject(message)) return message;
  const m: Record<string, unknown> = { ...message };
  const type = routeType ?? m.type;
  const timestamp = eventTime(m, m.sentAt ?? batchSentAt, receivedAt);
  for (const k of DROPPED) delete m[k];
  const { messageId, ...rest } = m;
  const out: Record<string, unknown> = { ...rest, type, timestamp };
  if (messageId !== undefined) out.eventId = messageId;
  for (const k of ['userId', 'anonymousId', 'previousId'] as const) if (out[k] !== undefined) out[k] = idOf(out[k]);
  if (isObject(out.context) && isObject(out.context.location) && out.context.country === undefined) {
    out.context = { ...out.context, country: out.context.location.country };
  }
  const props = isObject(out.properties) ? out.properties : {};
  switch (type) {
    case 'track':
      if (typeof out.event === 'string') {
        out.event = canonicalEventName(out.event);
        if (out.properties !== undefined && isObject(out.properties)) out.properties = trackProperties(out.event as string, props);
      }
      break;
    case 'page':
    case 'screen': {
      // Page and screen views are track events here (the contract has three types): page_viewed / screen_viewed.
      const { name, category } = out;
      delete out.name;
      delete out.category;
      out.type = 'track';
      out.event = `${type}_viewed`;
      out.properties = { ...props, ...(name !== undefined ? { name } : {}), ...(category !== undefined ? { category } : {}) };
      break;
    }
    case 'group':
      // A user joining a group, with the group's traits: a group_joined event.
      out.type = 'track';
      out.event = 'group_joined';
      out.properties = { groupId: idOf(out.groupId), ...(isObject(out.traits) ? { traits: out.traits } : {}) };
      delete out.groupId;
      delete out.traits;
      break;
  }
  return out;
}

/**
 * A Segment request body as an ingest body: `/v1/batch`'s `batch` (with its shared `context` and `sentAt`), or the
 * one message of another route; null when a batch body has no `batch` array.
 */
export function fromSegmentBody(body: unknown, route: SegmentRoute, receivedAt: number): { events: unknown[] } | null {
  const routeType = SEGMENT_ROUTES[route];
  if (routeType) return { events: [fromSegmentMessage(body, routeType, undefined, receivedAt)] };
  if (!isObject(body) || !Array.isArray(body.batch)) return null;
  const shared = isObject(body.context) ? body.context : undefined;
  return {
    events: body.batch.map((m) =>
      fromSegmentMessage(shared && isObject(m) ? { ...m, context: { ...shared, ...(isObject(m.context) ? m.context : {}) } } : m, undefined, body.sentAt, receivedAt),
    ),
  };
}

/** The write key a Segment body carries (`writeKey`), for clients that send it there instead of HTTP Basic. */
export function writeKeyOf(body: unknown): string | undefined {
  return isObject(body) && typeof body.writeKey === 'string' && body.writeKey ? body.writeKey : undefined;
}

