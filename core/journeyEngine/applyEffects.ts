import type { StoredEvent } from '../events/schema.js';
import type { ProfileView } from '../journeys/conditions.js';
import { guardAction, guardSend, type GuardOutcome, type GuardSettings, type SentCounts } from '../journeys/guards.js';
import type { Journey } from '../journeys/schema.js';
import type { ActionEffect, Effect, JourneyVersion, SendEffect } from '../journeys/types.js';
import { callWebhook, deliverMessage, deliverOnce, deliversOutside, type DeliveryContext } from './channels.js';
import type { PendingEffect, StoredEnrollment } from './store/enrollments.js';
import { outboxId, recordOutcome, sentMessages, type OutboxItem } from './store/outbox.js';
import type { EngineSettings } from './store/settings.js';
import { putTimer } from './store/timers.js';
import { effectEventId, emitEvents } from './emit.js';
import type { JourneyTables } from './tables.js';

const DAY_MS = 86_400_000;

/** What applying effects needs besides the enrollment: the tables, the settings, the signing key and the clock. */
export interface ApplyContext extends DeliveryContext {
  tables: JourneyTables;
  /** The engine's settings now (cached: core/journeyEngine/campaignCache.ts). */
  settings: () => Promise<EngineSettings>;
}

const NO_COUNTS = (): SentCounts => ({ campaignDay: 0, campaignWeek: 0, allDay: 0, allWeek: 0 });

/**
 * Counts of messages SENT to the user before `asOf`, per rolling day and week, this campaign and all. Read from the
 * outbox once per step's effects and then kept up to date as this step sends.
 */
async function loadCounts(table: string, userId: string, campaignId: string, asOf: string): Promise<SentCounts> {
  const asOfMs = Date.parse(asOf);
  const sent = await sentMessages(table, userId, new Date(asOfMs - 7 * DAY_MS).toISOString(), asOf);
  const counts = NO_COUNTS();
  for (const m of sent) {
    const inDay = Date.parse(m.createdAt) > asOfMs - DAY_MS;
    const own = m.campaignId === campaignId;
    counts.allWeek++;
    if (inDay) counts.allDay++;
    if (own) counts.campaignWeek++;
    if (own && inDay) counts.campaignDay++;
  }
  return counts;
}

/**
 * The counts a send's frequency caps read: from the outbox when a cap applies (the journey's own limits, or the
 * operators' across campaigns), else none, without a query.
 */
export async function capCounts(
  table: string,
  journey: Journey,
  settings: GuardSettings,
  at: { userId: string; campaignId: string; asOf: string },
): Promise<SentCounts> {
  const own = journey.limits;
  const all = settings.globalLimits;
  const capped = [own?.perUserPerDay, own?.perUserPerWeek, all?.perUserPerDay, all?.perUserPerWeek].some((c) => c !== undefined);
  return capped ? loadCounts(table, at.userId, at.campaignId, at.asOf) : NO_COUNTS();
}

/** The outbox item of an effect, before its outcome. */
function baseItem(e: StoredEnrollment, effect: Effect, asOf: string, kind: OutboxItem['kind'], nowMs: number) {
  return {
    userId: e.state.userId,
    id: outboxId(asOf, effect.key, kind),
    kind,
    idempotencyKey: effect.key,
    campaignId: e.campaignId,
    campaignVersion: e.version,
    enrollmentId: e.state.enrollmentId,
    node: effect.node,
    createdAt: asOf,
    updatedAt: new Date(nowMs).toISOString(),
  };
}

/** The message of a send as the outbox records it, with the guards' outcome. */
export function messageItem(e: StoredEnrollment, send: SendEffect, asOf: string, outcome: GuardOutcome, nowMs: number): OutboxItem {
  return {
    ...baseItem(e, send, asOf, 'MESSAGE', nowMs),
    status: outcome.status,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    detail: outcome.detail,
    ...(outcome.notBefore ? { notBefore: outcome.notBefore } : {}),
    ...(outcome.term ? { term: outcome.term } : {}),
    channel: send.channel,
    purpose: send.purpose,
    ...(send.subject !== undefined ? { subject: send.subject } : {}),
    body: send.body,
  };
}

/** The events an action puts back on the stream, so profiles, rules and analytics see what the journey did. */
function actionEvents(e: StoredEnrollment, a: ActionEffect, asOf: string): StoredEvent[] {
  const base = { userId: e.state.userId, eventId: effectEventId(a.key), timestamp: asOf };
  const campaign = { campaignId: e.campaignId, campaignVersion: e.version, node: a.node };
  switch (a.action) {
    case 'ISSUE_COUPON':
      return [{ ...base, type: 'track', event: 'coupon_issued', properties: { ...campaign, code: a.couponCode, ...a.params } }];
    case 'SET_TRAIT':
      return [{ ...base, type: 'identify', traits: { [String(a.params.name)]: a.params.value } as Record<string, never> }];
    case 'SET_TAG':
    case 'REMOVE_TAG':
      return [
        {
          ...base,
          type: 'track',
          event: 'campaign_tag_changed',
          properties: { ...campaign, tag: a.params.tag, change: a.action === 'SET_TAG' ? 'added' : 'removed' },
        },
      ];
    case 'WEBHOOK':
      return [];
  }
}

