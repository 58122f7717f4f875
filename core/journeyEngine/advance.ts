import type { StoredEvent } from '../events/schema.js';
import type { ProfileView } from '../journeys/conditions.js';
import { canEnroll, enrollmentIdFor, inAudience, startEnrollment } from '../journeys/enroll.js';
import { HELD_EVENTS, reactsTo } from '../journeys/hold.js';
import { step } from '../journeys/step.js';
import type { Effect } from '../journeys/types.js';
import type { Campaign } from './store/campaigns.js';
import { getEnrollment, saveEnrollment, SEEN_EVENTS, type StoredEnrollment } from './store/enrollments.js';
import { applyEffects, type ApplyContext } from './applyEffects.js';
import type { CampaignCache } from './campaignCache.js';

/** Everything the engine's use cases share. */
export interface EngineContext extends ApplyContext {
  campaigns: CampaignCache;
  /** Told of a user whose processing failed (the handler logs it); the records are retried. */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
}

/** What makes an existing enrollment take a step: one of its user's events, or one of its timers. */
export type StepCause = { event: StoredEvent } | { timer: { node: string; visit: number; at: string } };

/** Conflicting writers (an event and a timer on one enrollment) retry this often before the batch is retried. */
const MAX_ATTEMPTS = 5;

/** Thrown when an enrollment kept changing under every attempt; the batch (or tick) is retried. */
export class EnrollmentContentionError extends Error {
  constructor(readonly enrollmentId: string) {
    super(`enrollment ${enrollmentId} changed concurrently ${MAX_ATTEMPTS} times`);
    this.name = 'EnrollmentContentionError';
  }
}

const withEffects = (effects: readonly Effect[], asOf: string) => effects.map((effect) => ({ effect, asOf }));

/**
 * Applies an enrollment's pending effects and clears them. Returns the enrollment as saved, or null when another
 * writer changed it meanwhile (it applied them too, or will: every effect is idempotent).
 */
async function flush(ctx: EngineContext, e: StoredEnrollment, view: ProfileView): Promise<StoredEnrollment | null> {
  if (e.pending.length === 0) return e;
  const version = await ctx.campaigns.version(e.campaignId, e.version);
  if (!version) throw new Error(`campaign ${e.campaignId} has no version ${e.version}`);
  await applyEffects(ctx, e, version, view, e.pending);
  const cleared: StoredEnrollment = { ...e, pending: [], rev: e.rev + 1 };
  return (await saveEnrollment(ctx.tables.enrollments, cleared)) ? cleared : null;
}

/**
 * Steps one enrollment for an event or a timer, exactly once: pending effects of an earlier step first, then the
 * step itself, saved together with its effects before they are applied (core/store/enrollments.ts). An event the
 * enrollment has already seen is skipped. Returns the enrollment as it now stands.
 *
 * @example
 * const now = await advanceEnrollment(ctx, stored, { event }, view);
 */
export async function advanceEnrollment(ctx: EngineContext, initial: StoredEnrollment, cause: StepCause, view: ProfileView): Promise<StoredEnrollment> {
  return stepOnce(ctx, await releaseHeld(ctx, initial, view), cause, view);
}

async function stepOnce(ctx: EngineContext, initial: StoredEnrollment, cause: StepCause, view: ProfileView): Promise<StoredEnrollment> {
  let e: StoredEnrollment | null = initial;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) e = await getEnrollment(ctx.tables.enrollments, initial.state.userId, initial.state.enrollmentId);
    if (!e) return initial;
    const flushed = await flush(ctx, e, view);
    if (!flushed) continue;
    e = flushed;
    const event = 'event' in cause ? cause.event : null;
    if (event && e.seen.includes(event.eventId)) return e;
    const version = await ctx.campaigns.version(e.campaignId, e.version);
    if (!version) return e;
    const asOf = 'event' in cause ? cause.event.timestamp : cause.timer.at;
    const allocations = await ctx.campaigns.allocations(version);
    const r = step({ version, state: e.state, view, asOf, allocations, ...('event' in cause ? { event: cause.event } : { timer: cause.timer }) });
    if (r.state === e.state && r.effects.length === 0) return e;
    const next: StoredEnrollment = {
      ...e,
      state: r.state,
      pending: withEffects(r.effects, asOf),
      seen: event ? [...e.seen, event.eventId].slice(-SEEN_EVENTS) : e.seen,
      rev: e.rev + 1,
    };
    if (!(await saveEnrollment(ctx.tables.enrollments, next))) continue;
    return (await flush(ctx, next, view)) ?? next;
  }
  throw new EnrollmentContentionError(initial.state.enrollmentId);
}

