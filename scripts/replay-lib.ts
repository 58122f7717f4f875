/**
 * Replays the UCI Online Retail file through the real ingest path (`POST /v1/events`), as a client would:
 * plan the events from the CSV, send them in event-time order in batches with a few concurrent requests, retry
 * what the server asks to be retried, keep a resumable checkpoint, and wait until the tagger has caught up.
 *
 * Business rules of the replay (test/support/onlineRetailExpected.ts computes the expected profiles with the
 * same rules and its own code; keep the two in step):
 * - line items are grouped into invoices by (CustomerID, InvoiceNo); every row counts as it is, duplicates too;
 * - money is summed exactly in thousandths of a pound (Σ Quantity × UnitPrice), and an invoice's amount is the
 *   absolute total rounded half-up to whole pence;
 * - an invoice whose number starts with `C` is a cancellation → `order_refunded` of the amount;
 * - any other invoice with a positive total → `order_completed`; with a negative total (bad-debt adjustments)
 *   → `order_refunded`; with a zero total (free samples, stock write-offs) → no event, counted in the plan stats;
 * - the invoice time is its earliest row's `InvoiceDate`, read as UTC (as `tools/data/transactions.ts` does);
 * - each customer gets one `identify` with `traits.country` at their first row's time (every invoice counts,
 *   zero-total ones too), carrying that row's country;
 * - rows without a CustomerID are guest checkouts: each guest invoice is its own anonymous visitor
 *   `guest-<InvoiceNo>` (profile `anon:guest-<InvoiceNo>`), with no identify;
 * - event ids are deterministic (`invoice-<InvoiceNo>`, `identify-<CustomerID>`), so a resend is a no-op.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../tools/data/csv.js';
import { parseTimestamp } from '../tools/data/transactions.js';
import { MAX_EVENT_BYTES, MAX_EVENTS_PER_REQUEST, MAX_REQUEST_BYTES } from '../core/events/schema.js';

/** Repository root (this file lives in `scripts/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The shared copy of the data set, beside the repository. */
export const DEFAULT_CSV = resolve(REPO_ROOT, '../shared/data/online_retail.csv.gz');

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

