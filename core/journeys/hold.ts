import type { Journey } from './schema.js';
import type { EnrollmentState } from './types.js';

/**
 * Events a paused campaign's enrollment keeps until the campaign resumes: the first ones (the first exit or goal
 * is the one that counts), so the enrollment item stays small whatever the pause lasts.
 */
export const HELD_EVENTS = 20;

/**
 * Whether an event of this name would change the enrollment: its goal (not yet reached, ended or not: a holdout's
 * conversions count), or, while it is active, an exit event or the event a WAIT_FOR_EVENT of the journey waits for.
 * A paused campaign holds these and lets every other event go, which would have stepped nothing.
 *
 * @example
 * reactsTo(journey, enrollment, 'order_completed') // true: the goal
 */
export function reactsTo(journey: Journey, state: EnrollmentState, name: string): boolean {
  if (journey.goal?.event === name && !state.convertedAt) return true;
  if (state.status !== 'ACTIVE') return false;
  if (journey.exitOn?.includes(name)) return true;
  return Object.values(journey.nodes).some((n) => n.type === 'WAIT_FOR_EVENT' && n.event === name);
}
