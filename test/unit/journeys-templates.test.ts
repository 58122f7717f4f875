import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredEvent } from '../../core/events/schema.js';
import { foldEvent } from '../../core/profile/fold.js';
import { emptyProfile, type Profile } from '../../core/profile/types.js';
import {
  findBannedTerms,
  instantiateTemplate,
  JourneyTemplateError,
  listTemplates,
  matchesTrigger,
  startEnrollment,
  step,
  TEMPLATE_IDS,
  validateJourney,
  type Effect,
  type JourneyVersion,
  type StepResult,
} from '../../core/journeys/index.js';

const T0 = '2024-05-01T10:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
let seq = 0;
const track = (event: string, timestamp: string, properties: Record<string, unknown> = {}): StoredEvent =>
  ({ type: 'track', event, userId: 'u-1', timestamp, properties, eventId: `ev-${++seq}` }) as StoredEvent;
const profileOf = (events: StoredEvent[], edit: (p: Profile) => void = () => {}, userId = 'u-1') => {
  const p = emptyProfile(userId);
  for (const e of events) foldEvent(p, e);
  p.traits.name = 'Li';
  edit(p);
  return p;
};
const tag = (p: Profile, name: string) => (p.tags[name] = { since: at(-100), source: `rule:${name}`, ruleVersion: 1 });
const v = (id: string, params: Record<string, unknown> = {}): JourneyVersion => ({ campaignId: id, version: 1, journey: instantiateTemplate(id, params) });
const sends = (effects: Effect[]) => effects.filter((e) => e.kind === 'SEND').map((e) => e.node);
const actions = (effects: Effect[]) => effects.filter((e) => e.kind === 'ACTION').map((e) => (e.kind === 'ACTION' ? e.action : ''));
/** Fires the timer an enrollment is parked on. */
const fire = (version: JourneyVersion, r: StepResult, profile: Profile): StepResult => {
  const timer = r.effects.find((e) => e.kind === 'SET_TIMER');
  assert.ok(timer && timer.kind === 'SET_TIMER', 'parked on a timer');
  return step({ version, state: r.state, view: { profile }, asOf: timer.at, timer: { node: timer.node, visit: timer.visit } });
};

describe('journey templates', () => {
  it('are the five of the contract, each valid with its defaults', () => {
    assert.deepEqual(TEMPLATE_IDS, ['payment_failed_retention', 'new_user_nurture', 'dormant_winback', 'cart_abandon_coupon', 'post_purchase_review']);
    for (const t of listTemplates()) {
      assert.deepEqual(validateJourney(t.journey), [], t.id);
      assert.deepEqual(instantiateTemplate(t.id), t.journey);
      assert.ok(t.name && t.description && Object.keys(t.defaults).length > 0);
    }
  });

  it('take parameters, and stay valid with them', () => {
    const j = instantiateTemplate('dormant_winback', { holdoutPercent: 20, couponValue: 50, waitDays: 14, channel: 'email', quietHours: null });
    assert.deepEqual(j.nodes.holdout, { type: 'HOLDOUT', percent: 20, next: 'coupon' });
    assert.equal(j.nodes.await_order!.type === 'WAIT_FOR_EVENT' && j.nodes.await_order!.timeout, 'P14D');
    assert.equal(j.limits?.quietHours, undefined);
    assert.deepEqual(validateJourney(j), []);
    const n = instantiateTemplate('new_user_nurture', { couponDay: 2, reviewDay: 10 });
    assert.equal(n.nodes.wait_review!.type === 'WAIT' && n.nodes.wait_review!.duration, 'P8D');
    const r = instantiateTemplate('post_purchase_review', { minRevenue: 100 });
    assert.equal(r.trigger.kind === 'EVENT' && r.trigger.condition, 'event.properties.revenue >= 100');
  });

  it('reject unknown templates and bad or unknown parameters', () => {
    assert.throws(() => instantiateTemplate('nope'), (e: unknown) => e instanceof JourneyTemplateError && e.code === 'UNKNOWN_TEMPLATE');
    const bad = (id: string, params: Record<string, unknown>, path: string) =>
      assert.throws(
        () => instantiateTemplate(id, params),
        (e: unknown) => e instanceof JourneyTemplateError && e.code === 'BAD_TEMPLATE_PARAMS' && e.problems.some((p) => p.path === path),
      );
    bad('dormant_winback', { holdoutPercent: 150 }, 'params.holdoutPercent');
    bad('dormant_winback', { colour: 'red' }, 'params.colour');
    bad('new_user_nurture', { couponDay: 5, reviewDay: 4 }, 'params.reviewDay');
    bad('dormant_winback', { audience: 'tags.high_value and' }, 'audience');
    bad('cart_abandon_coupon', { quietHours: { start: '25:00', end: '08:00' } }, 'limits.quietHours.start');
  });

  it('send no banned marketing terms', () => {
    for (const t of listTemplates()) {
      for (const node of Object.values(t.journey.nodes)) {
        if (node.type === 'SEND') assert.deepEqual(findBannedTerms(`${node.message.subject ?? ''} ${node.message.body}`), [], t.id);
      }
    }
  });
});