export interface PlanStats {
  rows: number;
  /** Rows whose date, quantity or price could not be read (listed in `rejectedExamples`). */
  rejectedRows: number;
  rejectedExamples: string[];
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

interface Line {
  productId: string;
  name: string;
  price: number;
  quantity: number;
}

interface Invoice {
  invoiceNo: string;
  customerId: string;
  at: number;
  totalMilli: number;
  lineCount: number;
  lines: Line[];
  country: string;
}

/** Reads `12.345` as 12345 thousandths exactly (the file's prices have at most three decimals). */
function milli(text: string): number {
  const n = Number(text.trim());
  return text.trim() === '' ? NaN : Math.round(n * 1000);
}

const compareIds = (a: string, b: string) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Reads the CSV and plans every event of the replay, in send order.
 *
 * @example
 * ```ts
 * const plan = await planReplay({ csvPath: DEFAULT_CSV, slice: { start: 0, end: 150 }, guests: 5 });
 * plan.events.length; // identify + order + refund events of the first 150 customers, and 5 guest orders
 * ```
 */
export async function planReplay(options: ReplayPlanOptions): Promise<ReplayPlan> {
  const maxProducts = options.maxProducts ?? DEFAULT_MAX_PRODUCTS;
  const stats: PlanStats = {
    rows: 0, rejectedRows: 0, rejectedExamples: [], invoices: 0, customers: 0, guestInvoices: 0, orders: 0, refunds: 0,
    identifies: 0, skippedZeroTotal: 0, skippedZeroTotalGuests: 0, truncatedProducts: 0,
  };
  const invoices = new Map<string, Invoice>();
  const owners = new Map<string, Set<string>>();
  for await (const row of readCsv(options.csvPath)) {
    stats.rows++;
    const at = parseTimestamp(row.InvoiceDate ?? '');
    const quantity = Number((row.Quantity ?? '').trim());
    const price = milli(row.UnitPrice ?? '');
    const invoiceNo = (row.InvoiceNo ?? '').trim();
    if (!Number.isFinite(at) || !Number.isFinite(quantity) || (row.Quantity ?? '').trim() === '' || !Number.isFinite(price) || invoiceNo === '') {
      stats.rejectedRows++;
      if (stats.rejectedExamples.length < 5) stats.rejectedExamples.push(JSON.stringify(row));
      continue;
    }
    const customerId = (row.CustomerID ?? '').trim();
    const key = `${customerId}\u0000${invoiceNo}`;
    let inv = invoices.get(key);
    if (!inv) {
      inv = { invoiceNo, customerId, at, totalMilli: 0, lineCount: 0, lines: [], country: (row.Country ?? '').trim() };
      invoices.set(key, inv);
      let set = owners.get(invoiceNo);
      if (!set) owners.set(invoiceNo, (set = new Set()));
      set.add(customerId);
    }
    inv.totalMilli += quantity * price;
    inv.lineCount++;
    if (at < inv.at) inv.at = at;
    if (inv.lines.length < maxProducts) {
      inv.lines.push({ productId: (row.StockCode ?? '').trim(), name: (row.Description ?? '').trim(), price: price / 1000, quantity });
    }
  }
  stats.invoices = invoices.size;

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

// ---------------------------------------------------------------------------------------------------------------
// Batching

export interface Batch {
  /** Index of the first event of the batch in the plan. */
  start: number;
  end: number;
}

/**
 * Cuts `[from, events.length)` into request-sized batches (at most `maxEvents` events and `maxBytes` of body).
 * Batches are cut from the end backwards so the last batch is a full one: its users are the sentinels that
 * tell when the tagger has caught up (see {@link sentinelsOf}).
 *
 * @example
 * ```ts
 * batchesOf(plan.events, 0); // [{ start: 0, end: 170 }, { start: 170, end: 670 }, …]
 * ```
 */
export function batchesOf(events: string[], from: number, maxEvents = MAX_EVENTS_PER_REQUEST, maxBytes = Math.floor(MAX_REQUEST_BYTES * 0.9)): Batch[] {
  const out: Batch[] = [];
  let end = events.length;
  while (end > from) {
    let start = end;
    let bytes = 12; // {"events":[]}
    while (start > from && end - start < maxEvents && bytes + Buffer.byteLength(events[start - 1]!) + 1 <= maxBytes) {
      bytes += Buffer.byteLength(events[start - 1]!) + 1;
      start--;
    }
    if (start === end) throw new Error(`event ${start - 1} does not fit in a request`);
    out.push({ start, end });
    end = start;
  }
  return out.reverse();
}

/** One profile and the event whose arrival on it shows that its shard has caught up. */
export interface Sentinel {
  profileId: string;
  eventId: string;
}

/**
 * The distinct profiles of the plan's final batch (the last `count` of them), each with its last event. The final
 * batch is sent alone, after every earlier one was acknowledged, so on each stream shard the last record belongs
 * to the latest of these profiles that hashes there; when every sentinel event shows on its profile, every shard
 * holding one has been processed to the end. The full replay's final batch has about 300 distinct profiles, so a
 * shard holding none of them is a 2·2^-300 chance with the two local shards (about 1e-7 even with 16 shards).
 *
 * @example
 * ```ts
 * sentinelsOf(plan); // [{ profileId: '12680', eventId: 'invoice-581587' }, …]
 * ```
 */
export function sentinelsOf(plan: Pick<ReplayPlan, 'events' | 'profileIds' | 'eventIds'>, count = Infinity): Sentinel[] {
  const batches = batchesOf(plan.events, 0);
  const last = batches[batches.length - 1];
  if (!last) return [];
  const out: Sentinel[] = [];
  const seen = new Set<string>();
  for (let i = last.end - 1; i >= last.start && out.length < count; i--) {
    const profileId = plan.profileIds[i]!;
    if (seen.has(profileId)) continue;
    seen.add(profileId);
    out.push({ profileId, eventId: plan.eventIds[i]! });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint

export interface Checkpoint {
  fingerprint: string;
  total: number;
  /** Events [0, sent) of the plan were all acknowledged by the server. */
  sent: number;
  updatedAt: string;
}

/** Reads a checkpoint; null when absent, unreadable, or written for a different plan. */
export async function readCheckpoint(path: string, fingerprint: string): Promise<Checkpoint | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
  const c = parsed as Partial<Checkpoint> | null;
  if (!c || typeof c !== 'object' || c.fingerprint !== fingerprint || typeof c.sent !== 'number' || typeof c.total !== 'number') return null;
  if (!Number.isInteger(c.sent) || c.sent < 0 || c.sent > c.total) return null;
  return { fingerprint: c.fingerprint, total: c.total, sent: c.sent, updatedAt: String(c.updatedAt ?? '') };
}

async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(checkpoint) + '\n');
  await rename(tmp, path);
}

// ---------------------------------------------------------------------------------------------------------------
// Progress

/** A one-line progress bar on a stream: redrawn in place on a terminal, a plain line every few seconds otherwise. */
export class ProgressBar {
  private lastDraw = 0;
  private readonly startedAt = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly base = 0,
    private readonly unit = 'ev/s',
  ) {
    this.tty = Boolean(out.isTTY);
  }

