import type { Identity } from '../identity/types.js';
import type { GuardOutcome } from '../journeys/guards.js';
import { contactAddress } from '../store/contacts.js';
import { sendEmail, sendSms } from './messaging.js';
import type { MessagingSettings } from './messagingSettings.js';
import { leaseOutcome, moveOutcome, recordOutcome, type OutboxItem } from './store/outbox.js';
import type { EngineSettings } from './store/settings.js';
import type { JourneyTables } from './tables.js';
import { deliverWebhook } from './webhook.js';

/** What delivery needs: the webhook signing key, the stage's senders, the kept addresses and the wall clock. */
export interface DeliveryContext {
  webhookSecret: string;
  /** The stage's sender identities; email or sms without one writes to the outbox only. */
  messaging: MessagingSettings;
  /** The stage's identity key, which opens the kept addresses (core/privacy/contactSeal.ts). */
  identitySecret: string;
  tables: Pick<JourneyTables, 'contacts'>;
  now: () => number;
}

/** Longest one delivery may take, retries included, so a step stays well inside the function's timeout. */
const DELIVERY_BUDGET_MS = 15_000;
/** How long a claim to deliver holds: past it, another applier takes over (the holder died). */
const LEASE_MS = DELIVERY_BUDGET_MS + 15_000;

type Delivered = Pick<GuardOutcome, 'status' | 'reason' | 'detail'>;

/** Another applier is delivering this item now; the caller's batch or tick is retried (and then finds it done). */
export class DeliveryInProgressError extends Error {
  constructor(readonly outboxId: string) {
    super(`outbox item ${outboxId} is being delivered by another applier`);
    this.name = 'DeliveryInProgressError';
  }
}

/**
 * Delivers an outbox item once, even with two appliers of the same step at once (a retried batch and a timer
 * flushing the same pending effects): the item is first written QUEUED with a lease (or the lease of an existing
 * QUEUED item is taken), only the holder delivers, and the outcome then replaces the lease. A holder that died
 * loses its lease after {@link LEASE_MS} and the next applier delivers, with the same Idempotency-Key. Returns the
 * outcome, or null when the item had already been decided.
 *
 * @example
 * const outcome = await deliverOnce(ctx, table, item, () => deliverMessage(ctx, item, settings));
 */
export async function deliverOnce(ctx: DeliveryContext, table: string, item: OutboxItem, deliver: () => Promise<Delivered>): Promise<Delivered | null> {
  const now = ctx.now();
  const claim: OutboxItem = { ...item, status: 'QUEUED', detail: 'delivering', leaseUntil: now + LEASE_MS };
  if (!(await recordOutcome(table, claim))) {
    const lease = await leaseOutcome(table, item, now, now + LEASE_MS);
    if (lease === 'DONE') return null;
    if (lease === 'BUSY') throw new DeliveryInProgressError(item.id);
  }
  const outcome = await deliver();
  await moveOutcome(table, item, 'QUEUED', { ...outcome, updatedAt: new Date(ctx.now()).toISOString() });
  return outcome;
}

/** Posts one signed webhook and says how it went, as an outbox outcome (FAILED with DELIVERY after the retries). */
async function post(ctx: DeliveryContext, url: string, body: Record<string, unknown>, idempotencyKey: string): Promise<Delivered> {
  const r = await deliverWebhook({ url, body, idempotencyKey, secret: ctx.webhookSecret }, { deadline: ctx.now() + DELIVERY_BUDGET_MS, now: ctx.now });
  return r.status === 'DELIVERED'
    ? { status: 'SENT', detail: `delivered to ${new URL(url).host} (HTTP ${r.httpStatus}, attempt ${r.attempts})` }
    : { status: 'FAILED', reason: 'DELIVERY', detail: `webhook failed after ${r.attempts} attempt(s): ${r.detail}` };
}

/**
 * Whether a SENT message on `channel` leaves opsgraph (a webhook, or email and sms on a stage with their sender),
 * so it is delivered under {@link deliverOnce}'s lease; otherwise the outbox record is the delivery.
 */
export function deliversOutside(ctx: Pick<DeliveryContext, 'messaging'>, channel: string | undefined): boolean {
  return channel === 'webhook' || (channel === 'email' && !!ctx.messaging.email) || (channel === 'sms' && !!ctx.messaging.sms);
}

/**
 * Delivers a message the guards let through, on its channel. `webhook` posts it, signed, to the operators'
 * webhook URL; `email` and `sms` go through SES and End User Messaging to the address kept for the user
 * (core/store/contacts.ts: FAILED with NO_ADDRESS when there is none) on a stage with their sender, and are the
 * outbox record itself elsewhere (the local stack by default); `outbox` is always the record itself.
 *
 * @example
 * const outcome = await deliverMessage(ctx, item, settings, view.profile.identities); // { status: 'SENT', detail: 'delivered to hooks.example.com ...' }
 */
export async function deliverMessage(ctx: DeliveryContext, item: OutboxItem, settings: EngineSettings, identities: readonly Identity[]): Promise<Delivered> {
  if (item.channel === 'email' && ctx.messaging.email) {
    const to = await contactAddress(ctx.tables.contacts, identities, 'EMAIL', ctx.identitySecret);
    return to ? sendEmail(ctx.messaging.email, to, item) : noAddress('email address');
  }
  if (item.channel === 'sms' && ctx.messaging.sms) {
    const to = await contactAddress(ctx.tables.contacts, identities, 'PHONE', ctx.identitySecret);
    return to ? sendSms(ctx.messaging.sms, to, item) : noAddress('phone number');
  }
  if (item.channel !== 'webhook') return { status: 'SENT', detail: `written to the outbox (${item.channel})` };
  if (!settings.webhookUrl) return { status: 'FAILED', reason: 'DELIVERY', detail: 'no webhook URL in the journey settings (updateJourneySettings)' };
  const { userId, campaignId, campaignVersion, node, channel, purpose, subject, body, idempotencyKey, createdAt } = item;
  return post(ctx, settings.webhookUrl, { type: 'message', userId, campaignId, campaignVersion, node, channel, purpose, subject, body, idempotencyKey, createdAt }, idempotencyKey);
}

const noAddress = (what: string): Delivered => ({
  status: 'FAILED',
  reason: 'NO_ADDRESS',
  detail: `no ${what} is kept for this user (never identified with one, or erased)`,
});

/**
 * A journey's WEBHOOK action: posts `data` (the node's `body`) with who and where, signed, to the node's URL.
 *
 * @example
 * const outcome = await callWebhook(ctx, 'https://desk.example.com/hook', { priority: 'high' }, { userId, campaignId, node, idempotencyKey, createdAt });
 */
export async function callWebhook(
  ctx: DeliveryContext,
  url: string,
  data: Record<string, unknown>,
  about: { userId: string; campaignId: string; node: string; idempotencyKey: string; createdAt: string },
): Promise<Delivered> {
  return post(ctx, url, { type: 'action', ...about, data }, about.idempotencyKey);
}