/**
 * Keeps an event for an enrollment of a paused campaign, if it would step it (core/journeys/hold.ts), so a goal
 * reached or an exit event sent during the pause still counts once the campaign resumes. Returns the enrollment as
 * it now stands.
 *
 * @example
 * if (campaign.status === 'PAUSED') enrollment = await holdEvent(ctx, enrollment, event);
 */
export async function holdEvent(ctx: EngineContext, initial: StoredEnrollment, event: StoredEvent): Promise<StoredEnrollment> {
  let e: StoredEnrollment | null = initial;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) e = await getEnrollment(ctx.tables.enrollments, initial.state.userId, initial.state.enrollmentId);
    if (!e) return initial;
    const held = e.held ?? [];
    if (held.length >= HELD_EVENTS || e.seen.includes(event.eventId) || held.some((h) => h.eventId === event.eventId)) return e;
    const version = await ctx.campaigns.version(e.campaignId, e.version);
    if (!version || !reactsTo(version.journey, e.state, event.event ?? '')) return e;
    const next: StoredEnrollment = { ...e, held: [...held, event], rev: e.rev + 1 };
    if (await saveEnrollment(ctx.tables.enrollments, next)) return next;
  }
  throw new EnrollmentContentionError(initial.state.enrollmentId);
}

/**
 * Steps the events an enrollment held while its campaign was paused, in event-time order, then forgets them. A
 * crash half way repeats nothing: the events stepped are in `seen`, and the next touch releases the rest.
 *
 * @example
 * const current = await releaseHeld(ctx, stored, view);
 */
export async function releaseHeld(ctx: EngineContext, initial: StoredEnrollment, view: ProfileView): Promise<StoredEnrollment> {
  let e: StoredEnrollment | null = initial;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) e = await getEnrollment(ctx.tables.enrollments, initial.state.userId, initial.state.enrollmentId);
    if (!e?.held?.length) return e ?? initial;
    const held = [...e.held].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    for (const event of held) e = await stepOnce(ctx, e, { event }, view);
    const released: StoredEnrollment = { ...e, held: [], rev: e.rev + 1 };
    if (await saveEnrollment(ctx.tables.enrollments, released)) return released;
  }
  throw new EnrollmentContentionError(initial.state.enrollmentId);
}

/** What a trigger did: the enrollment it made, or why it made none. */
export type EnrollOutcome = { enrolled: StoredEnrollment } | { skipped: string };

/**
 * Enrolls a user in a campaign for a trigger, once per cause: the enrollment id is fixed by the campaign, the user and
 * `causeId` (the trigger event's id, or the change's), and saved only if absent. A redelivered trigger finds its
 * enrollment and applies whatever of its first step is still pending. The audience and the re-entry rule decide.
 *
 * @example
 * const r = await enroll(ctx, campaign, view, { causeId: event.eventId, asOf: event.timestamp, past, seenEventId: event.eventId });
 */
export async function enroll(
  ctx: EngineContext,
  campaign: Campaign,
  view: ProfileView,
  cause: { causeId: string; asOf: string; past: readonly StoredEnrollment[]; seenEventId?: string },
): Promise<EnrollOutcome> {
  const userId = view.profile.userId;
  const enrollmentId = enrollmentIdFor(campaign.id, userId, cause.causeId);
  const existing = cause.past.find((p) => p.state.enrollmentId === enrollmentId);
  if (existing) {
    await flush(ctx, existing, view);
    return { skipped: 'already enrolled by this trigger' };
  }
  const version = await ctx.campaigns.version(campaign.id, campaign.version);
  if (!version) return { skipped: `version ${campaign.version} is missing` };
  if (!inAudience(version.journey, view, cause.asOf)) return { skipped: 'not in the audience' };
  const mine = cause.past.filter((p) => p.campaignId === campaign.id).map((p) => ({ status: p.state.status, enteredAt: p.state.enteredAt }));
  const allowed = canEnroll(version.journey.reentry, mine, cause.asOf);
  if (!allowed.ok) return { skipped: allowed.reason };
  const r = startEnrollment(version, enrollmentId, userId, view, cause.asOf, await ctx.campaigns.allocations(version));
  const stored: StoredEnrollment = {
    campaignId: campaign.id,
    version: campaign.version,
    state: r.state,
    rev: 1,
    pending: withEffects(r.effects, cause.asOf),
    seen: cause.seenEventId ? [cause.seenEventId] : [],
  };
  if (!(await saveEnrollment(ctx.tables.enrollments, stored))) {
    // Another attempt of this trigger saved it first: make sure its effects are applied.
    const saved = await getEnrollment(ctx.tables.enrollments, userId, enrollmentId);
    if (saved) await flush(ctx, saved, view);
    return { skipped: 'already enrolled by this trigger' };
  }
  return { enrolled: (await flush(ctx, stored, view)) ?? stored };
}
