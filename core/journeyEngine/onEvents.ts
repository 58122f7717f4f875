import type { KinesisStreamRecord } from 'aws-lambda';
import type { ProfileView } from '../journeys/conditions.js';
import { matchesTrigger } from '../journeys/enroll.js';
import { forEachLimit } from '../platform/forEachLimit.js';
import { alreadyApplied, foldEvent } from '../profile/fold.js';
import { decodeAll } from '../tagging/decode.js';
import { route, type Group } from '../tagging/route.js';
import { advanceEnrollment, enroll, holdEvent, type EngineContext } from './advance.js';
import { profileViewsWhen } from './profileView.js';
import type { Campaign } from './store/campaigns.js';
import { enrollmentsOfUser, type StoredEnrollment } from './store/enrollments.js';

/** What one batch did. */
export interface JourneyBatchResult {
  /** Sequence numbers of records that failed (poison, or their user's processing threw). */
  failed: string[];
  enrolled: number;
  /** Enrollments that took a step. */
  stepped: number;
  /** Kinesis arrival times (ms) of the records whose events enrolled someone: trigger-to-enrollment latency. */
  enrolledArrivals: number[];
}

/**
 * Whether the stored profile already holds every record of the group: at or below the tagger's per-shard watermark,
 * or an event id it has seen. A client resend is skipped by id and does not move the watermark, so a group that
 * ends with one is caught up by its ids.
 */
function caughtUp(view: ProfileView, group: Group): boolean {
  return group.items.every(({ event, position }) => alreadyApplied(view.profile, event, position));
}

/**
 * The batch's profiles once the tagger has applied the batch's records to them, so a step sees the profile as of
 * its event, earlier requests included (consent granted a moment before the trigger). The two functions read the
 * same stream side by side and the tagger is usually a few tens of milliseconds ahead; the wait is bounded, and a
 * profile still behind after it has the batch's own events folded in by the caller.
 */
function viewsAfterTagger(ctx: EngineContext, groups: readonly Group[]): Promise<Map<string, ProfileView>> {
  const byUser = new Map(groups.map((g) => [g.userId, g]));
  return profileViewsWhen(ctx.tables.profiles, [...byUser.keys()], (id, view) => caughtUp(view, byUser.get(id)!), ctx.now);
}

/** Users processed at once; each is a chain of reads and writes on its own enrollments. */
const USER_CONCURRENCY = 16;

/**
 * Campaigns whose enrollments move and whose triggers enroll: ACTIVE only. A paused one enrolls nobody and its
 * enrollments hold the events that would step them until it resumes; an ended one is done.
 */
const isActive = (c: Campaign | undefined): c is Campaign => c?.status === 'ACTIVE';

async function processUser(
  ctx: EngineContext,
  group: Group,
  view: ProfileView,
  byId: ReadonlyMap<string, Campaign>,
  result: JourneyBatchResult,
): Promise<void> {
  const enrollments: StoredEnrollment[] = await enrollmentsOfUser(ctx.tables.enrollments, group.userId);
  const triggered = [...byId.values()].filter((c) => isActive(c) && c.journey.trigger.kind === 'EVENT');
  for (const { event, record, position } of group.items) {
    // The view as of this event: should the tagger still be behind (viewsAfterTagger), the batch's events are
    // folded into the stored profile here too. The fold skips what the tagger already applied.
    foldEvent(view.profile, event, position);
    if (event.type !== 'track') continue;
    // Existing enrollments first: the trigger event of a new one must not also step it.
    for (let i = 0; i < enrollments.length; i++) {
      const e = enrollments[i]!;
      const campaign = await ctx.campaigns.campaign(e.campaignId);
      if (campaign?.status === 'PAUSED') enrollments[i] = await holdEvent(ctx, e, event);
      if (!isActive(campaign)) continue;
      const after = await advanceEnrollment(ctx, e, { event }, view);
      if (after !== e && after.rev !== e.rev) result.stepped++;
      enrollments[i] = after;
    }
    for (const campaign of triggered) {
      if (!matchesTrigger(campaign.journey, { kind: 'EVENT', event }, view, event.timestamp)) continue;
      const r = await enroll(ctx, campaign, view, { causeId: event.eventId, asOf: event.timestamp, past: enrollments, seenEventId: event.eventId });
      if ('enrolled' in r) {
        enrollments.push(r.enrolled);
        result.enrolled++;
        result.enrolledArrivals.push(record.kinesis.approximateArrivalTimestamp * 1000);
      }
    }
  }
}

/**
 * The journeys function's use case on the `events` stream: routes each event to its canonical profile (the tagger's
 * identity rules, read-only here) and, for each track event, steps that user's enrollments in active campaigns
 * (goals, exit events, WAIT_FOR_EVENT), then enrolls them in the campaigns the event triggers. A user whose processing throws fails
 * all of their records; Lambda retries from the earliest, and every step and enrollment is idempotent.
 *
 * @example
 * const { failed } = await processJourneyEvents(ctx, event.Records);
 */
export async function processJourneyEvents(ctx: EngineContext, records: readonly KinesisStreamRecord[]): Promise<JourneyBatchResult> {
  const { decoded, failed } = decodeAll(records);
  const result: JourneyBatchResult = { failed, enrolled: 0, stepped: 0, enrolledArrivals: [] };
  const byId = await ctx.campaigns.byId();
  if (![...byId.values()].some((c) => c.status === 'ACTIVE' || c.status === 'PAUSED')) return result;
  if (!decoded.some((d) => d.event.type === 'track')) return result;
  const groups = await route(decoded, ctx.tables.identities);
  const views = await viewsAfterTagger(ctx, groups);
  await forEachLimit(groups, USER_CONCURRENCY, async (group) => {
    try {
      await processUser(ctx, group, views.get(group.userId)!, byId, result);
    } catch (err) {
      ctx.onError?.(err, { userId: group.userId });
      for (const item of group.items) result.failed.push(item.record.kinesis.sequenceNumber);
    }
  });
  return result;
}
