import type { GuardOutcome } from '../journeys/guards.js';
import { leaseOutcome, moveOutcome, recordOutcome, type OutboxItem } from './store/outbox.js';
import type { EngineSettings } from './store/settings.js';
import { deliverWebhook } from './webhook.js';

/** What delivery needs: the webhook signing key and the wall clock. */
export interface DeliveryContext {
  webhookSecret: string;
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
 * Delivers a message the guards let through, on its channel. `webhook` posts it, signed, to the operators'
 * webhook URL; `outbox`, `email` and `sms` are the outbox record itself (locally by design; on AWS too, for now:
 * SES and End User Messaging delivery is not built, and the profile keeps no plaintext address to send to).
 *
 * @example
 * const outcome = await deliverMessage(ctx, item, settings); // { status: 'SENT', detail: 'delivered to hooks.example.com ...' }
 */
export async function deliverMessage(ctx: DeliveryContext, item: OutboxItem, settings: EngineSettings): Promise<Delivered> {
  if (item.channel !== 'webhook') return { status: 'SENT', detail: `written to the outbox (${item.channel})` };
  if (!settings.webhookUrl) return { status: 'FAILED', reason: 'DELIVERY', detail: 'no webhook URL in the journey settings (updateJourneySettings)' };
  const { userId, campaignId, campaignVersion, node, channel, purpose, subject, body, idempotencyKey, createdAt } = item;
  return post(ctx, settings.webhookUrl, { type: 'message', userId, campaignId, campaignVersion, node, channel, purpose, subject, body, idempotencyKey, createdAt }, idempotencyKey);
}

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
