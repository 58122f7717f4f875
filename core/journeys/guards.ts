import { findBannedTerms } from './compliance.js';
import { evaluateCondition, type ProfileView } from './conditions.js';
import { isTimeZone, quietHoursEnd } from './quietHours.js';
import type { Journey } from './schema.js';
import type { ActionEffect, EnrollmentState, SendEffect } from './types.js';

/**
 * The guards every send passes, in the documented order (docs/architecture.md, "Contracts"):
 * 1. exit rules and the audience, 2. consent for the purpose, 3. frequency caps, 4. quiet hours, 5. marketing-content
 * compliance. The first guard that objects decides the outcome, so a message failing several reports the earliest.
 * The order puts the cheapest and most decisive checks first, and makes QUEUED sends re-run every guard when the
 * quiet window ends (a queued message may still be capped or blocked then).
 */
export const GUARD_ORDER = ['AUDIENCE', 'CONSENT', 'FREQUENCY_CAP', 'QUIET_HOURS', 'COMPLIANCE'] as const;
export type GuardName = (typeof GUARD_ORDER)[number];

/** Outbox message statuses. */
export type MessageStatus = 'SENT' | 'SUPPRESSED' | 'QUEUED' | 'FAILED';
/** Why a message was not sent now (DELIVERY: the channel failed, after its retries). */
export type MessageReason = 'CONSENT' | 'FREQUENCY_CAP' | 'QUIET_HOURS' | 'COMPLIANCE' | 'HOLDOUT' | 'AUDIENCE' | 'ABUSE' | 'DELIVERY' | 'NO_ADDRESS';

/** What the guards decided; `SENT` means "deliver now". Recorded in the outbox with the message. */
export interface GuardOutcome {
  status: MessageStatus;
  reason?: MessageReason;
  detail: string;
  /** QUEUED: when to run the guards again (the end of the quiet window). */
  notBefore?: string;
  /** COMPLIANCE: the banned term found. */
  term?: string;
}

/** Messages already SENT to the user, over the caller's rolling day (24 h) and week (7 days) before `asOf`. */
export interface SentCounts {
  campaignDay: number;
  campaignWeek: number;
  allDay: number;
  allWeek: number;
}

/** Stage and operator settings the guards read. */
export interface GuardSettings {
  /** IANA zone for users without a valid `timezone` trait. */
  defaultTimeZone: string;
  /** Caps across all campaigns (per campaign caps are the journey's `limits`). */
  globalLimits?: { perUserPerDay?: number; perUserPerWeek?: number };
  /** The operator's additions to the compliance lexicon. */
  extraTerms?: readonly string[];
}

/** Everything one send's guards read. Pure data: the caller loads the counts. */
export interface SendGuardInput {
  journey: Journey;
  enrollment: Pick<EnrollmentState, 'enteredAt'>;
  send: Pick<SendEffect, 'purpose' | 'subject' | 'body'>;
  view: ProfileView;
  /** When the send is due (event time). */
  asOf: string;
  counts: SentCounts;
  settings: GuardSettings;
}

/** One guard's verdict; `pass` means it has no objection. */
export interface GuardCheck {
  guard: GuardName;
  pass: boolean;
  outcome: GuardOutcome;
}

const pass = (detail: string): GuardOutcome => ({ status: 'SENT', detail });

function audienceGuard(i: SendGuardInput): GuardOutcome {
  const entered = Date.parse(i.enrollment.enteredAt);
  const asOf = Date.parse(i.asOf);
  for (const name of i.journey.exitOn ?? []) {
    const last = i.view.profile.lastAt[name];
    const at = last === undefined ? NaN : Date.parse(last);
    if (at > entered && at <= asOf) return { status: 'SUPPRESSED', reason: 'AUDIENCE', detail: `exit event ${name} at ${last}` };
  }
  if (i.journey.audience && !evaluateCondition(i.journey.audience, i.view, i.asOf)) {
    return { status: 'SUPPRESSED', reason: 'AUDIENCE', detail: `no longer in the audience: ${i.journey.audience}` };
  }
  return pass('in the audience, no exit event');
}

function consentGuard(i: SendGuardInput): GuardOutcome {
  if (i.send.purpose === 'transactional') return pass('transactional: no marketing consent needed');
  return i.view.profile.consent.marketing === true
    ? pass('consent.marketing is true')
    : { status: 'SUPPRESSED', reason: 'CONSENT', detail: 'marketing needs consent.marketing === true' };
}

