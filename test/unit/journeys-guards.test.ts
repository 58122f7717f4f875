import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyProfile, type Profile } from '../../core/profile/types.js';
import {
  evaluateGuards,
  findBannedTerms,
  GUARD_ORDER,
  guardAction,
  guardSend,
  quietHoursEnd,
  type Journey,
  type SendGuardInput,
} from '../../core/journeys/index.js';

const T0 = '2024-05-01T04:00:00.000Z'; // 12:00 in Shanghai
const journey: Journey = {
  trigger: { kind: 'EVENT', event: 'login' },
  audience: 'tags.high_value',
  start: 'end',
  nodes: { end: { type: 'EXIT' } },
  exitOn: ['order_completed'],
  limits: { perUserPerDay: 1, perUserPerWeek: 3, quietHours: { start: '21:00', end: '08:00' } },
};

function profile(edit: (p: Profile) => void = () => {}): Profile {
  const p = emptyProfile('u-1');
  p.tags.high_value = { since: '2024-01-01T00:00:00Z', source: 'rule:high_value', ruleVersion: 1 };
  p.consent.marketing = true;
  p.traits.timezone = 'Asia/Shanghai';
  edit(p);
  return p;
}

const input = (over: Partial<SendGuardInput> = {}, edit?: (p: Profile) => void): SendGuardInput => ({
  journey,
  enrollment: { enteredAt: '2024-04-30T00:00:00.000Z' },
  send: { purpose: 'marketing', subject: 'Hello', body: 'A gift for you' },
  view: { profile: profile(edit) },
  asOf: T0,
  counts: { campaignDay: 0, campaignWeek: 0, allDay: 0, allWeek: 0 },
  settings: { defaultTimeZone: 'UTC' },
  ...over,
});

describe('send guards: order', () => {
  it('passes a message every guard accepts', () => {
    assert.deepEqual(guardSend(input()), { status: 'SENT', detail: 'all guards passed' });
  });

  it('reports the first guard in the documented order when a message fails several', () => {
    assert.deepEqual(GUARD_ORDER, ['AUDIENCE', 'CONSENT', 'FREQUENCY_CAP', 'QUIET_HOURS', 'COMPLIANCE']);
    // Fails all five: out of the audience, no consent, capped, 23:00 in Shanghai, a banned term.
    const failing = {
      asOf: '2024-05-01T15:00:00.000Z',
      counts: { campaignDay: 1, campaignWeek: 1, allDay: 1, allWeek: 1 },
      send: { purpose: 'marketing' as const, body: '全网最低价' },
    };
    const edits: Array<(p: Profile) => void> = [
      (p) => delete p.tags.high_value,
      (p) => delete p.consent.marketing,
    ];
    const all = input(failing, (p) => edits.forEach((e) => e(p)));
    assert.equal(guardSend(all).reason, 'AUDIENCE');
    assert.deepEqual(
      evaluateGuards(all).map((c) => [c.guard, c.pass, c.outcome.reason]),
      [
        ['AUDIENCE', false, 'AUDIENCE'],
        ['CONSENT', false, 'CONSENT'],
        ['FREQUENCY_CAP', false, 'FREQUENCY_CAP'],
        ['QUIET_HOURS', false, 'QUIET_HOURS'],
        ['COMPLIANCE', false, 'COMPLIANCE'],
      ],
    );
    assert.equal(guardSend(input(failing, edits[1])).reason, 'CONSENT');
    assert.equal(guardSend(input(failing)).reason, 'FREQUENCY_CAP');
    const queued = guardSend(input({ ...failing, counts: input().counts }));
    assert.deepEqual([queued.status, queued.reason, queued.notBefore], ['QUEUED', 'QUIET_HOURS', '2024-05-02T00:00:00.000Z']);
    const blocked = guardSend(input({ send: failing.send }));
    assert.deepEqual([blocked.status, blocked.reason, blocked.term], ['SUPPRESSED', 'COMPLIANCE', '全网']);
  });
});

