import type { KinesisStreamRecord } from 'aws-lambda';
import { decodeChangeRecord } from '../changes/record.js';
import type { ProfileChange } from '../changes/types.js';
import { matchesTrigger, type TriggerSignal } from '../journeys/enroll.js';
import { forEachLimit } from '../platform/forEachLimit.js';
import { enrollmentsOfUser } from './store/enrollments.js';
import { enroll, type EngineContext } from './advance.js';
import type { JourneyBatchResult } from './onEvents.js';
import type { ProfileView } from '../journeys/conditions.js';
import { profileViewsWhen } from './profileView.js';

/** Whether a profile already holds what a change says (the tag it gained, the segment it entered or left). */
function shows(view: ProfileView, c: ProfileChange): boolean {
  switch (c.kind) {
    case 'tag_added':
      return Object.hasOwn(view.profile.tags, c.subject) || (view.externalTags ?? []).includes(c.subject);
    case 'segment_entered':
      return Object.hasOwn(view.profile.segments, c.subject);
    case 'segment_exited':
      return !Object.hasOwn(view.profile.segments, c.subject);
    default:
      return true;
  }
}

/** The trigger signal of a change, if it is one that journeys can start on. */
function signalOf(c: ProfileChange): TriggerSignal | null {
  switch (c.kind) {
    case 'segment_entered':
      return { kind: 'SEGMENT_ENTERED', segment: c.subject };
    case 'segment_exited':
      return { kind: 'SEGMENT_EXITED', segment: c.subject };
    case 'tag_added':
      return { kind: 'TAG_ADDED', tag: c.subject };
    default:
      return null;
  }
}

/**
 * The journey function's use case on the `changes` stream: segment entries and exits and tag additions enroll users
 * in the active campaigns they trigger. The cause of an enrollment is the change itself (kind, subject, event time),
 * so a redelivered record enrolls no one twice.
 *
 * @example
 * const { failed } = await processJourneyChanges(ctx, event.Records);
 */
export async function processJourneyChanges(ctx: EngineContext, records: readonly KinesisStreamRecord[]): Promise<JourneyBatchResult> {
  const result: JourneyBatchResult = { failed: [], enrolled: 0, stepped: 0, enrolledArrivals: [] };
  const campaigns = [...(await ctx.campaigns.byId()).values()].filter(
    (c) => c.status === 'ACTIVE' && ['SEGMENT_ENTERED', 'SEGMENT_EXITED', 'TAG_ADDED'].includes(c.journey.trigger.kind),
  );
  const byUser = new Map<string, Array<{ change: ProfileChange; signal: TriggerSignal; record: KinesisStreamRecord }>>();
  for (const record of records) {
    const changes = decodeChangeRecord(Buffer.from(record.kinesis.data, 'base64'));
    if (!changes) {
      result.failed.push(record.kinesis.sequenceNumber);
      continue;
    }
    if (campaigns.length === 0) continue;
    for (const change of changes) {
      const signal = signalOf(change);
      if (!signal) continue;
      let list = byUser.get(change.userId);
      if (!list) byUser.set(change.userId, (list = []));
      list.push({ change, signal, record });
    }
  }
  if (byUser.size === 0) return result;
  // The tagger publishes a change before it saves the profile that holds it: read each profile once it shows its
  // users' changes (a new user's consent, given in the same batch, is on that profile too).
  const views = await profileViewsWhen(ctx.tables.profiles, [...byUser.keys()], (id, view) => byUser.get(id)!.every(({ change }) => shows(view, change)), ctx.now);
  await forEachLimit([...byUser], 16, async ([userId, items]) => {
    try {
      const view = views.get(userId)!;
      let past = await enrollmentsOfUser(ctx.tables.enrollments, userId);
      for (const { change, signal, record } of items) {
        for (const campaign of campaigns) {
          if (!matchesTrigger(campaign.journey, signal, view, change.at)) continue;
          const r = await enroll(ctx, campaign, view, { causeId: `${change.kind}:${change.subject}:${change.at}`, asOf: change.at, past });
          if ('enrolled' in r) {
            past = [...past, r.enrolled];
            result.enrolled++;
            result.enrolledArrivals.push(record.kinesis.approximateArrivalTimestamp * 1000);
          }
        }
      }
    } catch (err) {
      ctx.onError?.(err, { userId });
      for (const { record } of items) result.failed.push(record.kinesis.sequenceNumber);
    }
  });
  return result;
}
