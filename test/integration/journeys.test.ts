import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gql, postJson, track, useTestStack, waitFor, type TestStack } from '../support/stack.js';

/*
 * The journey engine end to end on the local stack: campaigns made through the gateway, events through ingest,
 * the journeys functions on the real streams, timers on their local one-second tick. Journeys run in event time,
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
    const stats = (await gql(stack, `{ campaign(id: "${id}") { stats { entered active completed sent suppressed } } }`)).json.data.campaign.stats;
    assert.deepEqual(stats, { entered: 1, active: 0, completed: 1, sent: 1, suppressed: 0 });
  });
});
