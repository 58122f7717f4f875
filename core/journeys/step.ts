import type { StoredEvent } from '../events/schema.js';
import { hashUnit, pickBranch, splitSeed } from './assign.js';
import { evaluateCondition, type ProfileView } from './conditions.js';
import { addDuration } from './duration.js';
import { couponCode, effectKey, goalKey } from './keys.js';
import type { JourneyNode } from './schema.js';
import { renderTemplate } from './templating.js';
import { MAX_PATH, type Effect, type EndReason, type EnrollmentState, type JourneyVersion } from './types.js';

/** Most immediate nodes one step runs; the validator rejects cycles without a wait, this is the safety net. */
export const MAX_IMMEDIATE_STEPS = 256;
const DAY_MS = 86_400_000;

/** What one step of an enrollment sees. */
export interface StepInput {
  version: JourneyVersion;
  state: EnrollmentState;
  /** The user's profile (and external tags) as the tagger's rule context reads it. */
  view: ProfileView;
  /** Event time of what caused this step: the event's timestamp, or the timer's due time. */
  asOf: string;
  /** The incoming event, if a track/identify event caused this step. */
  event?: StoredEvent | null;
  /** The timer that caused this step, as its SET_TIMER effect named it; a stale timer changes nothing. */
  timer?: { node: string; visit: number };
  /** Current weights per RANDOM node with `allocation: "THOMPSON"` (from the bandit); percents otherwise. */
  allocations?: Readonly<Record<string, readonly number[]>>;
}

/** The next state and what to do, in order. Applying `effects` idempotently and saving `state` completes a step. */
export interface StepResult {
  state: EnrollmentState;
  effects: Effect[];
}

/**
 * Advances one enrollment, purely: applies the incoming event or timer (goal, exit events, the wait the enrollment
 * is parked at), then runs immediate nodes until a WAIT, a WAIT_FOR_EVENT or the end. The same input always gives
 * the same output, keys included, so redelivery and retries are absorbed by the effects' idempotency keys.
 *
 * Events older than the enrollment are ignored (a late event cannot exit or convert an enrollment it predates).
 *
 * @example
 * const { state, effects } = step({ version, state: enrollment, view: { profile }, asOf: event.timestamp, event });
 * // effects: [{ kind: 'SEND', key: 'c1:1:e1:welcome', ... }, { kind: 'SET_TIMER', at: '...', ... }]
 */
