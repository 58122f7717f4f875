import type { ActionKind, Channel, Journey, Purpose } from './schema.js';

/** Why an enrollment ended. */
export type EndReason = 'COMPLETED' | 'EXIT_EVENT' | 'HOLDOUT' | 'ERROR';

/**
 * One user's progress through one journey version. Stored by the engine, advanced only by `step`.
 *
 * An ACTIVE enrollment is either about to run `node` (`waitingUntil` absent) or parked at a WAIT or WAIT_FOR_EVENT
 * until `waitingUntil`: nothing else is ever persisted, because every other node runs immediately.
 */
export interface EnrollmentState {
  enrollmentId: string;
  userId: string;
  status: 'ACTIVE' | 'COMPLETED' | 'EXITED' | 'FAILED';
  /** The node it is at (or ended at). */
  node: string;
  /** Node ids in the order visited (most recent {@link MAX_PATH} kept). */
  path: string[];
  enteredAt: string;
  waitingUntil?: string;
  /** Times each node was entered; the visit number goes into effect keys. */
  visits: Record<string, number>;
  /** The last coupon this enrollment issued, for `{{coupon.code}}`. */
  couponCode?: string;
  endedAt?: string;
  endReason?: EndReason;
  /** When the goal event arrived within the goal window. */
  convertedAt?: string;
}

/** Most path entries kept on an enrollment. */
export const MAX_PATH = 100;

/** One published journey version: what an enrollment runs, and the seed of its splits. */
export interface JourneyVersion {
  campaignId: string;
  version: number;
  journey: Journey;
  /** Seed of RANDOM and HOLDOUT assignment; defaults to the campaign id, so all versions split alike. */
  seed?: string;
}

interface EffectBase {
  /** Idempotency key; unique together with `kind`. */
  key: string;
  node: string;
}

/** A message to guard and deliver. */
export interface SendEffect extends EffectBase {
  kind: 'SEND';
  channel: Channel;
  purpose: Purpose;
  subject?: string;
  body: string;
}

/** An action to guard (ISSUE_COUPON's abuse check) and perform. */
export interface ActionEffect extends EffectBase {
  kind: 'ACTION';
  action: ActionKind;
  params: Record<string, unknown>;
  /** ISSUE_COUPON only: the idempotent code. */
  couponCode?: string;
}

/** A durable timer that calls `step` again at `at` with `timer: { node, visit }`. */
export interface TimerEffect extends EffectBase {
  kind: 'SET_TIMER';
  at: string;
  visit: number;
}

/** A split assignment, for experiment analysis. `variant` is the branch index, or `holdout` / `treatment`. */
export interface ExposureEffect extends EffectBase {
  kind: 'EXPOSURE';
  experiment: string;
  variant: number | 'holdout' | 'treatment';
  bucket: number;
}

/** The enrollment ended. */
export interface ExitEffect extends EffectBase {
  kind: 'EXIT';
  reason: EndReason;
  detail?: string;
}

/** The goal event arrived within the goal window (counted once per enrollment). */
export interface GoalEffect extends EffectBase {
  kind: 'GOAL';
  event: string;
  eventId: string;
  revenue?: number;
}

export type Effect = SendEffect | ActionEffect | TimerEffect | ExposureEffect | ExitEffect | GoalEffect;
