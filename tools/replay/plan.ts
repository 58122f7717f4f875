/**
 * Replay, step 2: converting the invoices `read.ts` found into the events of the replay, in send order (event
 * time, then identify before invoices, then invoice number), with deterministic event ids. The rules are listed
 * in `index.ts`; `verify.ts` computes the expected profiles from the same rules with its own code.
 */
import { createHash } from 'node:crypto';
import { MAX_EVENT_BYTES } from '../../core/events/schema.js';
import { readInvoices, type Invoice, type ReadStats } from './read.js';

/**
 * Products kept per event. The profile keeps its 100 most recent events with their properties in one DynamoDB
 * item (400 KB at most), so long product lists on a heavy buyer's profile would overflow it. `revenue` is always
 * the full invoice total; `lineCount` and `productsTruncated` say what was left out.
 */
export const DEFAULT_MAX_PRODUCTS = 20;

export interface ReplayPlanOptions {
  csvPath: string;
  /** Customers to keep, as a half-open range over the customer ids sorted numerically; all when absent. */
  slice?: { start: number; end: number };
  /** Guest invoices to keep (the earliest ones that produce an event): a number or 'all'. Default: all without a slice, none with one. */
  guests?: number | 'all';
  maxProducts?: number;
}

export interface PlanStats extends ReadStats {
  invoices: number;
  customers: number;
  guestInvoices: number;
  orders: number;
  refunds: number;
  identifies: number;
  /** Non-cancellation invoices of the kept customers whose total is exactly zero: no event (see the rules at the top). */
  skippedZeroTotal: number;
  /** The same for guest invoices, over the whole file. */
  skippedZeroTotalGuests: number;
  /** Events whose product list was cut to `maxProducts`. */
  truncatedProducts: number;
}

export interface ReplayPlan {
  /** Serialized events, in send order (event time, identify first, then invoice number). */
  events: string[];
  /** Profile id each event lands on (`<CustomerID>` or `anon:guest-<InvoiceNo>`), parallel to `events`. */
  profileIds: string[];
  eventIds: string[];
  /** Customer ids kept by the slice, sorted. */
  customers: string[];
  /** Anonymous ids of the guest invoices kept. */
  guests: string[];
  stats: PlanStats;
  /** Changes whenever the planned event sequence would change: a checkpoint only applies to the same plan. */
  fingerprint: string;
}

const compareIds = (a: string, b: string) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Reads the CSV and plans every event of the replay, in send order.
 *
 * @example
 * ```ts
 * const plan = await planReplay({ csvPath: ONLINE_RETAIL_CSV, slice: { start: 0, end: 150 }, guests: 5 });
 * plan.events.length; // identify + order + refund events of the first 150 customers, and 5 guest orders
 * ```
 */
