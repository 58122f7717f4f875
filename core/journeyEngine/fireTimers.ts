import { guardSend, type GuardOutcome } from '../journeys/guards.js';
import type { SendEffect } from '../journeys/types.js';
import { forEachLimit } from '../platform/forEachLimit.js';
import type { ProfileView } from '../journeys/conditions.js';
import { getEnrollment, type StoredEnrollment } from './store/enrollments.js';
import { getJob, putJob } from '../store/jobs.js';
import { getOutcome, moveOutcome } from './store/outbox.js';
import { deleteTimers, dueTimers, minuteOf, putTimer, type TimerItem } from './store/timers.js';
import { advanceEnrollment, releaseHeld, type EngineContext } from './advance.js';
import { capCounts } from './applyEffects.js';
import { deliverMessage, deliverOnce, deliversOutside } from './channels.js';
import { profileViews } from './profileView.js';

/** The jobs-table item that holds the oldest minute partition that may still hold timers. */
const WATERMARK_JOB = 'journeys#timers';
/** Minutes behind the clock that are read again on every tick: a timer put just before a minute ended lands there. */
const GRACE_MINUTES = 2;
/** Minutes read on the first tick of a new stage. */
const FIRST_LOOKBACK_MINUTES = 60;
const MINUTE_MS = 60_000;
/** Timers fired at once. */
const TIMER_CONCURRENCY = 16;

export interface TimerTickResult {
  fired: number;
  /** Wall-clock lateness of each fired timer: fired minus due (`dueMs`), in ms. */
  latenessMs: number[];
  failed: number;
}

/** What a timer is, without where it is stored (`putTimer` derives those again). */
function timerFields(t: TimerItem): Omit<TimerItem, 'minute' | 'id' | 'dueMs'> {
  const { minute: _m, id: _i, dueMs: _d, ...fields } = t;
  return fields;
}

/** Due timers by user, each user's in due order (`id` starts with the due time). */
function groupByUser(due: readonly TimerItem[]): Map<string, TimerItem[]> {
  const byUser = new Map<string, TimerItem[]>();
  for (const t of [...due].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    let list = byUser.get(t.userId);
    if (!list) byUser.set(t.userId, (list = []));
    list.push(t);
  }
  return byUser;
}

/**
 * Fires one due timer; the caller deletes it afterwards (in a batch). A timer of an ENDED or deleted campaign only
 * goes; a paused campaign's moves to the next minute, due time unchanged, so it fires once the campaign resumes,
 * after the events its enrollment held meanwhile.
 */
async function fire(ctx: EngineContext, t: TimerItem, view: ProfileView): Promise<void> {
  const campaign = await ctx.campaigns.campaign(t.campaignId);
  if (campaign?.status === 'PAUSED') {
    await putTimer(ctx.tables.timers, timerFields(t), t.id.slice(t.id.indexOf('#') + 1), ctx.now() + MINUTE_MS);
    return;
  }
  if (campaign?.status !== 'ACTIVE') return;
  const stored = await getEnrollment(ctx.tables.enrollments, t.userId, t.enrollmentId);
  // What the enrollment held during a pause comes first: an exit sent then must stop a queued send now.
  const e = stored && (await releaseHeld(ctx, stored, view));
  if (e && t.kind === 'STEP') await advanceEnrollment(ctx, e, { timer: { node: t.node, visit: t.visit, at: t.at } }, view);
  if (e && t.kind === 'QUEUED_SEND') await sendQueued(ctx, t, e, view);
}

/**
 * A message held by quiet hours, at the end of the window: every guard runs again (the user may have withdrawn
 * consent or reached a cap meanwhile), and the outbox item moves from QUEUED to the new outcome.
 */