/**
 * Applies one step's effects, each idempotently by its key, in order: a retried step (after a crash, a redelivered
 * batch) repeats none of them.
 * - SEND: the guards decide (docs/architecture.md, "Journeys"), and the outbox records the outcome once; a send held
 *   by quiet hours gets a QUEUED_SEND timer for the end of the window.
 *   A send the guards pass is delivered on its channel (core/journeyEngine/channels.ts) before it is recorded.
 * - ACTION: the abuse guard, then the action's events on the stream (or its webhook call), then its outbox record.
 *   Emitting before the record means a crash in between emits again, with the same event id, which every reader
 *   skips (and calls a webhook again with the same Idempotency-Key).
 * - SET_TIMER: the durable timer. EXPOSURE and GOAL: outbox records (the experiment and campaign figures).
 *
 * @example
 * await applyEffects(ctx, stored, version, view, stored.pending);
 */
export async function applyEffects(
  ctx: ApplyContext,
  e: StoredEnrollment,
  version: JourneyVersion,
  view: ProfileView,
  pending: readonly PendingEffect[],
): Promise<void> {
  let counts: SentCounts | undefined;
  for (const { effect, asOf } of pending) {
    const nowMs = ctx.now();
    switch (effect.kind) {
      case 'SEND': {
        const settings = await ctx.settings();
        counts ??= await capCounts(ctx.tables.outbox, version.journey, settings, { userId: e.state.userId, campaignId: e.campaignId, asOf });
        const outcome = guardSend({ journey: version.journey, enrollment: e.state, send: effect, view, asOf, counts, settings });
        const item = messageItem(e, effect, asOf, outcome, nowMs);
        let sent: boolean;
        if (outcome.status === 'SENT' && deliversOutside(ctx, effect.channel)) {
          sent = (await deliverOnce(ctx, ctx.tables.outbox, item, () => deliverMessage(ctx, item, settings, view.profile.identities)))?.status === 'SENT';
        } else {
          if (outcome.status === 'QUEUED') {
            // The timer first: a crash after it and before the record leaves a timer whose message the next attempt records.
            await putTimer(
              ctx.tables.timers,
              { kind: 'QUEUED_SEND', at: outcome.notBefore!, userId: e.state.userId, enrollmentId: e.state.enrollmentId, campaignId: e.campaignId, node: effect.node, visit: 0, outboxId: item.id },
              effect.key,
              nowMs,
            );
          }
          const final = outcome.status === 'SENT' ? { ...item, ...(await deliverMessage(ctx, item, settings, view.profile.identities)) } : item;
          sent = (await recordOutcome(ctx.tables.outbox, final)) && final.status === 'SENT';
        }
        if (sent) {
          counts.allDay++;
          counts.allWeek++;
          counts.campaignDay++;
          counts.campaignWeek++;
        }
        break;
      }
      case 'ACTION': {
        const guarded = guardAction(effect, view);
        const item: OutboxItem = {
          ...baseItem(e, effect, asOf, 'ACTION', nowMs),
          status: guarded.status,
          ...(guarded.reason ? { reason: guarded.reason } : {}),
          detail: guarded.status === 'SENT' ? `${effect.action} done` : guarded.detail,
          action: effect.action,
          ...(effect.couponCode && guarded.status === 'SENT' ? { couponCode: effect.couponCode } : {}),
        };
        if (guarded.status === 'SENT' && effect.action === 'WEBHOOK') {
          const p = effect.params as { url: string; body?: Record<string, unknown> };
          const about = { userId: item.userId, campaignId: item.campaignId, node: item.node, idempotencyKey: item.idempotencyKey, createdAt: item.createdAt };
          await deliverOnce(ctx, ctx.tables.outbox, item, () => callWebhook(ctx, p.url, p.body ?? {}, about));
          break;
        }
        if (guarded.status === 'SENT') await emitEvents(ctx.tables.eventsStream, actionEvents(e, effect, asOf), nowMs);
        await recordOutcome(ctx.tables.outbox, item);
        break;
      }
      case 'SET_TIMER':
        await putTimer(
          ctx.tables.timers,
          { kind: 'STEP', at: effect.at, userId: e.state.userId, enrollmentId: e.state.enrollmentId, campaignId: e.campaignId, node: effect.node, visit: effect.visit },
          effect.key,
          nowMs,
        );
        break;
      case 'EXPOSURE':
        await recordOutcome(ctx.tables.outbox, {
          ...baseItem(e, effect, asOf, 'EXPOSURE', nowMs),
          status: 'SENT',
          detail: `bucket ${effect.bucket.toFixed(6)}`,
          experiment: effect.experiment,
          variant: String(effect.variant),
        });
        break;
      case 'GOAL':
        await recordOutcome(ctx.tables.outbox, {
          ...baseItem(e, effect, asOf, 'GOAL', nowMs),
          status: 'SENT',
          detail: `goal ${effect.event}`,
          eventId: effect.eventId,
          ...(effect.revenue !== undefined ? { revenue: effect.revenue } : {}),
        });
        break;
      case 'EXIT':
        break; // the saved state records it
    }
  }
}
