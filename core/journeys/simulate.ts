import type { ProfileView } from './conditions.js';
import { inAudience, startEnrollment } from './enroll.js';
import { evaluateGuards, guardAction, type GuardSettings, type SentCounts } from './guards.js';
import type { Journey } from './schema.js';
import type { Effect } from './types.js';

/** One guard's verdict as a simulation shows it. */
export interface GuardVerdict {
  guard: string;
  pass: boolean;
  detail: string;
}

/** One effect a journey would produce, with the verdicts of the guards that would stand before it. */
export interface SimulatedStep {
  node: string;
  kind: Effect['kind'];
  summary: string;
  guards: GuardVerdict[];
}

export interface Simulation {
  inAudience: boolean;
  path: string[];
  /** WAITING (parked at a wait), COMPLETED, EXITED or FAILED. */
  outcome: 'WAITING' | 'COMPLETED' | 'EXITED' | 'FAILED';
  steps: SimulatedStep[];
}

function summarize(e: Effect): string {
  switch (e.kind) {
    case 'SEND':
      return `${e.channel} (${e.purpose}): ${e.subject ? `${e.subject} — ` : ''}${e.body}`;
    case 'ACTION':
      return e.couponCode ? `${e.action} ${e.couponCode}` : `${e.action} ${JSON.stringify(e.params)}`;
    case 'SET_TIMER':
      return `wait until ${e.at}`;
    case 'EXPOSURE':
      return `split ${e.experiment}: ${e.variant} (bucket ${e.bucket.toFixed(4)})`;
    case 'EXIT':
      return e.detail ? `${e.reason}: ${e.detail}` : e.reason;
    case 'GOAL':
      return `goal ${e.event}`;
  }
}

/**
 * The path one profile would take through a journey if it entered at `asOf`, up to the first wait, and what each
 * guard would say of each send and action: the same interpreter and guards as the engine, with nothing stored or
 * sent. `counts` are the user's messages already sent (frequency caps).
 *
 * @example
 * const sim = simulateJourney(journey, { profile }, now, counts, { defaultTimeZone: 'UTC' });
 * sim.steps.find((s) => s.kind === 'SEND')?.guards // [{ guard: 'AUDIENCE', pass: true, ... }, ...]
 */
export function simulateJourney(journey: Journey, view: ProfileView, asOf: string, counts: SentCounts, settings: GuardSettings): Simulation {
  const version = { campaignId: 'simulation', version: 0, journey };
  const { state, effects } = startEnrollment(version, 'simulation', view.profile.userId, view, asOf);
  const steps = effects.map((e): SimulatedStep => {
    let guards: GuardVerdict[] = [];
    if (e.kind === 'SEND') {
      guards = evaluateGuards({ journey, enrollment: state, send: e, view, asOf, counts, settings }).map((c) => ({
        guard: c.guard,
        pass: c.pass,
        detail: c.outcome.detail,
      }));
    } else if (e.kind === 'ACTION') {
      const o = guardAction(e, view);
      guards = [{ guard: 'ABUSE', pass: o.status === 'SENT', detail: o.detail }];
    }
    return { node: e.node, kind: e.kind, summary: summarize(e), guards };
  });
  return {
    inAudience: inAudience(journey, view, asOf),
    path: state.path,
    outcome: state.status === 'ACTIVE' ? 'WAITING' : state.status,
    steps,
  };
}