describe('send guards: each guard', () => {
  it('exit rules: an exit event since enrollment suppresses with AUDIENCE', () => {
    const r = guardSend(input({}, (p) => (p.lastAt.order_completed = '2024-04-30T12:00:00.000Z')));
    assert.deepEqual([r.status, r.reason], ['SUPPRESSED', 'AUDIENCE']);
    assert.match(r.detail, /order_completed/);
    // One before the enrollment, or after the send time (a replay ahead of it), does not count.
    assert.equal(guardSend(input({}, (p) => (p.lastAt.order_completed = '2024-04-29T00:00:00.000Z'))).status, 'SENT');
    assert.equal(guardSend(input({}, (p) => (p.lastAt.order_completed = '2024-05-02T00:00:00.000Z'))).status, 'SENT');
  });

  it('consent: marketing needs consent.marketing === true; transactional passes', () => {
    assert.equal(guardSend(input({}, (p) => (p.consent.marketing = false))).reason, 'CONSENT');
    assert.equal(guardSend(input({}, (p) => delete p.consent.marketing)).reason, 'CONSENT');
    const tx = input({ send: { purpose: 'transactional', body: 'Your payment failed' } }, (p) => (p.consent.marketing = false));
    assert.equal(guardSend(tx).status, 'SENT');
  });

  it('frequency caps: per campaign and across campaigns, per day and per week', () => {
    const counts = { campaignDay: 0, campaignWeek: 0, allDay: 0, allWeek: 0 };
    const settings = { defaultTimeZone: 'UTC', globalLimits: { perUserPerDay: 3, perUserPerWeek: 10 } };
    const cases: Array<[Partial<typeof counts>, string | null]> = [
      [{ campaignDay: 1 }, 'this campaign per day'],
      [{ campaignWeek: 3 }, 'this campaign per week'],
      [{ allDay: 3 }, 'all campaigns per day'],
      [{ allWeek: 10 }, 'all campaigns per week'],
      [{ allDay: 2, allWeek: 9, campaignWeek: 2 }, null],
    ];
    for (const [c, what] of cases) {
      const r = guardSend(input({ counts: { ...counts, ...c }, settings }));
      if (what === null) assert.equal(r.status, 'SENT');
      else {
        assert.deepEqual([r.status, r.reason], ['SUPPRESSED', 'FREQUENCY_CAP']);
        assert.match(r.detail, new RegExp(what));
      }
    }
  });

  it('quiet hours: the user time zone, else the stage default (also for a bad trait)', () => {
    const evening = '2024-05-01T14:30:00.000Z'; // 22:30 in Shanghai, 14:30 in UTC
    assert.equal(guardSend(input({ asOf: evening })).notBefore, '2024-05-02T00:00:00.000Z');
    assert.equal(guardSend(input({ asOf: evening }, (p) => delete p.traits.timezone)).status, 'SENT');
    assert.equal(guardSend(input({ asOf: evening }, (p) => (p.traits.timezone = 'Mars/Olympus'))).status, 'SENT');
    const stageDefault = guardSend(input({ asOf: evening, settings: { defaultTimeZone: 'Asia/Shanghai' } }, (p) => (p.traits.timezone = 42)));
    assert.deepEqual([stageDefault.status, stageDefault.notBefore], ['QUEUED', '2024-05-02T00:00:00.000Z']);
  });

  it('compliance applies to marketing only and records the term', () => {
    const r = guardSend(input({ send: { purpose: 'marketing', subject: 'Risk-free!', body: 'Guaranteed returns of 8%' } }));
    assert.deepEqual([r.reason, r.term], ['COMPLIANCE', 'risk-free']);
    assert.match(r.detail, /guaranteed returns/);
    assert.equal(guardSend(input({ send: { purpose: 'transactional', body: '100% of your refund is on its way' } })).status, 'SENT');
    const operator = input({ send: { purpose: 'marketing', body: 'Our miracle serum' }, settings: { defaultTimeZone: 'UTC', extraTerms: ['serum'] } });
    assert.equal(guardSend(operator).term, 'serum');
  });
});