describe('templates run', () => {
  it('payment_failed_retention: history and sentiment choose an agent, an upgrade or a coupon', () => {
    const version = v('payment_failed_retention');
    const logins = [1, 2, 3, 4].map((d) => track('login', at(-24 * d)));
    const big = [track('order_completed', at(-200), { orderId: 'o1', revenue: 500 })];
    const run = (profile: Profile) => fire(version, startEnrollment(version, 'e1', 'u-1', { profile }, T0), profile);
    assert.equal(matchesTrigger(version.journey, { kind: 'EVENT', event: track('payment_failed', T0) }, { profile: profileOf([]) }, T0), true);

    const first = startEnrollment(version, 'e1', 'u-1', { profile: profileOf([]) }, T0);
    assert.deepEqual(sends(first.effects), ['notify'], 'the transactional notice goes at once');
    const unhappy = profileOf([...logins, ...big], (p) => tag(p, 'negative_feedback'));
    const agent = run(unhappy);
    assert.deepEqual(actions(agent.effects), ['SET_TAG', 'WEBHOOK']);
    assert.deepEqual(sends(agent.effects), ['agent_msg']);
    const happy = run(profileOf([...logins, ...big]));
    assert.deepEqual(actions(happy.effects), ['SET_TRAIT']);
    assert.deepEqual(sends(happy.effects), ['upgrade_msg']);
    const casual = run(profileOf(big));
    assert.deepEqual(actions(casual.effects), ['ISSUE_COUPON']);
    const msg = casual.effects.find((e) => e.kind === 'SEND');
    assert.ok(msg?.kind === 'SEND' && /RETRY-/.test(msg.body), 'the message carries the coupon code');
    // Paying during the grace hour exits before any retention move.
    const paid = step({ version, state: first.state, view: { profile: profileOf([]) }, asOf: at(0.5), event: track('order_completed', at(0.5), { orderId: 'o2', revenue: 20 }) });
    assert.equal(paid.state.endReason, 'EXIT_EVENT');
  });

  it('new_user_nurture: welcome, a coupon on day 3 without an order, a review request on day 7', () => {
    const version = v('new_user_nurture');
    const profile = profileOf([]);
    const d0 = startEnrollment(version, 'e1', 'u-1', { profile }, T0);
    assert.deepEqual(sends(d0.effects), ['welcome']);
    const d3 = fire(version, d0, profile);
    assert.deepEqual(actions(d3.effects), ['ISSUE_COUPON']);
    assert.equal((d3.effects.find((e) => e.kind === 'SET_TIMER') as { at: string }).at, at(24 * 7));
    const d7 = fire(version, d3, profile);
    assert.deepEqual(sends(d7.effects), ['review']);
    assert.equal(d7.state.status, 'COMPLETED');
    // A buyer gets no coupon.
    const buyer = profileOf([track('order_completed', at(24), { orderId: 'o', revenue: 30 })]);
    const b3 = fire(version, startEnrollment(version, 'e2', 'u-1', { profile: buyer }, T0), buyer);
    assert.deepEqual(actions(b3.effects), []);
    assert.deepEqual(sends(fire(version, b3, buyer).effects), ['review']);
  });

  it('dormant_winback: a coupon with a 10% holdout, then 7 days for an order', () => {
    const version = v('dormant_winback');
    let held = 0;
    for (let i = 0; i < 1000; i++) {
      const profile = profileOf([], (p) => tag(p, 'high_value'), `user-${i}`);
      const r = startEnrollment(version, `e-${i}`, profile.userId, { profile }, T0);
      if (r.state.endReason === 'HOLDOUT') held++;
      else assert.deepEqual([actions(r.effects), sends(r.effects), r.state.node], [['ISSUE_COUPON'], ['offer'], 'await_order']);
    }
    assert.ok(held > 70 && held < 130, `${held} held out`);
    // Assignment is sticky per user, whatever the enrollment: take a user in the treatment group.
    const userId = Array.from({ length: 50 }, (_, i) => `user-${i}`).find(
      (u) => startEnrollment(version, 'w1', u, { profile: profileOf([], (p) => tag(p, 'high_value'), u) }, T0).state.status === 'ACTIVE',
    )!;
    const profile = profileOf([], (p) => tag(p, 'high_value'), userId);
    assert.equal(startEnrollment(version, 'w2', userId, { profile }, T0).state.status, 'ACTIVE');
    const treated = startEnrollment(version, 'w1', userId, { profile }, T0);
    const won = step({ version, state: treated.state, view: { profile }, asOf: at(48), event: track('order_completed', at(48), { orderId: 'o', revenue: 90 }) });
    assert.deepEqual([won.state.node, won.effects.map((e) => e.kind)], ['won_back', ['GOAL', 'EXIT']]);
    const lost = fire(version, treated, profile);
    assert.equal(lost.state.node, 'not_back');
  });

  it('cart_abandon_coupon: a coupon a day after add-to-cart without an order', () => {
    const version = v('cart_abandon_coupon');
    const cart = track('product_added_to_cart', T0, { productId: 'p1' });
    const profile = profileOf([cart]);
    const parked = startEnrollment(version, 'e1', 'u-1', { profile }, T0);
    const r = fire(version, parked, profile);
    assert.deepEqual([actions(r.effects), sends(r.effects)], [['ISSUE_COUPON'], ['reminder']]);
    const bought = step({ version, state: parked.state, view: { profile }, asOf: at(3), event: track('order_completed', at(3), { orderId: 'o', revenue: 10 }) });
    assert.equal(bought.state.endReason, 'EXIT_EVENT');
  });

  it('post_purchase_review: a review request some days after an order that was kept', () => {
    const version = v('post_purchase_review', { minRevenue: 50 });
    const order = track('order_completed', T0, { orderId: 'o', revenue: 80 });
    assert.equal(matchesTrigger(version.journey, { kind: 'EVENT', event: order }, { profile: profileOf([]) }, T0), true);
    assert.equal(matchesTrigger(version.journey, { kind: 'EVENT', event: track('order_completed', T0, { orderId: 'p', revenue: 10 }) }, { profile: profileOf([]) }, T0), false);
    const profile = profileOf([order]);
    const r = fire(version, startEnrollment(version, 'e1', 'u-1', { profile }, T0), profile);
    assert.deepEqual(sends(r.effects), ['ask']);
  });
});
