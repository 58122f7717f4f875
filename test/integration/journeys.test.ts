import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { enrollmentsOfUser } from '../../core/journeyEngine/store/enrollments.js';
import { verifyWebhook } from '../../core/journeyEngine/webhook.js';
import { activeCampaign, gql, postJson, track, useTestStack, waitFor, type TestStack } from '../support/stack.js';

/*
 * The journey engine end to end on the local stack: campaigns made through the gateway, events through ingest,
 * the journeys functions on the real streams, timers on their local quarter-second tick. Journeys run in event time,
 * so a trigger 20 days ago has its waits of days already due: the tick fires them at once, and a multi-day
 * journey finishes in seconds.
 */
const stack = useTestStack({ schedules: ['journeyTimers'] });

const DAY = 86_400_000;
/** 10:00 UTC, `days` days ago: outside the templates' default quiet hours (21:00–08:00 in the user's zone). */
const daysAgo = (days: number, hours = 0) => {
  const d = new Date(Date.now() - days * DAY);
  d.setUTCHours(10 + hours, 0, 0, 0);
  return d.toISOString();
};

async function ingest(s: TestStack, events: unknown[]) {
  const r = await postJson(s.ingestUrl, { events }, s.apiKey);
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function activeTemplate(s: TestStack, template: string, params: Record<string, unknown> = {}): Promise<string> {
  const created = await gql(
    s,
    'mutation($t: ID!, $p: JSON) { createCampaignFromTemplate(template: $t, name: "test", params: $p) { id status version } }',
    { t: template, p: params },
  );
  assert.ok(created.json.data, JSON.stringify(created.json.errors));
  const id = created.json.data.createCampaignFromTemplate.id as string;
  const active = await gql(s, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
  assert.equal(active.json.data?.setCampaignStatus.status, 'ACTIVE', JSON.stringify(active.json.errors));
  // The journey functions see the campaign after their cache's TTL (1 s in tests).
  await new Promise((r) => setTimeout(r, 1100));
  return id;
}

const MESSAGES = `query($c: ID, $u: ID) { outbox(campaignId: $c, userId: $u, first: 50) { edges { node {
  node channel purpose status reason detail subject body idempotencyKey campaignVersion createdAt } } } }`;
async function messages(s: TestStack, q: { campaignId?: string; userId?: string }) {
  const r = await gql(s, MESSAGES, { c: q.campaignId, u: q.userId });
  assert.ok(r.json.data, JSON.stringify(r.json.errors));
  return (r.json.data.outbox.edges as Array<{ node: Record<string, any> }>).map((e) => e.node);
}

async function enrollments(s: TestStack, userId: string) {
  const r = await gql(s, `{ user(id: "${userId}") { enrollments { campaignId version state node path endReason convertedAt } } }`);
  assert.ok(r.json.data, JSON.stringify(r.json.errors));
  return r.json.data.user?.enrollments ?? [];
}

const consent = (userId: string, at: string, traits: Record<string, unknown> = {}) => ({
  type: 'identify',
  userId,
  timestamp: at,
  traits: { consent: { marketing: true }, name: 'Ada', ...traits },
});

describe('journeys on the local stack', () => {
  it('post_purchase_review: an order, five days of wait, then the review request, once', async () => {
    const id = await activeTemplate(stack, 'post_purchase_review');
    const t0 = daysAgo(20);
    await ingest(stack, [consent('ppr-1', daysAgo(30)), track('ppr-1', 'order_completed', t0, { orderId: 'o1', revenue: 40 })]);
    const sent = await waitFor(async () => {
      const m = await messages(stack, { campaignId: id });
      return m.length ? m : null;
    }, 'the review request');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.node, 'ask');
    assert.equal(sent[0]!.status, 'SENT', sent[0]!.detail);
    assert.match(sent[0]!.body, /Hi Ada/);
    assert.equal(sent[0]!.createdAt, new Date(Date.parse(t0) + 5 * DAY).toISOString(), 'sent at the end of the wait, in event time');
    const [e] = await enrollments(stack, 'ppr-1');
    assert.deepEqual([e.campaignId, e.state, e.path], [id, 'COMPLETED', ['wait', 'kept', 'ask', 'end']]);
    const stats = (await gql(stack, `{ campaign(id: "${id}") { stats { entered active completed sent suppressed nodes { node reached active } } } }`)).json.data.campaign.stats;
    const reached = (node: string) => ({ node, reached: 1, active: 0 });
    assert.deepEqual(stats, { entered: 1, active: 0, completed: 1, sent: 1, suppressed: 0, nodes: ['ask', 'end', 'kept', 'wait'].map(reached) });
  });

  it('cart_abandon_coupon: no order a day after the cart gets a coupon; an order in between exits', async () => {
    const id = await activeTemplate(stack, 'cart_abandon_coupon');
    const t0 = daysAgo(5);
    await ingest(stack, [
      consent('cart-1', daysAgo(9)),
      consent('cart-2', daysAgo(9)),
      track('cart-1', 'product_added_to_cart', t0, { productId: 'p1', price: 30 }),
      track('cart-2', 'product_added_to_cart', t0, { productId: 'p2', price: 30 }),
      track('cart-2', 'order_completed', daysAgo(5, 2), { orderId: 'c2', revenue: 30 }),
    ]);
    const [reminder] = await waitFor(async () => {
      const m = await messages(stack, { campaignId: id, userId: 'cart-1' });
      return m.length ? m : null;
    }, 'the cart reminder');
    assert.equal(reminder!.status, 'SENT', reminder!.detail);
    const code = /Use (CART-[0-9A-Z]+) to check out/.exec(reminder!.body)?.[1];
    assert.ok(code, reminder!.body);
    // The coupon went back into the stream: the profile saw coupon_issued with that code.
    const issued = await waitFor(async () => {
      const r = await gql(stack, '{ user(id: "cart-1") { events(first: 20) { edges { node { event properties } } } } }');
      return r.json.data?.user?.events.edges.find((e: any) => e.node.event === 'coupon_issued')?.node;
    }, 'coupon_issued on the profile');
    assert.equal(issued.properties.code, code);
    assert.equal(issued.properties.campaignId, id);
    const [exited] = (await enrollments(stack, 'cart-2')).filter((e: any) => e.campaignId === id);
    assert.deepEqual([exited.state, exited.endReason, exited.path], ['EXITED', 'EXIT_EVENT', ['wait']]);
    assert.deepEqual(await messages(stack, { campaignId: id, userId: 'cart-2' }), []);
  });

  it('a paused campaign holds the events that would step its enrollments, and steps them once it resumes', async () => {
    const id = await activeTemplate(stack, 'cart_abandon_coupon');
    const setStatus = async (status: string) => {
      const r = await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ${status}) { status } }`);
      assert.equal(r.json.data?.setCampaignStatus.status, status, JSON.stringify(r.json.errors));
      await new Promise((r) => setTimeout(r, 1100)); // the journey functions' campaign cache
    };
    const mine = async () => (await enrollmentsOfUser(process.env.ENROLLMENTS_TABLE!, 'pause-1')).find((e) => e.campaignId === id);
    // The day's wait ends 8 s from now: while the campaign is paused.
    const cartAt = new Date(Date.now() - DAY + 8000).toISOString();
    await ingest(stack, [consent('pause-1', daysAgo(9)), track('pause-1', 'product_added_to_cart', cartAt, { productId: 'p9', price: 30 })]);
    await waitFor(async () => (await mine())?.state.node === 'wait', 'the enrollment waiting a day');
    await setStatus('PAUSED');

    // Ordered during the pause: held, not dropped, and not yet stepped.
    await ingest(stack, [track('pause-1', 'order_completed', new Date().toISOString(), { orderId: 'p9', revenue: 30 })]);
    await waitFor(async () => (await mine())?.held?.length === 1, 'the order held on the enrollment');
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(cartAt) + DAY - Date.now()) + 1000)); // the wait fell due
    assert.equal((await mine())!.state.status, 'ACTIVE');
    assert.deepEqual(await messages(stack, { campaignId: id, userId: 'pause-1' }), [], 'nothing sent while paused');

    // Resumed: the next touch steps the held order first, so the user exits converted and gets no coupon.
    await setStatus('ACTIVE');
    await ingest(stack, [track('pause-1', 'page_viewed', new Date().toISOString())]);
    const ended = await waitFor(async () => {
      const e = await mine();
      // The step and the release of what was held are two writes (core/journeyEngine/advance.ts): wait for both.
      return e && e.state.status !== 'ACTIVE' && !e.held?.length ? e : null;
    }, 'the held order stepped and released');
    assert.deepEqual([ended.state.status, ended.state.endReason], ['EXITED', 'EXIT_EVENT']);
    assert.ok(ended.state.convertedAt, 'the goal counts');
    assert.deepEqual(await messages(stack, { campaignId: id, userId: 'pause-1' }), []);
  });

  it('new_user_nurture: the new_user tag (changes stream) enrolls; welcome, a coupon on day 3, a review on day 7', async () => {
    const id = await activeTemplate(stack, 'new_user_nurture');
    await ingest(stack, [consent('nu-1', daysAgo(10)), track('nu-1', 'app_opened', daysAgo(10))]);
    const sent = await waitFor(async () => {
      const m = await messages(stack, { campaignId: id, userId: 'nu-1' });
      return m.length === 3 ? m : null;
    }, 'three nurture messages');
    // Newest first.
    assert.deepEqual(sent.map((m) => [m.node, m.status]), [['review', 'SENT'], ['coupon_msg', 'SENT'], ['welcome', 'SENT']]);
    assert.match(sent[1]!.body, /use WELCOME-[0-9A-Z]+ on your first order/);
    const days = sent.map((m) => Math.round((Date.parse(m.createdAt) - Date.parse(sent[2]!.createdAt)) / DAY));
    assert.deepEqual(days, [7, 3, 0]);
  });

  it('dormant_winback: the sweep tags dormant high-value customers; a 10% holdout; the order that wins one back converts', async () => {
    // No quiet hours: the sweep runs at the current hour, which may fall in them.
    const id = await activeTemplate(stack, 'dormant_winback', { quietHours: null });
    const users = Array.from({ length: 10 }, (_, i) => `dw-${i}`);
    await ingest(stack, users.flatMap((u, i) => [consent(u, daysAgo(60)), track(u, 'order_completed', daysAgo(45), { orderId: `dw${i}`, revenue: 1500 })]));
    await waitFor(async () => {
      const r = await Promise.all(users.map((u) => gql(stack, `{ user(id: "${u}") { consent tags { name } } }`)));
      return r.every((x) => x.json.data?.user?.consent?.marketing === true && x.json.data.user.tags.some((t: any) => t.name === 'high_value'));
    }, 'the profiles');
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    await stack.runScheduled('sweeper', hour); // the hourly sweep finds them dormant now
    const all = await waitFor(async () => {
      const es = (await Promise.all(users.map((u) => enrollments(stack, u)))).map((list: any[]) => list.find((e) => e.campaignId === id));
      return es.every((e) => e && (e.state !== 'ACTIVE' || e.node === 'await_order')) ? es : null;
    }, 'ten enrollments');
    const held = all.filter((e: any) => e.endReason === 'HOLDOUT');
    const treated = users.filter((_, i) => all[i].endReason !== 'HOLDOUT');
    assert.equal(held.length + treated.length, 10);
    for (const u of treated) {
      // The step is saved before its effects apply: wait for the message.
      const [offer] = await waitFor(async () => {
        const m = await messages(stack, { campaignId: id, userId: u });
        return m.length ? m : null;
      }, `the offer to ${u}`);
      assert.equal(offer?.status, "SENT", `${u}: ${JSON.stringify(offer)}`);
      assert.match(offer!.body, /WINBACK-[0-9A-Z]+/);
    }
    for (const e of held) assert.deepEqual(e.path, ['holdout']);
    if (treated.length) {
      const back = treated[0]!;
      await ingest(stack, [track(back, 'order_completed', new Date().toISOString(), { orderId: 'won', revenue: 80 })]);
      const won = await waitFor(async () => (await enrollments(stack, back)).find((e: any) => e.campaignId === id && e.state === 'COMPLETED'), 'won back');
      assert.equal(won.node, 'won_back');
      assert.ok(won.convertedAt);
      const stats = (await gql(stack, `{ campaign(id: "${id}") { stats { entered converted revenue conversionRate } } }`)).json.data.campaign.stats;
      assert.deepEqual(stats, { entered: 10, converted: 1, revenue: 80, conversionRate: 0.1 });
      // Performance over time: the same figures by event-time day, priced at 0.5 a send.
      const from = new Date(Date.now() - DAY).toISOString();
      const to = new Date(Date.now() + DAY).toISOString();
      const perf = (
        await gql(stack, `{ campaign(id: "${id}") { priced: performance(from: "${from}", to: "${to}", costPerSend: 0.5) { totals { sends suppressions conversions revenue cost roi } points { start sends conversions } holdout { node } }
          unpriced: performance(from: "${from}", to: "${to}") { totals { cost roi } } } }`)
      ).json.data.campaign;
      const cost = 0.5 * treated.length;
      assert.deepEqual(perf.priced.totals, { sends: treated.length, suppressions: 0, conversions: 1, revenue: 80, cost, roi: (80 - cost) / cost });
      assert.equal(perf.priced.points.length, 3, 'three UTC days touch the two-day range');
      assert.equal(perf.priced.points.reduce((n: number, p: any) => n + p.sends, 0), treated.length);
      assert.equal(perf.priced.points.reduce((n: number, p: any) => n + p.conversions, 0), 1);
      assert.equal(perf.priced.holdout.node, 'holdout');
      assert.deepEqual(perf.unpriced.totals, { cost: null, roi: null });
    }
    // The holdout's experiment: exposures per variant, the conversion, and an analysis once both sides have users.
    const x = (
      await gql(stack, `{ campaign(id: "${id}") { experiment { node kind variants { name users converted revenue } metrics { metric note analysis { srmPValue variants { name users mean lift chanceToWin } } } } } }`)
    ).json.data.campaign.experiment;
    assert.deepEqual([x.node, x.kind], ['holdout', 'HOLDOUT']);
    assert.deepEqual(x.variants.map((v: any) => [v.name, v.users]), [['holdout', held.length], ['treatment', treated.length]]);
    assert.equal(x.variants[1].converted, treated.length ? 1 : 0);
    const conversion = x.metrics.find((m: any) => m.metric === 'CONVERSION');
    if (held.length && treated.length) {
      assert.equal(conversion.analysis.variants[1].mean, 1 / treated.length);
      assert.ok(conversion.analysis.srmPValue > 0 && conversion.analysis.srmPValue <= 1);
    } else {
      assert.equal(conversion.analysis, null);
      assert.ok(conversion.note);
    }
  });

  it('guards in order: consent, frequency caps, quiet hours (queued, then sent when the window ends) and compliance', async () => {
    const journey = {
      trigger: { kind: 'EVENT', event: 'guard_test' },
      start: 'm1',
      nodes: {
        m1: { type: 'SEND', channel: 'email', purpose: 'marketing', message: { body: 'Hello' }, next: 'm2' },
        m2: { type: 'SEND', channel: 'email', purpose: 'marketing', message: { body: 'Guaranteed returns, risk-free!' }, next: 'm3' },
        m3: { type: 'SEND', channel: 'sms', purpose: 'marketing', message: { body: 'Third' }, next: 'm4' },
        m4: { type: 'SEND', channel: 'sms', purpose: 'marketing', message: { body: 'Fourth' }, next: 'm5' },
        m5: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: 'Your receipt' }, next: 'end' },
        end: { type: 'EXIT' },
      },
      limits: { perUserPerDay: 2, quietHours: { start: '21:00', end: '08:00' } },
    };
    const created = await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "guards", journey: $j }) { id } }', { j: journey });
    const id = created.json.data.createCampaign.id;
    await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    await new Promise((r) => setTimeout(r, 1100));
    const night = new Date(Date.parse(daysAgo(3)) + 13 * 3_600_000).toISOString(); // 23:00 UTC
    await ingest(stack, [
      { type: 'identify', userId: 'g-none', timestamp: daysAgo(4), traits: { name: 'No consent' } },
      consent('g-day', daysAgo(4)),
      consent('g-night', daysAgo(4)),
      track('g-none', 'guard_test', daysAgo(3)),
      track('g-day', 'guard_test', daysAgo(3)),
      track('g-night', 'guard_test', night),
    ]);
    const outcome = async (u: string) =>
      waitFor(async () => {
        const m = await messages(stack, { campaignId: id, userId: u });
        return m.length === 5 && m.every((x) => x.status !== 'QUEUED') ? m.reverse().map((x) => [x.node, x.status, x.reason]) : null;
      }, `five outcomes for ${u}`);
    assert.deepEqual(await outcome('g-none'), [
      ['m1', 'SUPPRESSED', 'CONSENT'],
      ['m2', 'SUPPRESSED', 'CONSENT'],
      ['m3', 'SUPPRESSED', 'CONSENT'],
      ['m4', 'SUPPRESSED', 'CONSENT'],
      ['m5', 'SENT', null], // transactional needs no marketing consent
    ]);
    const day = await outcome('g-day');
    assert.deepEqual(day, [
      ['m1', 'SENT', null],
      ['m2', 'SUPPRESSED', 'COMPLIANCE'],
      ['m3', 'SENT', null],
      ['m4', 'SUPPRESSED', 'FREQUENCY_CAP'],
      ['m5', 'SUPPRESSED', 'FREQUENCY_CAP'],
    ]);
    // At night everything waits for 08:00, then runs every guard again, in the same order.
    assert.deepEqual(await outcome('g-night'), day);
    const compliance = (await messages(stack, { campaignId: id, userId: 'g-day' })).find((m) => m.node === 'm2')!;
    assert.match(compliance.detail, /banned term 'guaranteed returns'/);
  });

  it('is exactly once for a trigger sent twice, and a new version leaves running enrollments on theirs', async () => {
    const journey = (body: string) => ({
      trigger: { kind: 'EVENT', event: 'twice_test' },
      start: 'hi',
      nodes: {
        hi: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body }, next: 'wait' },
        wait: { type: 'WAIT', duration: 'P1D', next: 'bye' },
        bye: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: `${body} bye` }, next: 'end' },
        end: { type: 'EXIT' },
      },
      reentry: { mode: 'ALWAYS' },
    });
    const created = await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "twice", journey: $j }) { id version } }', { j: journey('v1') });
    const id = created.json.data.createCampaign.id;
    await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    const stale = await gql(stack, 'mutation($id: ID!, $j: JSON!) { updateCampaign(id: $id, expectedVersion: 5, input: { name: "twice", journey: $j }) { version } }', { id, j: journey('v2') });
    assert.equal(stale.json.errors[0].extensions.code, 'CONFLICT');
    await new Promise((r) => setTimeout(r, 1100));
    const trigger = { ...track('tw-1', 'twice_test', daysAgo(0, -1)), eventId: 'twice-1' };
    await ingest(stack, [trigger]);
    await ingest(stack, [trigger]); // a client resend: same event id
    await waitFor(async () => (await messages(stack, { campaignId: id, userId: 'tw-1' })).length === 1, 'hi');
    const updated = await gql(stack, 'mutation($id: ID!, $j: JSON!) { updateCampaign(id: $id, expectedVersion: 1, input: { name: "twice", journey: $j }) { version journey } }', { id, j: journey('v2') });
    assert.equal(updated.json.data?.updateCampaign.version, 2, JSON.stringify(updated.json.errors));
    await new Promise((r) => setTimeout(r, 1100));
    await ingest(stack, [{ ...track('tw-2', 'twice_test', daysAgo(0, -1)), eventId: 'twice-2' }]);
    await waitFor(async () => (await messages(stack, { campaignId: id, userId: 'tw-2' })).length === 1, 'hi on v2');
    // (As new users they are in new_user_nurture too.)
    const one = (await enrollments(stack, 'tw-1')).filter((e: any) => e.campaignId === id);
    const two = (await enrollments(stack, 'tw-2')).filter((e: any) => e.campaignId === id);
    assert.equal(one.length, 1, 'one enrollment for the trigger sent twice');
    assert.deepEqual([one[0].version, two[0].version], [1, 2]);
    const [m1] = await messages(stack, { campaignId: id, userId: 'tw-1' });
    const [m2] = await messages(stack, { campaignId: id, userId: 'tw-2' });
    assert.deepEqual([m1!.body, m1!.campaignVersion, m2!.body, m2!.campaignVersion], ['v1', 1, 'v2', 2]);
  });

  it('validates journeys with paths and codes, and simulates one without sending', async () => {
    const bad = { trigger: { kind: 'EVENT', event: 'x' }, start: 'a', nodes: { a: { type: 'SEND', channel: 'pigeon', purpose: 'marketing', message: { body: 'hi' }, next: 'nowhere' } } };
    const v = await gql(stack, 'query($j: JSON!) { validateJourney(journey: $j) { path code } }', { j: bad });
    const codes = v.json.data.validateJourney.map((p: any) => `${p.path} ${p.code}`);
    assert.ok(codes.some((c: string) => c.startsWith('nodes.a.channel')), codes.join('; '));
    const rejected = await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "bad", journey: $j }) { id } }', { j: bad });
    assert.equal(rejected.json.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.ok(rejected.json.errors[0].extensions.problems.length >= 2);

    const templates = (await gql(stack, '{ campaignTemplates { id params journey } }')).json.data.campaignTemplates;
    assert.deepEqual(templates.map((t: any) => t.id), ['payment_failed_retention', 'new_user_nurture', 'dormant_winback', 'cart_abandon_coupon', 'post_purchase_review']);
    const sim = await gql(
      stack,
      `query($j: JSON!) { simulateJourney(journey: $j, userId: "g-none") { problems { code } inAudience path outcome steps { node kind summary guards { guard pass detail } } } }`,
      { j: templates.find((t: any) => t.id === 'cart_abandon_coupon').journey },
    );
    const r = sim.json.data?.simulateJourney;
    assert.ok(r, JSON.stringify(sim.json.errors));
    assert.deepEqual([r.problems, r.path, r.outcome], [[], ['wait'], 'WAITING']);
    assert.equal(r.steps[0].kind, 'SET_TIMER');
    const before = (await gql(stack, '{ campaigns { id } }')).json.data.campaigns.length;
    const msg = await gql(
      stack,
      `query($j: JSON!) { simulateJourney(journey: $j, userId: "g-none") { steps { kind guards { guard pass } } } }`,
      { j: { trigger: { kind: 'EVENT', event: 'sim' }, start: 's', nodes: { s: { type: 'SEND', channel: 'email', purpose: 'marketing', message: { body: 'hi' }, next: 'e' }, e: { type: 'EXIT' } } } },
    );
    const guards = msg.json.data.simulateJourney.steps[0].guards;
    assert.deepEqual(guards.map((g: any) => `${g.guard}:${g.pass}`), ['AUDIENCE:true', 'CONSENT:false', 'FREQUENCY_CAP:true', 'QUIET_HOURS:true', 'COMPLIANCE:true']);
    assert.equal((await gql(stack, '{ campaigns { id } }')).json.data.campaigns.length, before, 'nothing created');
    assert.deepEqual(await messages(stack, { userId: 'g-none', campaignId: 'simulation' }), []);
  });

  it('lets operators extend the compliance lexicon and cap sends across campaigns', async () => {
    const set = await gql(
      stack,
      'mutation { updateJourneySettings(input: { extraTerms: ["miracle deal", "miracle deal"], perUserPerDay: 1 }) { extraTerms perUserPerDay defaultTerms } }',
    );
    const saved = set.json.data?.updateJourneySettings;
    assert.ok(saved, JSON.stringify(set.json.errors));
    assert.deepEqual([saved.extraTerms, saved.perUserPerDay], [['miracle deal'], 1]);
    assert.ok(saved.defaultTerms.includes('保本'));
    const bad = await gql(stack, 'mutation { updateJourneySettings(input: { extraTerms: [""] }) { extraTerms } }');
    assert.equal(bad.json.errors[0].extensions.code, 'BAD_USER_INPUT');
    const make = async (event: string, body: string) => {
      const j = {
        trigger: { kind: 'EVENT', event },
        start: 's',
        nodes: { s: { type: 'SEND', channel: 'email', purpose: 'marketing', message: { body }, next: 'e' }, e: { type: 'EXIT' } },
      };
      const id = (await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "ops", journey: $j }) { id } }', { j })).json.data.createCampaign.id;
      await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
      return id as string;
    };
    const a = await make('ops_a', 'A Miracle Deal for you');
    const b = await make('ops_b', 'Plain news');
    const c = await make('ops_c', 'More plain news');
    await new Promise((r) => setTimeout(r, 1100));
    await ingest(stack, [consent('ops-1', daysAgo(2))]);
    await ingest(stack, [track('ops-1', 'ops_a', daysAgo(1)), track('ops-1', 'ops_b', daysAgo(1, 1)), track('ops-1', 'ops_c', daysAgo(1, 2))]);
    const one = async (id: string) => waitFor(async () => (await messages(stack, { campaignId: id, userId: 'ops-1' }))[0], `message of ${id}`);
    const [ma, mb, mc] = [await one(a), await one(b), await one(c)];
    assert.deepEqual([ma.status, ma.reason], ['SUPPRESSED', 'COMPLIANCE']);
    assert.match(ma.detail, /miracle deal/);
    assert.deepEqual([mb.status, mc.status, mc.reason], ['SENT', 'SUPPRESSED', 'FREQUENCY_CAP']);
    assert.match(mc.detail, /all campaigns per day/);
    await gql(stack, 'mutation { updateJourneySettings(input: { extraTerms: [] }) { extraTerms } }');
  });

  it('SCHEDULE: each period, the members of the segment are offered an enrollment once', async () => {
    const seg = await gql(stack, 'mutation { createSegment(input: { id: "sched_gold", name: "Gold", expression: "traits.plan == \\"gold\\"" }) { id } }');
    assert.ok(seg.json.data, JSON.stringify(seg.json.errors));
    await new Promise((r) => setTimeout(r, 1100));
    await ingest(stack, [
      { type: 'identify', userId: 'sched-1', timestamp: daysAgo(1), traits: { plan: 'gold' } },
      { type: 'identify', userId: 'sched-2', timestamp: daysAgo(1), traits: { plan: 'silver' } },
    ]);
    await waitFor(async () => (await gql(stack, '{ segment(id: "sched_gold") { size } }')).json.data?.segment?.size === 1, 'the segment');
    const journey = {
      trigger: { kind: 'SCHEDULE', every: 'P1D', segment: 'sched_gold' },
      reentry: { mode: 'ALWAYS' },
      start: 's',
      nodes: { s: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: 'Your daily gold digest' }, next: 'e' }, e: { type: 'EXIT' } },
    };
    const id = (await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "digest", journey: $j }) { id segmentId } }', { j: journey })).json.data.createCampaign.id;
    await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    const [m] = await waitFor(async () => {
      const list = await messages(stack, { campaignId: id });
      return list.length ? list : null;
    }, 'the digest');
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString();
    assert.deepEqual([m!.node, m!.status, m!.createdAt], ['s', 'SENT', today]);
    await new Promise((r) => setTimeout(r, 2500)); // more ticks in the same period
    const all = await messages(stack, { campaignId: id });
    assert.deepEqual(all.map((x) => x.createdAt), [today], 'one per member per period');
    assert.deepEqual(await messages(stack, { campaignId: id, userId: 'sched-2' }), []);
  });

  it('payment_failed_retention: history and sentiment choose a coupon, an upgrade or a service agent; webhooks signed', async () => {
    // A loopback receiver for the webhook channel and the service desk's WEBHOOK action.
    const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
    let failNext = 1; // the first delivery fails with a 503: retried
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (failNext-- > 0) return void res.writeHead(503).end();
        received.push({ path: req.url!, headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    after(() => new Promise<void>((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const saved = await gql(stack, `mutation { updateJourneySettings(input: { extraTerms: [], webhookUrl: "${base}/messages" }) { webhookUrl } }`);
    assert.equal(saved.json.data?.updateJourneySettings.webhookUrl, `${base}/messages`, JSON.stringify(saved.json.errors));
    const id = await activeTemplate(stack, 'payment_failed_retention', { channel: 'webhook', agentWebhookUrl: `${base}/agent` });

    const logins = (u: string) => [3, 6, 9].map((d) => track(u, 'login', daysAgo(d)));
    const orders = (u: string) => [20, 15].map((d, i) => track(u, 'order_completed', daysAgo(d), { orderId: `${u}-${i}`, revenue: 300 }));
    await ingest(stack, [
      consent('pf-coupon', daysAgo(40)),
      track('pf-coupon', 'login', daysAgo(3)),
      consent('pf-upgrade', daysAgo(40)),
      ...logins('pf-upgrade'),
      ...orders('pf-upgrade'),
      consent('pf-agent', daysAgo(40)),
      ...logins('pf-agent'),
      ...orders('pf-agent'),
      track('pf-agent', 'message_received', daysAgo(2), { text: 'Terrible service, I am very disappointed' }),
    ]);
    await waitFor(async () => {
      const r = await gql(stack, '{ user(id: "pf-agent") { stats { orders } } }');
      return r.json.data?.user?.stats.orders === 2;
    }, 'the histories');
    await ingest(stack, ['pf-coupon', 'pf-upgrade', 'pf-agent'].map((u) => track(u, 'payment_failed', daysAgo(1), { orderId: `${u}-pf` })));

    const nodes = async (u: string, n: number) =>
      waitFor(async () => {
        const m = await messages(stack, { campaignId: id, userId: u });
        return m.length === n && m.every((x) => x.status !== 'QUEUED') ? m.reverse() : null; // QUEUED: being delivered
      }, `${n} messages for ${u}`);
    const coupon = await nodes('pf-coupon', 2);
    const upgrade = await nodes('pf-upgrade', 2);
    const agent = await nodes('pf-agent', 2);
    assert.deepEqual(coupon.map((m) => [m.node, m.status]), [['notify', 'SENT'], ['coupon_msg', 'SENT']]);
    assert.deepEqual(upgrade.map((m) => m.node), ['notify', 'upgrade_msg']);
    assert.deepEqual(agent.map((m) => m.node), ['notify', 'agent_msg']);
    for (const m of [...coupon, ...upgrade, ...agent]) assert.match(m.detail, /delivered to 127\.0\.0\.1/);
    assert.match(coupon[1]!.body, /use RETRY-[0-9A-Z]+ for your next order/);

    // Every delivery is signed with the stack's key, carries its idempotency key, and came once.
    const secret = readFileSync(join(stack.dataDir, 'webhook-secret'), 'utf8').trim();
    for (const r of received) {
      const sig = r.headers['x-opsgraph-signature'] as string;
      assert.ok(verifyWebhook(secret, r.headers['x-opsgraph-timestamp'] as string, r.body, sig, Date.now()), `signature of ${r.path}`);
    }
    const toMessages = received.filter((r) => r.path === '/messages').map((r) => JSON.parse(r.body));
    assert.equal(toMessages.length, 6);
    assert.equal(new Set(received.map((r) => r.headers['idempotency-key'])).size, received.length);
    const desk = received.filter((r) => r.path === '/agent').map((r) => JSON.parse(r.body));
    assert.deepEqual(desk.map((d) => [d.type, d.userId, d.data]), [['action', 'pf-agent', { reason: 'payment_failed', priority: 'high' }]]);

    // The actions reached the profiles through the stream: a campaign tag and a trait.
    const profile = async (u: string) => (await gql(stack, `{ user(id: "${u}") { traits tags { name source } } }`)).json.data.user;
    const tagged = await waitFor(async () => (await profile('pf-agent')).tags.find((t: any) => t.name === 'service_agent'), 'the service_agent tag');
    assert.equal(tagged.source, `campaign:${id}`);
    // Published as a tag_added change like a rule's tag: the membership index counts it.
    const counted = await waitFor(async () => {
      const r = await gql(stack, '{ tagCounts(tags: ["service_agent"]) { users } }');
      return r.json.data?.tagCounts[0].users === 1 ? r : null;
    }, 'the service_agent membership');
    assert.ok(counted);
    const offered = await waitFor(async () => (await profile('pf-upgrade')).traits.membership_offer, 'the membership_offer trait');
    assert.equal(offered, 'upgrade');
    await gql(stack, 'mutation { updateJourneySettings(input: { extraTerms: [] }) { webhookUrl } }');
  });

  it('a webhook that always fails ends FAILED (DELIVERY) after its retries and the journey goes on; REMOVE_TAG takes the tag off', async () => {
    const hits: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      req.resume().on('end', () => {
        hits.push(req.headers['idempotency-key'] as string | undefined);
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    after(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/down`;
    const saved = await gql(stack, `mutation { updateJourneySettings(input: { extraTerms: [], webhookUrl: "${url}" }) { webhookUrl } }`);
    assert.equal(saved.json.data?.updateJourneySettings.webhookUrl, url, JSON.stringify(saved.json.errors));
    const journey = {
      trigger: { kind: 'EVENT', event: 'wh_start' },
      start: 'tag',
      nodes: {
        tag: { type: 'ACTION', action: 'SET_TAG', params: { tag: 'wh_flagged' }, next: 'hook' },
        hook: { type: 'SEND', channel: 'webhook', purpose: 'transactional', message: { body: 'Flagged' }, next: 'await' },
        await: { type: 'WAIT_FOR_EVENT', event: 'wh_done', timeout: 'P30D', onEvent: 'untag', onTimeout: 'end' },
        untag: { type: 'ACTION', action: 'REMOVE_TAG', params: { tag: 'wh_flagged' }, next: 'after' },
        after: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: 'Done' }, next: 'end' },
        end: { type: 'EXIT' },
      },
    };
    const id = await activeCampaign(stack, 'webhook down', journey);
    await new Promise((r) => setTimeout(r, 1100)); // the journey functions' campaign cache

    await ingest(stack, [track('wh-u', 'wh_start', new Date().toISOString())]);
    const tags = async () => ((await gql(stack, '{ user(id: "wh-u") { tags { name source } } }')).json.data.user?.tags ?? []) as Array<{ name: string; source: string }>;
    const flagged = await waitFor(async () => (await tags()).find((t) => t.name === 'wh_flagged'), 'the campaign tag');
    assert.equal(flagged.source, `campaign:${id}`);
    const outcomes = () => messages(stack, { campaignId: id });
    const failed = await waitFor(async () => (await outcomes()).find((o) => o.node === 'hook' && o.status !== 'QUEUED'), 'the webhook outcome');
    // Four attempts with backoff, one key: the dead-letter is the FAILED outbox item, with why.
    assert.deepEqual([failed.status, failed.reason], ['FAILED', 'DELIVERY']);
    assert.match(failed.detail, /after 4 attempt\(s\): HTTP 500/);
    assert.equal(hits.length, 4);
    assert.equal(new Set(hits).size, 1);

    // The failed call does not stall the journey: the awaited event moves it on, and REMOVE_TAG takes the tag off.
    await ingest(stack, [track('wh-u', 'wh_done', new Date().toISOString())]);
    await waitFor(async () => (await outcomes()).some((o) => o.node === 'after' && o.status === 'SENT'), 'the last send');
    await waitFor(async () => !(await tags()).some((t) => t.name === 'wh_flagged'), 'the tag removed');
    // (The new user is also in the earlier test's new_user_nurture: only this campaign's enrollment counts here.)
    const enrollment = (await enrollments(stack, 'wh-u')).find((e: { campaignId: string }) => e.campaignId === id);
    assert.deepEqual(enrollment.path, ['tag', 'hook', 'await', 'untag', 'after', 'end']);
    await gql(stack, 'mutation { updateJourneySettings(input: { extraTerms: [] }) { webhookUrl } }');
  });

  it('analyzeExperiment: gbstats figures through the gateway, and bad input as BAD_USER_INPUT', async () => {
    const q = `query($i: ExperimentAnalysisInput!) { analyzeExperiment(input: $i) { srmPValue srmWarning variants { name users mean lift chanceToWin risk pValue } } }`;
    const bayes = await gql(stack, q, {
      i: { metric: 'BINOMIAL', engine: 'BAYESIAN', variants: [{ name: 'control', users: 100, sum: 49, sumSquares: 49 }, { name: 'b', users: 100, sum: 51, sumSquares: 51 }] },
    });
    const b = bayes.json.data?.analyzeExperiment;
    assert.ok(b, JSON.stringify(bayes.json.errors));
    assert.ok(Math.abs(b.variants[1].chanceToWin - 0.60918) < 1e-5, String(b.variants[1].chanceToWin));
    const srm = await gql(stack, q, {
      i: { metric: 'BINOMIAL', engine: 'FREQUENTIST', weights: [0.5, 0.5], variants: [{ name: 'a', users: 1000, sum: 100, sumSquares: 100 }, { name: 'b', users: 1200, sum: 130, sumSquares: 130 }] },
    });
    assert.ok(Math.abs(srm.json.data.analyzeExperiment.srmPValue - 0.000020079) < 1e-8);
    assert.equal(srm.json.data.analyzeExperiment.srmWarning, true);
    const bad = await gql(stack, q, { i: { metric: 'MEAN', engine: 'FREQUENTIST', variants: [{ name: 'a', users: -1, sum: 1, sumSquares: 1 }, { name: 'b', users: 10, sum: 1, sumSquares: 1 }] } });
    assert.equal(bad.json.errors[0].extensions.code, 'BAD_USER_INPUT');
  });
});
