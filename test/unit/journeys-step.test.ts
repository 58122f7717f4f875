import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredEvent } from '../../core/events/schema.js';
import { foldEvent } from '../../core/profile/fold.js';
import { emptyProfile, type Profile } from '../../core/profile/types.js';
import {
  canEnroll,
  enrollmentIdFor,
  matchesTrigger,
  newEnrollment,
  reactsTo,
  startEnrollment,
  step,
  validateJourney,
  type Effect,
  type EnrollmentState,
  type Journey,
  type JourneyVersion,
} from '../../core/journeys/index.js';

const T0 = '2024-05-01T10:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
let seq = 0;
const track = (event: string, timestamp: string, properties: Record<string, unknown> = {}, userId = 'u-1'): StoredEvent =>
  ({ type: 'track', event, userId, timestamp, properties, eventId: `ev-${++seq}` }) as StoredEvent;

function profileOf(events: StoredEvent[], edit: (p: Profile) => void = () => {}, userId = 'u-1'): Profile {
  const p = emptyProfile(userId);
  for (const e of events) foldEvent(p, e);
  edit(p);
  return p;
}

const version = (journey: Journey, campaignId = 'c1'): JourneyVersion => {
  assert.deepEqual(validateJourney(journey), [], 'test journeys are valid');
  return { campaignId, version: 2, journey };
};
const kinds = (effects: Effect[]) => effects.map((e) => e.kind);
const exit = { type: 'EXIT' } as const;

/** Runs a new enrollment of `userId` up to its first wait. */
const start = (v: JourneyVersion, profile: Profile, asOf = T0, enrollmentId = 'e1') =>
  startEnrollment(v, enrollmentId, profile.userId, { profile }, asOf);