async function sendQueued(ctx: EngineContext, t: TimerItem, e: StoredEnrollment, view: ProfileView) {
  const item = t.outboxId ? await getOutcome(ctx.tables.outbox, t.userId, t.outboxId) : null;
  if (!item || item.status !== 'QUEUED') return;
  const version = await ctx.campaigns.version(e.campaignId, e.version);
  if (!version) return;
  const send: Pick<SendEffect, 'purpose' | 'subject' | 'body'> = { purpose: item.purpose as SendEffect['purpose'], body: item.body ?? '', ...(item.subject !== undefined ? { subject: item.subject } : {}) };
  const settings = await ctx.settings();
  const counts = await capCounts(ctx.tables.outbox, version.journey, settings, { userId: t.userId, campaignId: e.campaignId, asOf: t.at });
  let outcome: GuardOutcome = guardSend({ journey: version.journey, enrollment: e.state, send, view, asOf: t.at, counts, settings });
  if (outcome.status === 'SENT' && deliversOutside(ctx, item.channel)) {
    await deliverOnce(ctx, ctx.tables.outbox, item, () => deliverMessage(ctx, item, settings, view.profile.identities));
    return;
  }
  if (outcome.status === 'SENT') outcome = { ...outcome, ...(await deliverMessage(ctx, item, settings, view.profile.identities)) };
  const moved = await moveOutcome(ctx.tables.outbox, item, 'QUEUED', { ...outcome, updatedAt: new Date(ctx.now()).toISOString() });
  if (moved && outcome.status === 'QUEUED') {
    await putTimer(ctx.tables.timers, { ...timerFields(t), at: outcome.notBefore! }, `${item.idempotencyKey}#${outcome.notBefore}`, ctx.now());
  }
}

/**
 * One tick of the timer scheduler (EventBridge each minute on AWS, each second locally): fires every timer due by
 * now, from the oldest minute partition that may hold one. Firing is idempotent (a stale or repeated timer changes
 * nothing, core/journeys/step.ts), so a tick that fails half way is simply repeated. Ticks must not overlap.
 *
 * @example
 * const { fired, latenessMs } = await fireDueTimers(ctx);
 */
export async function fireDueTimers(ctx: EngineContext): Promise<TimerTickResult> {
  const nowMs = ctx.now();
  const current = minuteOf(nowMs);
  const saved = await getJob(ctx.tables.jobs, WATERMARK_JOB, { consistentRead: true });
  const from = typeof saved?.minute === 'string' ? saved.minute : minuteOf(nowMs - FIRST_LOOKBACK_MINUTES * MINUTE_MS);
  const result: TimerTickResult = { fired: 0, latenessMs: [], failed: 0 };
  let clean = true;
  let doneThrough: string | null = null;
  for (let m = Date.parse(`${from}:00Z`); minuteOf(m) <= current; m += MINUTE_MS) {
    const minute = minuteOf(m);
    const due = await dueTimers(ctx.tables.timers, minute, nowMs);
    const views = due.length ? await profileViews(ctx.tables.profiles, [...new Set(due.map((t) => t.userId))]) : new Map();
    // One user's timers run in due order, one at a time: queued sends re-count the user's frequency caps, and two
    // at once would both see room for one more.
    const fired: TimerItem[] = [];
    await forEachLimit([...groupByUser(due)], TIMER_CONCURRENCY, async ([userId, timers]) => {
      for (const t of timers) {
        try {
          await fire(ctx, t, views.get(userId)!);
          fired.push(t);
          result.fired++;
          result.latenessMs.push(Math.max(0, ctx.now() - t.dueMs));
        } catch (err) {
          clean = false;
          result.failed++;
          ctx.onError?.(err, { timer: t.id, userId });
        }
      }
    });
    // A crash before this fires them again next tick, which changes nothing (each step is idempotent).
    await deleteTimers(ctx.tables.timers, fired);
    if (clean && m < nowMs - GRACE_MINUTES * MINUTE_MS) doneThrough = minuteOf(m + MINUTE_MS);
  }
  if (doneThrough && doneThrough !== from) await putJob(ctx.tables.jobs, { job: WATERMARK_JOB, minute: doneThrough });
  return result;
}