  update(done: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    const width = 30;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.startedAt) / 1000;
    const rate = elapsed > 0 ? (done - this.base) / elapsed : 0;
    const eta = rate > 0 ? (this.total - done) / rate : NaN;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${this.total.toLocaleString('en')} ` +
      `${(fraction * 100).toFixed(1)}% ${Math.round(rate).toLocaleString('en')} ${this.unit} elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)}`;
    if (this.tty) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(line + '\n');
  }

  /** Draws the final state and ends the line. */
  done(done: number, note = ''): void {
    this.update(done, true);
    if (this.tty) this.out.write(note ? ` ${note}\n` : '\n');
    else if (note) this.out.write(`${this.label} ${note}\n`);
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Sending

export interface SendOptions {
  /** Base URL of the stack, for example `http://127.0.0.1:4000`. */
  url: string;
  apiKey: string;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Where progress is kept; none when absent (every run starts at 0). */
  checkpointPath?: string;
  /** Ignore an existing checkpoint and send everything again. */
  restart?: boolean;
  /** Draw a progress bar on stderr. Default true. */
  progress?: boolean;
  /** When aborted, no new batch starts; the ones in flight finish and the checkpoint is written. */
  signal?: AbortSignal;
  /** Attempts per batch before the replay gives up. Default 10. */
  maxAttempts?: number;
  /** Called after each acknowledged batch with the checkpointed position (events) and the total. */
  onBatch?: (position: number, total: number) => void;
}

export interface SendResult {
  total: number;
  /** Where this run started (events already sent by an earlier run). */
  resumedFrom: number;
  /** Events acknowledged in this run. */
  sent: number;
  /** Contiguous prefix of the plan acknowledged so far (what the checkpoint holds). */
  position: number;
  accepted: number;
  /** Items the server refused for good (not retryable), with reasons. */
  rejected: Array<{ eventId: string; code: string; message: string }>;
  retries: number;
  seconds: number;
  interrupted: boolean;
}

/** Thrown when the server answers in a way that retrying cannot fix (bad key, malformed request). */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backoff = (attempt: number) => Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);

interface IngestAnswer {
  accepted: number;
  rejected: Array<{ index: number; code: string; message: string }>;
}

function parseAnswer(text: string): IngestAnswer | null {
  try {
    const v = JSON.parse(text) as { accepted?: unknown; rejected?: unknown };
    if (typeof v.accepted !== 'number' || !Array.isArray(v.rejected)) return null;
    const rejected = v.rejected.filter(
      (r): r is { index: number; code: string; message: string } =>
        !!r && typeof r === 'object' && typeof (r as { index?: unknown }).index === 'number' && typeof (r as { code?: unknown }).code === 'string',
    );
    return { accepted: v.accepted, rejected };
  } catch {
    return null;
  }
}