describe('journey step: node types', () => {
  const waitThenSend: Journey = {
    trigger: { kind: 'EVENT', event: 'login' },
    start: 'wait',
    nodes: {
      wait: { type: 'WAIT', duration: 'PT1H', next: 'send' },
      send: { type: 'SEND', channel: 'email', purpose: 'marketing', message: { subject: 'Hi {{traits.name|there}}', body: '{{stats.orders}} orders, {{user.id}}' }, next: 'end' },
      end: exit,
    },
  };

  it('WAIT parks with a timer, ignores early wake-ups and moves on when due', () => {
    const v = version(waitThenSend);
    const profile = profileOf([], (p) => (p.traits.name = 'Li'));
    const first = start(v, profile);
    assert.equal(first.state.node, 'wait');
    assert.equal(first.state.waitingUntil, at(1));
    assert.deepEqual(first.effects, [{ kind: 'SET_TIMER', key: 'c1:2:e1:wait', node: 'wait', at: at(1), visit: 1 }]);

    const early = step({ version: v, state: first.state, view: { profile }, asOf: at(0.5), event: track('app_opened', at(0.5)) });
    assert.equal(early.state, first.state, 'nothing changes before the wait is due');
    assert.deepEqual(early.effects, []);

    const due = step({ version: v, state: first.state, view: { profile }, asOf: at(1), timer: { node: 'wait', visit: 1 } });
    assert.deepEqual(kinds(due.effects), ['SEND', 'EXIT']);
    const send = due.effects[0]!;
    assert.ok(send.kind === 'SEND');
    assert.deepEqual(
      { key: send.key, channel: send.channel, purpose: send.purpose, subject: send.subject, body: send.body },
      { key: 'c1:2:e1:send', channel: 'email', purpose: 'marketing', subject: 'Hi Li', body: '0 orders, u-1' },
    );
    assert.equal(due.state.status, 'COMPLETED');
    assert.equal(due.state.endReason, 'COMPLETED');
    assert.deepEqual(due.state.path, ['wait', 'send', 'end']);
    assert.equal(due.state.waitingUntil, undefined);
  });

  it('WAIT until a time already past runs straight through', () => {
    const v = version({ ...waitThenSend, nodes: { ...waitThenSend.nodes, wait: { type: 'WAIT', until: '2024-01-01T00:00:00Z', next: 'send' } } });
    assert.deepEqual(kinds(start(v, profileOf([])).effects), ['SEND', 'EXIT']);
    const later = version({ ...waitThenSend, nodes: { ...waitThenSend.nodes, wait: { type: 'WAIT', until: '2024-06-01T00:00:00Z', next: 'send' } } });
    const r = start(later, profileOf([]));
    assert.equal(r.state.waitingUntil, '2024-06-01T00:00:00.000Z');
  });

  it('CONDITION and MULTI evaluate rule expressions on the profile at asOf', () => {
    const v = version({
      trigger: { kind: 'EVENT', event: 'login' },
      start: 'engaged',
      nodes: {
        engaged: { type: 'CONDITION', condition: 'count("login", 30) >= 3', yes: 'tier', no: 'low' },
        tier: {
          type: 'MULTI',
          branches: [
            { condition: 'tags.high_value', next: 'vip' },
            { condition: 'stats.orders >= 1', next: 'buyer' },
          ],
          else: 'browser',
        },
        low: exit,
        vip: exit,
        buyer: exit,
        browser: exit,
      },
    });
    const logins = [1, 2, 3].map((d) => track('login', at(-24 * d)));
    assert.deepEqual(start(v, profileOf(logins.slice(0, 2))).state.path, ['engaged', 'low']);
    assert.deepEqual(start(v, profileOf(logins)).state.path, ['engaged', 'tier', 'browser']);
    const buyer = profileOf([...logins, track('order_completed', at(-2), { orderId: 'o1', revenue: 20 })]);
    assert.deepEqual(start(v, buyer).state.path, ['engaged', 'tier', 'buyer']);
    const vip = profileOf(logins, (p) => (p.tags.high_value = { since: T0, source: 'rule:high_value', ruleVersion: 1 }));
    assert.deepEqual(start(v, vip).state.path, ['engaged', 'tier', 'vip']);
    // External tags (the churn scorer's) count as tags too.
    const r = startEnrollment(v, 'e1', 'u-1', { profile: profileOf(logins), externalTags: ['high_value'] }, T0);
    assert.deepEqual(r.state.path, ['engaged', 'tier', 'vip']);
    // Windows move with asOf, not the wall clock: 40 days later the logins are out of the 30-day window.
    assert.deepEqual(start(v, profileOf(logins), at(24 * 40)).state.path, ['engaged', 'low']);
  });

  const split: Journey = {
    trigger: { kind: 'EVENT', event: 'login' },
    start: 'ab',
    nodes: {
      ab: { type: 'RANDOM', branches: [{ percent: 50, next: 'a' }, { percent: 30, next: 'b' }, { percent: 20, next: 'c' }] },
      a: exit,
      b: exit,
      c: exit,
    },
  };

  it('RANDOM assigns deterministically by (seed, node, user), in proportion, with an exposure', () => {
    const v = version(split);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const r = start(v, profileOf([], undefined, `user-${i}`));
      const exposure = r.effects[0]!;
      assert.ok(exposure.kind === 'EXPOSURE' && typeof exposure.variant === 'number');
      assert.equal(exposure.experiment, 'c1:ab');
      counts[exposure.variant as number]!++;
      assert.equal(r.state.path[1], ['a', 'b', 'c'][exposure.variant as number]);
      assert.deepEqual(start(v, profileOf([], undefined, `user-${i}`)).effects, r.effects, 'same user, same branch');
    }
    assert.ok(Math.abs(counts[0]! / 3000 - 0.5) < 0.04, `${counts}`);
    assert.ok(Math.abs(counts[1]! / 3000 - 0.3) < 0.04, `${counts}`);
    assert.ok(Math.abs(counts[2]! / 3000 - 0.2) < 0.04, `${counts}`);
    // A different seed reshuffles.
    const other = { ...version(split), seed: 'reshuffled' };
    const moved = Array.from({ length: 200 }, (_, i) => `user-${i}`).filter(
      (u) => start(v, profileOf([], undefined, u)).state.path[1] !== start(other, profileOf([], undefined, u)).state.path[1],
    );
    assert.ok(moved.length > 50);
  });

  it('RANDOM with THOMPSON allocation follows the weights it is given, and the percents without', () => {
    const v = version({ ...split, nodes: { ...split.nodes, ab: { ...(split.nodes.ab as object), allocation: 'THOMPSON' } as Journey['nodes'][string] } });
    const p = profileOf([]);
    const r = step({ version: v, state: newEnrollment(v.journey, 'e1', 'u-1', T0), view: { profile: p }, asOf: T0, allocations: { ab: [0, 0, 1] } });
    assert.equal(r.state.path[1], 'c');
    const wrongLength = step({ version: v, state: newEnrollment(v.journey, 'e1', 'u-1', T0), view: { profile: p }, asOf: T0, allocations: { ab: [1] } });
    assert.deepEqual(wrongLength.state.path, start(version(split), p).state.path);
  });

  it('HOLDOUT holds out about its percent (exit, reason HOLDOUT) and lets the rest through', () => {
    const v = version({
      trigger: { kind: 'EVENT', event: 'login' },
      start: 'hold',
      nodes: { hold: { type: 'HOLDOUT', percent: 10, next: 'send' }, send: { type: 'SEND', channel: 'outbox', purpose: 'marketing', message: { body: 'x' }, next: 'end' }, end: exit },
    });
    let held = 0;
    for (let i = 0; i < 3000; i++) {
      const r = start(v, profileOf([], undefined, `user-${i}`));
      const exposure = r.effects[0]!;
      assert.ok(exposure.kind === 'EXPOSURE');
      if (exposure.variant === 'holdout') {
        held++;
        assert.deepEqual(kinds(r.effects), ['EXPOSURE', 'EXIT']);
        assert.equal(r.state.status, 'EXITED');
        assert.equal(r.state.endReason, 'HOLDOUT');
      } else {
        assert.equal(exposure.variant, 'treatment');
        assert.deepEqual(kinds(r.effects), ['EXPOSURE', 'SEND', 'EXIT']);
      }
    }
    assert.ok(Math.abs(held / 3000 - 0.1) < 0.02, `${held}`);
  });

  it('ACTION: coupons get an idempotent code that messages can show; other actions pass their params', () => {
    const v = version({
      trigger: { kind: 'EVENT', event: 'login' },
      start: 'coupon',
      nodes: {
        coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: 20, prefix: 'WB' }, next: 'tag' },
        tag: { type: 'ACTION', action: 'SET_TAG', params: { tag: 'got_coupon' }, next: 'untag' },
        untag: { type: 'ACTION', action: 'REMOVE_TAG', params: { tag: 'cold' }, next: 'trait' },
        trait: { type: 'ACTION', action: 'SET_TRAIT', params: { name: 'offer', value: 'winback' }, next: 'hook' },
        hook: { type: 'ACTION', action: 'WEBHOOK', params: { url: 'https://hooks.example.com/x', body: { a: 1 } }, next: 'send' },
        send: { type: 'SEND', channel: 'sms', purpose: 'marketing', message: { body: 'Code {{coupon.code}}' }, next: 'end' },
        end: exit,
      },
    });
    const r = start(v, profileOf([]));
    assert.deepEqual(kinds(r.effects), ['ACTION', 'ACTION', 'ACTION', 'ACTION', 'ACTION', 'SEND', 'EXIT']);
    const coupon = r.effects[0]!;
    assert.ok(coupon.kind === 'ACTION' && coupon.action === 'ISSUE_COUPON');
    assert.match(coupon.couponCode!, /^WB-[0-9A-Z]{14}$/);
    assert.deepEqual(coupon.params, { value: 20, prefix: 'WB' });
    assert.equal(r.state.couponCode, coupon.couponCode);
    const send = r.effects[5]!;
    assert.ok(send.kind === 'SEND');
    assert.equal(send.body, `Code ${coupon.couponCode}`);
    assert.deepEqual(
      r.effects.slice(1, 5).map((e) => (e.kind === 'ACTION' ? [e.action, e.params] : null)),
      [
        ['SET_TAG', { tag: 'got_coupon' }],
        ['REMOVE_TAG', { tag: 'cold' }],
        ['SET_TRAIT', { name: 'offer', value: 'winback' }],
        ['WEBHOOK', { url: 'https://hooks.example.com/x', body: { a: 1 } }],
      ],
    );
    // Another enrollment gets another code; the same one, the same code.
    assert.notEqual((start(v, profileOf([]), T0, 'e2').effects[0] as { couponCode: string }).couponCode, coupon.couponCode);
    assert.equal((start(v, profileOf([])).effects[0] as { couponCode: string }).couponCode, coupon.couponCode);
  });

  const awaitOrder: Journey = {
    trigger: { kind: 'EVENT', event: 'product_viewed' },
    start: 'await',
    nodes: {
      await: {
        type: 'WAIT_FOR_EVENT',
        event: 'order_completed',
        condition: 'event.properties.revenue >= 50',
        timeout: 'P3D',
        onEvent: 'thanks',
        onTimeout: 'coupon',
      },
      thanks: exit,
      coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: 5 }, next: 'end' },
      end: exit,
    },
  };

  it('WAIT_FOR_EVENT: the matching event (and condition) takes onEvent; others wait; the timeout takes onTimeout', () => {
    const v = version(awaitOrder);
    const profile = profileOf([]);
    const parked = start(v, profile);
    assert.deepEqual(parked.effects, [{ kind: 'SET_TIMER', key: 'c1:2:e1:await', node: 'await', at: at(72), visit: 1 }]);

    const other = step({ version: v, state: parked.state, view: { profile }, asOf: at(1), event: track('login', at(1)) });
    assert.equal(other.state, parked.state);
    const small = step({ version: v, state: parked.state, view: { profile }, asOf: at(2), event: track('order_completed', at(2), { orderId: 'o', revenue: 10 }) });
    assert.equal(small.state, parked.state, 'the condition reads the awaited event');
    const big = step({ version: v, state: parked.state, view: { profile }, asOf: at(3), event: track('order_completed', at(3), { orderId: 'o', revenue: 80 }) });
    assert.deepEqual(big.state.path, ['await', 'thanks']);
    assert.equal(big.state.status, 'COMPLETED');

    const timeout = step({ version: v, state: parked.state, view: { profile }, asOf: at(72), timer: { node: 'await', visit: 1 } });
    assert.deepEqual(timeout.state.path, ['await', 'coupon', 'end']);
    // An order after the timeout (before the timer fired) is too late.
    const late = step({ version: v, state: parked.state, view: { profile }, asOf: at(73), event: track('order_completed', at(73), { orderId: 'o', revenue: 80 }) });
    assert.deepEqual(late.state.path, ['await', 'coupon', 'end']);
    // The timer that fires after that is stale and changes nothing.
    const stale = step({ version: v, state: big.state, view: { profile }, asOf: at(72), timer: { node: 'await', visit: 1 } });
    assert.equal(stale.state, big.state);
    assert.deepEqual(stale.effects, []);
  });

  it('EXIT completes; exitOn ends an enrollment wherever it is', () => {
    const v = version({ ...awaitOrder, exitOn: ['order_refunded'] });
    const profile = profileOf([]);
    const parked = start(v, profile);
    const r = step({ version: v, state: parked.state, view: { profile }, asOf: at(5), event: track('order_refunded', at(5), { orderId: 'o' }) });
    assert.deepEqual(r.effects, [{ kind: 'EXIT', key: 'c1:2:e1:await', node: 'await', reason: 'EXIT_EVENT', detail: 'exit event order_refunded' }]);
    assert.equal(r.state.status, 'EXITED');
    assert.equal(r.state.endedAt, at(5));
    // An ended enrollment takes no further steps.
    const after = step({ version: v, state: r.state, view: { profile }, asOf: at(72), timer: { node: 'await', visit: 1 } });
    assert.equal(after.state, r.state);
  });

  it('the goal converts once within its window, also for ended (held-out) enrollments', () => {
    const v = version({ ...awaitOrder, goal: { event: 'order_completed', withinDays: 7 } });
    const profile = profileOf([]);
    const parked = start(v, profile);
    const order = track('order_completed', at(3), { orderId: 'o', revenue: 80 });
    const r = step({ version: v, state: parked.state, view: { profile }, asOf: at(3), event: order });
    assert.deepEqual(r.effects[0], { kind: 'GOAL', key: 'c1:2:e1:$goal', node: 'await', event: 'order_completed', eventId: order.eventId, revenue: 80 });
    assert.equal(r.state.convertedAt, at(3));
    const again = step({ version: v, state: r.state, view: { profile }, asOf: at(4), event: track('order_completed', at(4), { orderId: 'p', revenue: 1 }) });
    assert.deepEqual(again.effects, [], 'converted once, and the enrollment is over');
    const ended: EnrollmentState = { ...parked.state, status: 'EXITED', endReason: 'HOLDOUT', endedAt: T0 };
    const heldOut = step({ version: v, state: ended, view: { profile }, asOf: at(24), event: track('order_completed', at(24), { orderId: 'q', revenue: 5 }) });
    assert.deepEqual(kinds(heldOut.effects), ['GOAL']);
    const tooLate = step({ version: v, state: ended, view: { profile }, asOf: at(24 * 8), event: track('order_completed', at(24 * 8), { orderId: 'q', revenue: 5 }) });
    assert.deepEqual(tooLate.effects, []);
  });

  it('ignores events older than the enrollment', () => {
    const v = version({ ...awaitOrder, exitOn: ['order_refunded'] });
    const profile = profileOf([]);
    const parked = start(v, profile);
    const old = step({ version: v, state: parked.state, view: { profile }, asOf: at(-1), event: track('order_refunded', at(-1), { orderId: 'o' }) });
    assert.equal(old.state, parked.state);
  });

  it('fails an enrollment whose node is missing (a version edited under it) rather than looping or throwing', () => {
    const v = version(awaitOrder);
    const profile = profileOf([]);
    const lost: EnrollmentState = { ...newEnrollment(v.journey, 'e1', 'u-1', T0), node: 'gone' };
    const r = step({ version: v, state: lost, view: { profile }, asOf: T0 });
    assert.equal(r.state.status, 'FAILED');
    assert.deepEqual(kinds(r.effects), ['EXIT']);
    assert.equal((r.effects[0] as { reason: string }).reason, 'ERROR');
  });
});

