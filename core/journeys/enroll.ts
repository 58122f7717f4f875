import type { StoredEvent } from '../events/schema.js';
import { fnv1a32 } from './assign.js';
import { evaluateCondition, type ProfileView } from './conditions.js';
import type { Journey, Reentry } from './schema.js';
import { step, type StepInput, type StepResult } from './step.js';
import type { EnrollmentState, JourneyVersion } from './types.js';

/** What may start an enrollment: an event, a segment or tag change from the `changes` stream, or a schedule tick. */
export type TriggerSignal =
  | { kind: 'EVENT'; event: StoredEvent }
  | { kind: 'SEGMENT_ENTERED' | 'SEGMENT_EXITED'; segment: string }
  | { kind: 'TAG_ADDED'; tag: string }
  | { kind: 'SCHEDULE' };

/**
 * Whether a signal fires a journey's trigger for this profile (event name and trigger condition, the segment or tag
 * named, or, for a schedule tick, current membership of the segment). The audience is separate: {@link inAudience}.
 *
 * @example
 * matchesTrigger(journey, { kind: 'EVENT', event }, { profile }, event.timestamp) // true for a payment_failed >= 100
 */
export function matchesTrigger(journey: Journey, signal: TriggerSignal, view: ProfileView, asOf: string): boolean {
  const t = journey.trigger;
  switch (t.kind) {
    case 'EVENT':
      return (
        signal.kind === 'EVENT' &&
        signal.event.type === 'track' &&
        signal.event.event === t.event &&
        (!t.condition || evaluateCondition(t.condition, view, asOf, signal.event))
      );
    case 'SEGMENT_ENTERED':
    case 'SEGMENT_EXITED':
      return signal.kind === t.kind && signal.segment === t.segment;
    case 'TAG_ADDED':
      return signal.kind === 'TAG_ADDED' && signal.tag === t.tag;
    case 'SCHEDULE':
      return signal.kind === 'SCHEDULE' && Object.hasOwn(view.profile.segments, t.segment);
  }
}

/**
 * Whether the profile is in the journey's audience at `asOf` (no audience: everyone). Checked at entry, and again by
 * the guards before every send.
 */
export function inAudience(journey: Journey, view: ProfileView, asOf: string): boolean {
  return !journey.audience || evaluateCondition(journey.audience, view, asOf);
}

/** A user's earlier enrollments in the campaign (any version), as re-entry needs them. */
export interface PastEnrollment {
  status: EnrollmentState['status'];
  enteredAt: string;
}

/**
 * The re-entry rule: `ONCE` (default) never again; `AFTER_EXIT` only with no enrollment active; `ALWAYS` even while
 * one is. Both of the latter wait `minIntervalHours` since the latest entry.
 *
 * @example
 * canEnroll({ mode: 'AFTER_EXIT', minIntervalHours: 24 }, [{ status: 'COMPLETED', enteredAt: '2024-05-01T00:00:00Z' }], '2024-05-01T12:00:00Z')
 * // { ok: false, reason: 'entered 12h ago; re-entry waits 24h' }
 */
export function canEnroll(reentry: Reentry | undefined, past: readonly PastEnrollment[], asOf: string): { ok: true } | { ok: false; reason: string } {
  if (past.length === 0) return { ok: true };
  const mode = reentry?.mode ?? 'ONCE';
  if (mode === 'ONCE') return { ok: false, reason: 'already enrolled once' };
  if (mode === 'AFTER_EXIT' && past.some((p) => p.status === 'ACTIVE')) return { ok: false, reason: 'an enrollment is still active' };
  const latest = Math.max(...past.map((p) => Date.parse(p.enteredAt)));
  const hours = (Date.parse(asOf) - latest) / 3_600_000;
  const min = reentry?.minIntervalHours ?? 0;
  if (hours < min) return { ok: false, reason: `entered ${Math.floor(hours)}h ago; re-entry waits ${min}h` };
  return { ok: true };
}

/**
 * A deterministic enrollment id from the campaign, the user and the cause (the trigger event id, or the change's
 * id): a redelivered trigger yields the same id, so a conditional put enrolls once.
 *
 * @example
 * enrollmentIdFor('c1', 'u-1', 'evt-9') // 'e-0k2j3h1x9zq7b' (say), always the same
 */
export function enrollmentIdFor(campaignId: string, userId: string, cause: string): string {
  const text = `${campaignId}\u0000${userId}\u0000${cause}`;
  return `e-${fnv1a32(text).toString(36)}${fnv1a32(`${text}\u0000`).toString(36)}`;
}

/** A new enrollment about to run the journey's start node. */
export function newEnrollment(journey: Journey, enrollmentId: string, userId: string, asOf: string): EnrollmentState {
  return { enrollmentId, userId, status: 'ACTIVE', node: journey.start, path: [], enteredAt: asOf, visits: {} };
}

/**
 * Enrolls a user and runs the journey up to its first wait. The trigger event is not passed on: it caused the entry
 * and must not also exit it or satisfy a WAIT_FOR_EVENT.
 *
 * @example
 * const { state, effects } = startEnrollment(version, enrollmentIdFor(c.id, userId, event.eventId), userId, { profile }, event.timestamp);
 */
export function startEnrollment(
  version: JourneyVersion,
  enrollmentId: string,
  userId: string,
  view: ProfileView,
  asOf: string,
  allocations?: StepInput['allocations'],
): StepResult {
  return step({ version, state: newEnrollment(version.journey, enrollmentId, userId, asOf), view, asOf, allocations });
}