describe('quiet hours across time zones', () => {
  const night = { start: '21:00', end: '08:00' };
  const cases: Array<[string, string, string, { start: string; end: string }, string | null]> = [
    ['evening part, ends tomorrow (UTC+8)', '2024-05-01T14:30:00.000Z', 'Asia/Shanghai', night, '2024-05-02T00:00:00.000Z'],
    ['morning part, ends today (local date ahead of UTC)', '2024-05-01T23:00:00.000Z', 'Asia/Shanghai', night, '2024-05-02T00:00:00.000Z'],
    ['midday is outside', '2024-05-01T04:00:00.000Z', 'Asia/Shanghai', night, null],
    ['start is inside', '2024-05-01T13:00:00.000Z', 'Asia/Shanghai', night, '2024-05-02T00:00:00.000Z'],
    ['end is outside', '2024-05-02T00:00:00.000Z', 'Asia/Shanghai', night, null],
    ['half-hour zone', '2024-05-01T15:45:00.000Z', 'Asia/Kolkata', night, '2024-05-02T02:30:00.000Z'],
    ['UTC+12, across the UTC date', '2024-05-01T11:00:00.000Z', 'Pacific/Auckland', night, '2024-05-01T20:00:00.000Z'],
    ['New York summer (EDT)', '2024-07-02T01:30:00.000Z', 'America/New_York', night, '2024-07-02T12:00:00.000Z'],
    ['New York, the night DST starts: 08:00 EDT', '2024-03-10T04:00:00.000Z', 'America/New_York', night, '2024-03-10T12:00:00.000Z'],
    ['New York, the night DST ends: 08:00 EST', '2024-11-03T03:00:00.000Z', 'America/New_York', night, '2024-11-03T13:00:00.000Z'],
    ['a window within one day', '2024-06-01T12:00:00.000Z', 'Europe/London', { start: '12:00', end: '14:00' }, '2024-06-01T13:00:00.000Z'],
    ['after a window within one day', '2024-06-01T13:00:00.000Z', 'Europe/London', { start: '12:00', end: '14:00' }, null],
    ['equal start and end is no window', '2024-05-01T14:30:00.000Z', 'Asia/Shanghai', { start: '08:00', end: '08:00' }, null],
  ];
  for (const [name, asOf, zone, window, expected] of cases) {
    it(name, () => assert.equal(quietHoursEnd(asOf, window, zone), expected));
  }
});

describe('compliance lexicon', () => {
  it('finds Chinese and English terms, earliest first', () => {
    assert.deepEqual(
      findBannedTerms('全网最低价，保本高息！国家级认证').map((m) => m.term),
      ['全网', '最', '保本', '高息', '国家级'],
    );
    assert.deepEqual(findBannedTerms('包治百病, 第一品牌, 顶级, 绝对').map((m) => m.category), ['MEDICAL', 'ABSOLUTE', 'ABSOLUTE', 'ABSOLUTE']);
    assert.deepEqual(findBannedTerms('Guaranteed Returns, RISK-FREE').map((m) => m.term), ['guaranteed returns', 'risk-free']);
  });

  it('folds full-width forms and case, and matches English as whole words', () => {
    assert.deepEqual(findBannedTerms('１００％有效').map((m) => m.term), ['100%']);
    assert.deepEqual(findBannedTerms('an asterisk-freely drawn #10'), []);
    assert.deepEqual(findBannedTerms('We are #1 in town').map((m) => m.term), ['#1']);
  });

  it('allows common words that contain a banned character', () => {
    assert.deepEqual(findBannedTerms('您最近的订单已发货，这是您的第一次购买'), []);
    assert.deepEqual(findBannedTerms('最近最好').map((m) => m.term), ['最']);
  });
});

describe('abuse guard', () => {
  const coupon = { action: 'ISSUE_COUPON' as const, params: { value: 10 } };
  it('skips coupons for users tagged coupon_abuser, and records why', () => {
    const abuser = profile((p) => (p.tags.coupon_abuser = { since: '2024-04-01T00:00:00Z', source: 'rule:coupon_abuser', ruleVersion: 1 }));
    const r = guardAction(coupon, { profile: abuser });
    assert.deepEqual([r.status, r.reason], ['SUPPRESSED', 'ABUSE']);
    assert.match(r.detail, /coupon_abuser/);
    assert.equal(guardAction(coupon, { profile: profile(), externalTags: ['coupon_abuser'] }).reason, 'ABUSE');
    assert.equal(guardAction(coupon, { profile: profile() }).status, 'SENT');
    assert.equal(guardAction({ ...coupon, params: { value: 10, allowAbusers: true } }, { profile: abuser }).status, 'SENT');
    assert.equal(guardAction({ action: 'SET_TAG', params: { tag: 'x' } }, { profile: abuser }).status, 'SENT');
  });
});