describe('journey step: idempotency', () => {
  const loop: Journey = {
    trigger: { kind: 'EVENT', event: 'login' },
    start: 'nudge',
    nodes: {
      nudge: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: 'Nudge' }, next: 'pause' },
      pause: { type: 'WAIT', duration: 'P1D', next: 'again' },
      again: { type: 'CONDITION', condition: 'count("order_completed") == 0', yes: 'nudge', no: 'end' },
      end: exit,
    },
  };

  it('the same input gives the same state, effects and keys (redelivery is absorbed by the keys)', () => {
    const v = version(loop);
    const profile = profileOf([]);
    const a = start(v, profile);
    const b = start(v, structuredClone(profile));
    assert.deepEqual(a, b);
    const input = { version: v, state: a.state, view: { profile }, asOf: at(24), timer: { node: 'pause', visit: 1 } };
    assert.deepEqual(step(input), step(structuredClone(input)));
    assert.deepEqual(a.state, b.state, 'step does not mutate its input');
  });

  it('keys are campaign:version:enrollment:node, with a visit counter from the second visit', () => {
    const v = version(loop);
    const profile = profileOf([]);
    let r = start(v, profile);
    const keys: string[] = r.effects.map((e) => `${e.kind} ${e.key}`);
    for (let day = 1; day <= 2; day++) {
      r = step({ version: v, state: r.state, view: { profile }, asOf: at(24 * day), timer: { node: 'pause', visit: day } });
      keys.push(...r.effects.map((e) => `${e.kind} ${e.key}`));
    }
    assert.deepEqual(keys, [
      'SEND c1:2:e1:nudge',
      'SET_TIMER c1:2:e1:pause',
      'SEND c1:2:e1:nudge:2',
      'SET_TIMER c1:2:e1:pause:2',
      'SEND c1:2:e1:nudge:3',
      'SET_TIMER c1:2:e1:pause:3',
    ]);
    // A timer from an earlier visit is stale.
    const stale = step({ version: v, state: r.state, view: { profile }, asOf: at(24 * 3), timer: { node: 'pause', visit: 1 } });
    assert.deepEqual(stale.effects, []);
  });
});