export function step(input: StepInput): StepResult {
  const { version, view, asOf } = input;
  const { journey, campaignId } = version;
  const asOfMs = Date.parse(asOf);
  const s: EnrollmentState = { ...input.state, path: [...input.state.path], visits: { ...input.state.visits } };
  const effects: Effect[] = [];
  const userId = s.userId;
  const key = (node: string) => effectKey(campaignId, version.version, s.enrollmentId, node, s.visits[node] ?? 1);
  const event = input.event && Date.parse(input.event.timestamp) >= Date.parse(s.enteredAt) ? input.event : null;
  const trackName = event?.type === 'track' ? (event.event ?? null) : null;

  const end = (status: EnrollmentState['status'], reason: EndReason, detail?: string): StepResult => {
    s.status = status;
    s.endReason = reason;
    s.endedAt = asOf;
    delete s.waitingUntil;
    effects.push({ kind: 'EXIT', key: key(s.node), node: s.node, reason, ...(detail ? { detail } : {}) });
    return { state: s, effects };
  };
  const unchanged = (): StepResult => ({ state: input.state, effects: [] });

  // The goal counts for ended enrollments too (a holdout's conversions are the comparison).
  if (trackName && journey.goal && trackName === journey.goal.event && !s.convertedAt) {
    if (asOfMs <= Date.parse(s.enteredAt) + journey.goal.withinDays * DAY_MS) {
      s.convertedAt = asOf;
      const revenue = event?.properties?.revenue;
      effects.push({
        kind: 'GOAL',
        key: goalKey(campaignId, version.version, s.enrollmentId),
        node: s.node,
        event: trackName,
        eventId: event!.eventId,
        ...(typeof revenue === 'number' ? { revenue } : {}),
      });
    }
  }
  if (s.status !== 'ACTIVE') return effects.length ? { state: s, effects } : unchanged();
  if (trackName && journey.exitOn?.includes(trackName)) return end('EXITED', 'EXIT_EVENT', `exit event ${trackName}`);
  if (input.timer && (input.timer.node !== s.node || input.timer.visit !== (s.visits[s.node] ?? 0) || s.waitingUntil === undefined)) {
    return effects.length ? { state: s, effects } : unchanged(); // stale timer
  }

  const nodes = journey.nodes;
  const moveTo = (next: string) => {
    s.node = next;
  };
  const condition = (source: string, withEvent: StoredEvent | null = null) => evaluateCondition(source, view, asOf, withEvent);

  try {
    // Resume a parked enrollment.
    if (s.waitingUntil !== undefined) {
      const node = nodes[s.node];
      const due = asOfMs >= Date.parse(s.waitingUntil);
      if (node?.type === 'WAIT') {
        if (!due) return effects.length ? { state: s, effects } : unchanged();
        moveTo(node.next);
      } else if (node?.type === 'WAIT_FOR_EVENT') {
        if (due) moveTo(node.onTimeout);
        else if (trackName === node.event && (!node.condition || condition(node.condition, event))) moveTo(node.onEvent);
        else return effects.length ? { state: s, effects } : unchanged();
      } else {
        return end('FAILED', 'ERROR', `parked at '${s.node}', which is not a wait in version ${version.version}`);
      }
      delete s.waitingUntil;
    }

    for (let steps = 0; ; steps++) {
      if (steps >= MAX_IMMEDIATE_STEPS) return end('FAILED', 'ERROR', `more than ${MAX_IMMEDIATE_STEPS} nodes without a wait`);
      const id = s.node;
      const node: JourneyNode | undefined = Object.hasOwn(nodes, id) ? nodes[id] : undefined;
      if (!node) return end('FAILED', 'ERROR', `no node '${id}'`);
      // Enter the node.
      s.visits[id] = (s.visits[id] ?? 0) + 1;
      s.path.push(id);
      if (s.path.length > MAX_PATH) s.path.splice(0, s.path.length - MAX_PATH);
      const k = key(id);

      switch (node.type) {
        case 'WAIT':
        case 'WAIT_FOR_EVENT': {
          const until = node.type === 'WAIT_FOR_EVENT' ? addDuration(asOf, node.timeout) : node.duration ? addDuration(asOf, node.duration) : node.until!;
          if (node.type === 'WAIT' && Date.parse(until) <= asOfMs) {
            moveTo(node.next); // `until` already passed
            break;
          }
          s.waitingUntil = new Date(Date.parse(until)).toISOString();
          effects.push({ kind: 'SET_TIMER', key: k, node: id, at: s.waitingUntil, visit: s.visits[id]! });
          return { state: s, effects };
        }
        case 'CONDITION':
          moveTo(condition(node.condition) ? node.yes : node.no);
          break;
        case 'MULTI':
          moveTo(node.branches.find((b) => condition(b.condition))?.next ?? node.else);
          break;
        case 'RANDOM': {
          const experiment = splitSeed(version.seed ?? campaignId, id);
          const bucket = hashUnit(experiment, userId);
          const weights = input.allocations?.[id];
          const useBandit = node.allocation === 'THOMPSON' && weights?.length === node.branches.length;
          const index = pickBranch(bucket, useBandit ? weights : node.branches.map((b) => b.percent));
          effects.push({ kind: 'EXPOSURE', key: k, node: id, experiment, variant: index, bucket });
          moveTo(node.branches[index]!.next);
          break;
        }
        case 'HOLDOUT': {
          const experiment = splitSeed(version.seed ?? campaignId, id);
          const bucket = hashUnit(experiment, userId);
          const held = bucket < node.percent / 100;
          effects.push({ kind: 'EXPOSURE', key: k, node: id, experiment, variant: held ? 'holdout' : 'treatment', bucket });
          if (held) return end('EXITED', 'HOLDOUT', `held out (${node.percent}%)`);
          moveTo(node.next);
          break;
        }
        case 'SEND': {
          const data = { profile: view.profile, asOf, ...(s.couponCode ? { couponCode: s.couponCode } : {}) };
          effects.push({
            kind: 'SEND',
            key: k,
            node: id,
            channel: node.channel,
            purpose: node.purpose,
            ...(node.message.subject !== undefined ? { subject: renderTemplate(node.message.subject, data) } : {}),
            body: renderTemplate(node.message.body, data),
          });
          moveTo(node.next);
          break;
        }
        case 'ACTION': {
          const params: Record<string, unknown> = { ...node.params };
          if (node.action === 'ISSUE_COUPON') {
            const code = couponCode(k, node.params.prefix);
            s.couponCode = code;
            effects.push({ kind: 'ACTION', key: k, node: id, action: node.action, params, couponCode: code });
          } else {
            effects.push({ kind: 'ACTION', key: k, node: id, action: node.action, params });
          }
          moveTo(node.next);
          break;
        }
        case 'EXIT':
          return end('COMPLETED', 'COMPLETED');
      }
    }
  } catch (error) {
    return end('FAILED', 'ERROR', (error as Error).message);
  }
}