function capGuard(i: SendGuardInput): GuardOutcome {
  const own = i.journey.limits ?? {};
  const all = i.settings.globalLimits ?? {};
  const caps: Array<[number | undefined, number, string]> = [
    [own.perUserPerDay, i.counts.campaignDay, 'this campaign per day'],
    [own.perUserPerWeek, i.counts.campaignWeek, 'this campaign per week'],
    [all.perUserPerDay, i.counts.allDay, 'all campaigns per day'],
    [all.perUserPerWeek, i.counts.allWeek, 'all campaigns per week'],
  ];
  for (const [cap, sent, what] of caps) {
    if (cap !== undefined && sent >= cap) return { status: 'SUPPRESSED', reason: 'FREQUENCY_CAP', detail: `${sent} sent, cap ${cap} (${what})` };
  }
  return pass('under every frequency cap');
}

function quietGuard(i: SendGuardInput): GuardOutcome {
  const window = i.journey.limits?.quietHours;
  if (!window) return pass('no quiet hours');
  const trait = i.view.profile.traits.timezone;
  const zone = isTimeZone(trait) ? trait : i.settings.defaultTimeZone;
  const until = quietHoursEnd(i.asOf, window, zone);
  return until
    ? { status: 'QUEUED', reason: 'QUIET_HOURS', detail: `quiet hours ${window.start}–${window.end} in ${zone}`, notBefore: until }
    : pass(`outside quiet hours in ${zone}`);
}

function complianceGuard(i: SendGuardInput): GuardOutcome {
  if (i.send.purpose !== 'marketing') return pass('transactional: not marketing content');
  const text = `${i.send.subject ?? ''}\n${i.send.body}`;
  const [first, ...rest] = findBannedTerms(text, i.settings.extraTerms);
  if (!first) return pass('no banned terms');
  const others = rest.length ? ` (and ${[...new Set(rest.map((m) => m.term))].join(', ')})` : '';
  return { status: 'SUPPRESSED', reason: 'COMPLIANCE', detail: `banned term '${first.term}' (${first.category})${others}`, term: first.term };
}

const GUARDS: Record<GuardName, (i: SendGuardInput) => GuardOutcome> = {
  AUDIENCE: audienceGuard,
  CONSENT: consentGuard,
  FREQUENCY_CAP: capGuard,
  QUIET_HOURS: quietGuard,
  COMPLIANCE: complianceGuard,
};

/**
 * Every guard's verdict, in order, without stopping at the first objection: what `simulateJourney` shows.
 *
 * @example
 * evaluateGuards(input).map((c) => `${c.guard}: ${c.pass ? 'ok' : c.outcome.reason}`)
 */
export function evaluateGuards(input: SendGuardInput): GuardCheck[] {
  return GUARD_ORDER.map((guard) => {
    const outcome = GUARDS[guard](input);
    return { guard, pass: outcome.status === 'SENT', outcome };
  });
}

/**
 * The outcome of one send: the first guard in {@link GUARD_ORDER} that objects, or SENT.
 *
 * @example
 * guardSend({ journey, enrollment, send, view: { profile }, asOf, counts, settings: { defaultTimeZone: 'Asia/Shanghai' } })
 * // { status: 'QUEUED', reason: 'QUIET_HOURS', notBefore: '2024-05-02T00:00:00.000Z', detail: '...' }
 */
export function guardSend(input: SendGuardInput): GuardOutcome {
  for (const guard of GUARD_ORDER) {
    const outcome = GUARDS[guard](input);
    if (outcome.status !== 'SENT') return outcome;
  }
  return pass('all guards passed');
}

/** The tag of users the abuse rule flags for coupon farming (薅羊毛). */
export const COUPON_ABUSER_TAG = 'coupon_abuser';

/**
 * The guard before an action: ISSUE_COUPON skips users tagged `coupon_abuser` unless its params say `allowAbusers`.
 * Other actions pass.
 *
 * @example
 * guardAction(effect, { profile }) // { status: 'SUPPRESSED', reason: 'ABUSE', detail: "tagged coupon_abuser ..." }
 */
export function guardAction(action: Pick<ActionEffect, 'action' | 'params'>, view: ProfileView): GuardOutcome {
  if (action.action !== 'ISSUE_COUPON' || action.params.allowAbusers === true) return pass('no abuse check for this action');
  const tagged = Object.hasOwn(view.profile.tags, COUPON_ABUSER_TAG) || (view.externalTags ?? []).includes(COUPON_ABUSER_TAG);
  return tagged
    ? { status: 'SUPPRESSED', reason: 'ABUSE', detail: `tagged ${COUPON_ABUSER_TAG}: coupon skipped (set params.allowAbusers to override)` }
    : pass(`not tagged ${COUPON_ABUSER_TAG}`);
}