describe('enrollment', () => {
  const journey: Journey = {
    trigger: { kind: 'EVENT', event: 'payment_failed', condition: 'event.properties.amount >= 100' },
    audience: 'tags.high_value',
    start: 'end',
    nodes: { end: exit },
  };

  it('matches triggers by kind, name and condition', () => {
    const view = { profile: profileOf([]) };
    assert.equal(matchesTrigger(journey, { kind: 'EVENT', event: track('payment_failed', T0, { amount: 150 }) }, view, T0), true);
    assert.equal(matchesTrigger(journey, { kind: 'EVENT', event: track('payment_failed', T0, { amount: 50 }) }, view, T0), false);
    assert.equal(matchesTrigger(journey, { kind: 'EVENT', event: track('login', T0, { amount: 150 }) }, view, T0), false);
    assert.equal(matchesTrigger(journey, { kind: 'TAG_ADDED', tag: 'x' }, view, T0), false);
    const seg: Journey = { ...journey, trigger: { kind: 'SEGMENT_ENTERED', segment: 'dormant' } };
    assert.equal(matchesTrigger(seg, { kind: 'SEGMENT_ENTERED', segment: 'dormant' }, view, T0), true);
    assert.equal(matchesTrigger(seg, { kind: 'SEGMENT_EXITED', segment: 'dormant' }, view, T0), false);
    const sched: Journey = { ...journey, trigger: { kind: 'SCHEDULE', every: 'P1D', segment: 'vip' } };
    assert.equal(matchesTrigger(sched, { kind: 'SCHEDULE' }, view, T0), false);
    const member = { profile: profileOf([], (p) => (p.segments.vip = { since: T0 })) };
    assert.equal(matchesTrigger(sched, { kind: 'SCHEDULE' }, member, T0), true);
  });

  it('applies the re-entry modes', () => {
    const done = [{ status: 'COMPLETED' as const, enteredAt: at(-48) }];
    const active = [{ status: 'ACTIVE' as const, enteredAt: at(-48) }];
    assert.deepEqual(canEnroll(undefined, [], T0), { ok: true });
    assert.equal(canEnroll(undefined, done, T0).ok, false);
    assert.equal(canEnroll({ mode: 'ONCE' }, done, T0).ok, false);
    assert.equal(canEnroll({ mode: 'AFTER_EXIT' }, done, T0).ok, true);
    assert.equal(canEnroll({ mode: 'AFTER_EXIT' }, active, T0).ok, false);
    assert.equal(canEnroll({ mode: 'ALWAYS' }, active, T0).ok, true);
    assert.equal(canEnroll({ mode: 'ALWAYS', minIntervalHours: 72 }, active, T0).ok, false);
    assert.equal(canEnroll({ mode: 'AFTER_EXIT', minIntervalHours: 24 }, done, T0).ok, true);
  });

  it('derives enrollment ids deterministically from the cause', () => {
    assert.equal(enrollmentIdFor('c1', 'u-1', 'ev-1'), enrollmentIdFor('c1', 'u-1', 'ev-1'));
    assert.notEqual(enrollmentIdFor('c1', 'u-1', 'ev-1'), enrollmentIdFor('c1', 'u-1', 'ev-2'));
    assert.notEqual(enrollmentIdFor('c1', 'u-1', 'ev-1'), enrollmentIdFor('c2', 'u-1', 'ev-1'));
    assert.match(enrollmentIdFor('c1', 'u-1', 'ev-1'), /^e-[0-9a-z]+$/);
  });
});

describe('what a paused campaign holds for an enrollment', () => {
  const journey: Journey = {
    trigger: { kind: 'EVENT', event: 'signup' },
    start: 'wait',
    nodes: {
      wait: { type: 'WAIT_FOR_EVENT', event: 'app_opened', timeout: 'P1D', onEvent: 'end', onTimeout: 'end' },
      end: exit,
    },
    exitOn: ['unsubscribed'],
    goal: { event: 'order_completed', withinDays: 7 },
  };
  const state = start(version(journey), profileOf([])).state;

  it('holds the events that would step it: the goal, an exit event, what a WAIT_FOR_EVENT waits for', () => {
    assert.deepEqual(['order_completed', 'unsubscribed', 'app_opened', 'page_viewed'].map((n) => reactsTo(journey, state, n)), [true, true, true, false]);
  });

  it('holds only a goal not yet reached for an enrollment that ended (a holdout still converts)', () => {
    const ended: EnrollmentState = { ...state, status: 'COMPLETED' };
    assert.deepEqual(['order_completed', 'unsubscribed', 'app_opened'].map((n) => reactsTo(journey, ended, n)), [true, false, false]);
    assert.equal(reactsTo(journey, { ...ended, convertedAt: T0 }, 'order_completed'), false);
  });
});