/**
 * Sends events `[batch.start, batch.end)`: retries the whole request on 429, 5xx and network errors (event ids make
 * the resend harmless) and the `STREAM_UNAVAILABLE` items alone; other per-item rejections are final.
 */
async function sendBatch(
  plan: ReplayPlan,
  batch: Batch,
  options: SendOptions,
  stats: { retries: number },
): Promise<{ accepted: number; rejected: SendResult['rejected'] }> {
  const endpoint = new URL('/v1/events', options.url).href;
  const maxAttempts = options.maxAttempts ?? 10;
  let pending: number[] = [];
  for (let i = batch.start; i < batch.end; i++) pending.push(i);
  let accepted = 0;
  const rejected: SendResult['rejected'] = [];
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > maxAttempts) {
      throw new ReplayError(`gave up on events ${pending[0]}…${pending[pending.length - 1]} after ${maxAttempts} attempts`);
    }
    if (attempt > 1) stats.retries++;
    const body = `{"events":[${pending.map((i) => plan.events[i]).join(',')}]}`;
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
        body,
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      // Connection refused or reset: the server may be restarting.
      await sleep(backoff(attempt));
      if (attempt === maxAttempts) throw new ReplayError(`cannot reach ${endpoint}: ${(err as Error).message}`);
      continue;
    }
    if (status === 429 || status >= 500) {
      const wait = retryAfter && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : backoff(attempt);
      await sleep(wait);
      continue;
    }
    if (status === 401 || status === 403) throw new ReplayError(`${endpoint} answered ${status}: ${text.slice(0, 300)}`);
    const answer = parseAnswer(text);
    if (!answer || (status !== 200 && status !== 400)) throw new ReplayError(`${endpoint} answered ${status}: ${text.slice(0, 300)}`);
    const whole = answer.rejected.find((r) => r.index < 0);
    if (whole) throw new ReplayError(`${endpoint} refused the request: ${whole.code} ${whole.message}`);
    accepted += answer.accepted;
    const retry: number[] = [];
    for (const r of answer.rejected) {
      const planIndex = pending[r.index];
      if (planIndex === undefined) continue;
      if (r.code === 'STREAM_UNAVAILABLE') retry.push(planIndex);
      else rejected.push({ eventId: plan.eventIds[planIndex]!, code: r.code, message: r.message });
    }
    pending = retry;
    if (pending.length) await sleep(backoff(attempt));
  }
  return { accepted, rejected };
}

/**
 * Sends a plan through `POST /v1/events`, resuming from the checkpoint when it matches the plan. Batches go out
 * `concurrency` at a time; the final batch waits for all others (so its users can serve as sentinels).
 *
 * @example
 * ```ts
 * const result = await sendPlan(plan, { url: 'http://127.0.0.1:4000', apiKey, checkpointPath: '.data/replay.json' });
 * ```
 */