export async function planReplay(options: ReplayPlanOptions): Promise<ReplayPlan> {
  const maxProducts = options.maxProducts ?? DEFAULT_MAX_PRODUCTS;
  const file = await readInvoices(options.csvPath, maxProducts);
  const { invoices, owners } = file;
  const stats: PlanStats = {
    ...file.stats, invoices: invoices.size, customers: 0, guestInvoices: 0, orders: 0, refunds: 0,
    identifies: 0, skippedZeroTotal: 0, skippedZeroTotalGuests: 0, truncatedProducts: 0,
  };

  // Customers: the slice is taken over the ids sorted numerically.
  const firstOf = new Map<string, Invoice>();
  for (const inv of invoices.values()) {
    if (!inv.customerId) continue;
    const first = firstOf.get(inv.customerId);
    if (!first || inv.at < first.at || (inv.at === first.at && inv.invoiceNo < first.invoiceNo)) firstOf.set(inv.customerId, inv);
  }
  let customers = [...firstOf.keys()].sort(compareIds);
  if (options.slice) customers = customers.slice(options.slice.start, options.slice.end);
  const kept = new Set(customers);
  stats.customers = customers.length;

  interface Item { at: number; rank: number; sortKey: string; eventId: string; profileId: string; body: Record<string, unknown> }
  const items: Item[] = [];
  for (const customerId of customers) {
    const first = firstOf.get(customerId)!;
    items.push({
      at: first.at,
      rank: 0,
      sortKey: customerId,
      eventId: `identify-${customerId}`,
      profileId: customerId,
      body: {
        type: 'identify',
        eventId: `identify-${customerId}`,
        userId: customerId,
        timestamp: iso(first.at),
        traits: { country: first.country },
        context: { channel: 'web', country: first.country },
      },
    });
    stats.identifies++;
  }

  const guestItems: Item[] = [];
  for (const inv of invoices.values()) {
    const guest = inv.customerId === '';
    if (!guest && !kept.has(inv.customerId)) continue;
    const cancelled = /^c/i.test(inv.invoiceNo);
    if (!cancelled && inv.totalMilli === 0) {
      if (guest) stats.skippedZeroTotalGuests++;
      else stats.skippedZeroTotal++;
      continue;
    }
    const refund = cancelled || inv.totalMilli < 0;
    const pence = Math.floor((Math.abs(inv.totalMilli) + 5) / 10);
    const shared = (owners.get(inv.invoiceNo)?.size ?? 1) > 1;
    const eventId = shared ? `invoice-${inv.invoiceNo}-${inv.customerId || 'guest'}` : `invoice-${inv.invoiceNo}`;
    const anonymousId = `guest-${inv.invoiceNo}`;
    const products = inv.lines.map((l) => ({ productId: l.productId, ...(l.name ? { name: l.name } : {}), price: l.price, quantity: l.quantity }));
    const truncated = inv.lineCount > inv.lines.length;
    const body: Record<string, unknown> = {
      type: 'track',
      event: refund ? 'order_refunded' : 'order_completed',
      eventId,
      ...(guest ? { anonymousId } : { userId: inv.customerId }),
      timestamp: iso(inv.at),
      properties: {
        orderId: inv.invoiceNo,
        revenue: pence / 100,
        currency: 'GBP',
        products,
        lineCount: inv.lineCount,
        ...(truncated ? { productsTruncated: true } : {}),
      },
      context: { channel: 'web', ...(inv.country ? { country: inv.country } : {}) },
    };
    const item: Item = { at: inv.at, rank: 1, sortKey: inv.invoiceNo, eventId, profileId: guest ? `anon:${anonymousId}` : inv.customerId, body };
    if (guest) guestItems.push(item);
    else items.push(item);
  }

  const order = (a: Item, b: Item) => a.at - b.at || a.rank - b.rank || (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0);
  guestItems.sort(order);
  const guestLimit = options.guests ?? (options.slice ? 0 : 'all');
  const guests = guestLimit === 'all' ? guestItems : guestItems.slice(0, guestLimit);
  items.push(...guests);
  items.sort(order);
  stats.guestInvoices = guests.length;

  const events: string[] = [];
  const profileIds: string[] = [];
  const eventIds: string[] = [];
  const hash = createHash('sha256');
  for (const item of items) {
    const text = JSON.stringify(item.body);
    if (Buffer.byteLength(text) > MAX_EVENT_BYTES) throw new Error(`event ${item.eventId} is larger than ${MAX_EVENT_BYTES} bytes; lower --max-products`);
    if (item.body.type === 'track') {
      const props = item.body.properties as { productsTruncated?: boolean };
      if (item.body.event === 'order_completed') stats.orders++;
      else stats.refunds++;
      if (props.productsTruncated) stats.truncatedProducts++;
    }
    events.push(text);
    profileIds.push(item.profileId);
    eventIds.push(item.eventId);
    hash.update(item.eventId).update('\n');
  }
  hash.update(JSON.stringify({ maxProducts, slice: options.slice ?? null, guests: guestLimit }));
  return { events, profileIds, eventIds, customers, guests: guests.map((g) => g.profileId.slice('anon:'.length)), stats, fingerprint: hash.digest('hex').slice(0, 32) };
}