export async function sendPlan(plan: ReplayPlan, options: SendOptions): Promise<SendResult> {
  const total = plan.events.length;
  let resumedFrom = 0;
  if (options.checkpointPath && !options.restart) {
    const checkpoint = await readCheckpoint(options.checkpointPath, plan.fingerprint);
    if (checkpoint) resumedFrom = checkpoint.sent;
  }
  const batches = batchesOf(plan.events, resumedFrom);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const bar = options.progress === false ? null : new ProgressBar(total, 'replay', process.stderr, resumedFrom);
  const startedAt = Date.now();
  const counters = { retries: 0 };
  const result: SendResult = {
    total, resumedFrom, sent: 0, position: resumedFrom, accepted: 0, rejected: [], retries: 0, seconds: 0, interrupted: false,
  };

  // Completed batches, to advance the contiguous prefix the checkpoint records.
  const done = new Set<number>();
  let nextToCommit = 0;
  let checkpointWrite: Promise<void> = Promise.resolve();
  const commit = () => {
    let moved = false;
    while (done.has(nextToCommit)) {
      result.position = batches[nextToCommit]!.end;
      nextToCommit++;
      moved = true;
    }
    if (moved && options.checkpointPath) {
      const checkpoint: Checkpoint = { fingerprint: plan.fingerprint, total, sent: result.position, updatedAt: new Date().toISOString() };
      const path = options.checkpointPath;
      checkpointWrite = checkpointWrite.then(() => writeCheckpoint(path, checkpoint));
    }
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  bar?.update(resumedFrom, true);
  for (let b = 0; b < batches.length; b++) {
    if (options.signal?.aborted || failure) break;
    const isLast = b === batches.length - 1;
    while (inFlight.size >= concurrency || (isLast && inFlight.size > 0)) {
      await Promise.race(inFlight);
      if (failure) break;
    }
    if (options.signal?.aborted || failure) break;
    const batch = batches[b]!;
    const p: Promise<void> = sendBatch(plan, batch, options, counters)
      .then((r) => {
        result.accepted += r.accepted;
        result.rejected.push(...r.rejected);
        result.sent += batch.end - batch.start;
        done.add(b);
        commit();
        bar?.update(resumedFrom + result.sent);
        options.onBatch?.(result.position, total);
      })
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  await checkpointWrite;
  result.retries = counters.retries;
  result.seconds = (Date.now() - startedAt) / 1000;
  result.interrupted = Boolean(options.signal?.aborted) && result.position < total;
  bar?.done(resumedFrom + result.sent, result.interrupted ? `interrupted; ${result.position} of ${total} events checkpointed` : '');
  if (failure) throw failure;
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Catching up

export interface WaitOptions {
  graphqlUrl: string;
  apiKey: string;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** Called after each poll with how many sentinels have arrived. */
  onPoll?: (arrived: number, of: number) => void;
}

/** A GraphQL POST; throws on transport errors and on `errors` in the answer. */
export async function graphql<T>(url: string, apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: Array<{ message: string }> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`GraphQL answered ${res.status}: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) throw new Error(`GraphQL error: ${body.errors.map((e) => e.message).join('; ')}`);
  if (!body.data) throw new Error(`GraphQL answered ${res.status} without data`);
  return body.data;
}

/**
 * Polls GraphQL until every sentinel event shows among its profile's latest events, which means the tagger has
 * processed each stream shard up to the end of the replay. Returns the seconds waited; throws at the deadline.
 *
 * @example
 * ```ts
 * await waitForSentinels(sentinelsOf(plan), { graphqlUrl: 'http://127.0.0.1:4000/graphql', apiKey });
 * ```
 */
export async function waitForSentinels(sentinels: Sentinel[], options: WaitOptions): Promise<number> {
  const startedAt = Date.now();
  const deadline = startedAt + (options.timeoutMs ?? 600_000);
  let pending = [...sentinels];
  while (pending.length > 0) {
    if (options.signal?.aborted) throw new Error('interrupted while waiting for the tagger');
    // Up to 50 profiles a request keeps each query well inside the gateway's cost limit.
    const still: Sentinel[] = [];
    for (let start = 0; start < pending.length; start += 50) {
      const chunk = pending.slice(start, start + 50);
      const fields = chunk.map((_, i) => `s${i}: user(id: $id${i}) { events(first: 10) { edges { node { eventId } } } }`);
      const query = `query(${chunk.map((_, i) => `$id${i}: ID!`).join(', ')}) { ${fields.join(' ')} }`;
      const variables = Object.fromEntries(chunk.map((s, i) => [`id${i}`, s.profileId]));
      let data: Record<string, { events: { edges: Array<{ node: { eventId: string } }> } } | null> | null = null;
      try {
        data = await graphql(options.graphqlUrl, options.apiKey, query, variables);
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      const d = data;
      still.push(...chunk.filter((s, i) => !d?.[`s${i}`]?.events.edges.some((e) => e.node.eventId === s.eventId)));
    }
    pending = still;
    options.onPoll?.(sentinels.length - pending.length, sentinels.length);
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      throw new Error(`the tagger did not catch up within ${options.timeoutMs ?? 600_000} ms: still waiting for ${pending.map((s) => `${s.eventId} on ${s.profileId}`).slice(0, 5).join(', ')}`);
    }
    await sleep(options.pollMs ?? 200);
  }
  return (Date.now() - startedAt) / 1000;
}

/** Size and modification time of the CSV, for the summary (and to notice a changed file). */
export async function describeFile(path: string): Promise<{ path: string; bytes: number }> {
  const s = await stat(path);
  return { path, bytes: s.size };
}

// ---------------------------------------------------------------------------------------------------------------
// The whole job

export interface ReplayOptions extends ReplayPlanOptions, SendOptions {
  /** Wait for the tagger to catch up after sending. Default true. */
  wait?: boolean;
  waitTimeoutMs?: number;
  /** Receives the plan before anything is sent (for logging). */
  onPlan?: (plan: ReplayPlan) => void;
}

/** What a replay prints: one JSON object. */
export interface ReplaySummary {
  replay: 'online_retail';
  /** Events in the plan. */
  events: number;
  resumedFrom: number;
  sent: number;
  accepted: number;
  rejected: number;
  rejectedExamples: SendResult['rejected'];
  retries: number;
  interrupted: boolean;
  /** Seconds spent sending. */
  send_seconds: number;
  /** Seconds from the first request until the tagger had caught up (or until sending ended, without waiting). */
  seconds: number;
  /** Events of this run per second over `seconds`: ingest, stream and tagger end to end. */
  events_per_second: number;
  ingest_events_per_second: number;
  caught_up: boolean;
  plan: PlanStats & { fingerprint: string };
}

/**
 * Plans, sends and (by default) waits for the tagger, returning the summary and the plan.
 *
 * @example
 * ```ts
 * const { summary } = await runReplay({ csvPath: DEFAULT_CSV, url: stack.url, apiKey: stack.apiKey, slice: { start: 0, end: 150 } });
 * ```
 */
export async function runReplay(options: ReplayOptions): Promise<{ summary: ReplaySummary; plan: ReplayPlan }> {
  const plan = await planReplay(options);
  options.onPlan?.(plan);
  const started = Date.now();
  const sent = await sendPlan(plan, options);
  let caughtUp = false;
  if (options.wait !== false && !sent.interrupted && sent.position === plan.events.length) {
    const sentinels = sentinelsOf(plan);
    const bar = options.progress === false ? null : new ProgressBar(sentinels.length, 'tagger caught up on', process.stderr, 0, 'sentinels/s');
    await waitForSentinels(sentinels, {
      graphqlUrl: new URL('/graphql', options.url).href,
      apiKey: options.apiKey,
      timeoutMs: options.waitTimeoutMs,
      signal: options.signal,
      onPoll: (arrived) => bar?.update(arrived),
    });
    bar?.done(sentinels.length, 'caught up');
    caughtUp = true;
  }
  const seconds = (Date.now() - started) / 1000;
  const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;
  const summary: ReplaySummary = {
    replay: 'online_retail',
    events: plan.events.length,
    resumedFrom: sent.resumedFrom,
    sent: sent.sent,
    accepted: sent.accepted,
    rejected: sent.rejected.length,
    rejectedExamples: sent.rejected.slice(0, 5),
    retries: sent.retries,
    interrupted: sent.interrupted,
    send_seconds: round(sent.seconds),
    seconds: round(caughtUp ? seconds : sent.seconds),
    events_per_second: round(sent.sent / Math.max(1e-3, caughtUp ? seconds : sent.seconds), 1),
    ingest_events_per_second: round(sent.sent / Math.max(1e-3, sent.seconds), 1),
    caught_up: caughtUp,
    plan: { ...plan.stats, fingerprint: plan.fingerprint },
  };
  return { summary, plan };
}
