import assert from 'node:assert/strict';
import { isIP, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { generateKey, putApiKey } from '../../core/auth/apiKeys.js';
import { gql, postJson, useTestStack, track, waitFor } from '../support/stack.js';

/** Every TCP destination this process connected to that is not loopback (the stack must stay on the machine). */
const offMachine: string[] = [];
const connect = Socket.prototype.connect;

const stack = useTestStack({
  beforeStart() {
    Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
      // net.connect() hands over its normalised arguments as one array: [options, callback].
      const first = Array.isArray(args[0]) ? args[0][0] : args[0];
      const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: string; path?: string };
      const host = options.host ?? (options.path ? 'unix' : 'localhost');
      const loopback = host === 'unix' || host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
      if (!loopback) offMachine.push(host);
      return (connect as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof Socket.prototype.connect;
  },
  afterClose() {
    Socket.prototype.connect = connect;
  },
});

const USER_QUERY = `query($id: ID!) { user(id: $id) { id stats { orders revenue lastSeenAt } tags { name since source } segments { id } } }`;

describe('ingest → stream → tagger → gateway', () => {
  it('shows an ingested order and its tags through GraphQL', async () => {
    const res = await postJson(
      stack.ingestUrl,
      {
        events: [
          track('u1', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'o1', revenue: 1500, currency: 'GBP' }),
          track('u1', 'payment_failed', '2026-11-20T11:00:00Z', { orderId: 'o2' }),
        ],
      },
      stack.apiKey,
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { accepted: 2, rejected: [] });
    const user = await waitFor(async () => {
      const r = await gql(stack, USER_QUERY, { id: 'u1' });
      return r.json.data?.user?.stats.orders === 1 ? r.json.data.user : null;
    }, 'u1 to appear');
    assert.equal(user.stats.revenue, 1500);
    assert.equal(user.stats.lastSeenAt, '2026-11-20T11:00:00.000Z');
    const tags = Object.fromEntries(user.tags.map((t: { name: string }) => [t.name, t]));
    assert.ok(tags.high_value, 'high_value tag');
    assert.ok(tags.payment_risk, 'payment_risk tag');
    assert.equal(tags.payment_risk.source, 'rule:payment_risk');
    assert.equal(tags.high_value.since, '2026-11-20T11:00:00.000Z');
    // A later order clears payment_risk (the failure is no longer the latest payment event).
    await postJson(stack.ingestUrl, { events: [track('u1', 'order_completed', '2026-11-20T12:00:00Z', { orderId: 'o3', revenue: 10 })] }, stack.apiKey);
    const after = await waitFor(async () => {
      const r = await gql(stack, USER_QUERY, { id: 'u1' });
      return r.json.data?.user?.stats.orders === 2 ? r.json.data.user : null;
    }, 'second order');
    assert.deepEqual(after.tags.map((t: { name: string }) => t.name).sort(), ['high_value', 'new_user']);
  });

  it('rejects bad items one by one and keeps the valid ones', async () => {
    const good = track('u2', 'login', '2026-11-20T10:00:00Z');
    const res = await postJson(
      stack.ingestUrl,
      {
        events: [
          good,
          { type: 'track', event: 'login', timestamp: '2026-11-20T10:00:00Z' },
          track('u2', 'login', 'yesterday'),
          track('u2', 'login', '2026-11-20T10:00:00Z', {}, { colour: 'red' }),
          'not an event',
          track('u2', 'order_completed', '2026-11-20T10:00:00Z', { revenue: 'lots' }),
          track('u2', 'message_received', '2026-11-20T10:00:00Z', { text: 'x'.repeat(40_000) }),
          track('u2', 'Bad Name', '2026-11-20T10:00:00Z'),
        ],
      },
      stack.apiKey,
    );
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, 1);
    const codes = Object.fromEntries(res.json.rejected.map((r: { index: number; code: string }) => [r.index, r.code]));
    assert.deepEqual(codes, {
      1: 'MISSING_USER',
      2: 'BAD_TIMESTAMP',
      3: 'UNKNOWN_FIELD',
      4: 'INVALID_EVENT',
      5: 'INVALID_EVENT',
      6: 'EVENT_TOO_LARGE',
      7: 'INVALID_EVENT',
    });
    for (const r of res.json.rejected) assert.ok(r.message.length > 5, `message for ${r.index}`);
    assert.match(res.json.rejected.find((r: { index: number }) => r.index === 3).message, /colour/);
    assert.match(res.json.rejected.find((r: { index: number }) => r.index === 5).message, /orderId|revenue/);
  });

  it('accepts the first 500 events of a larger request and rejects the rest per item', async () => {
    const events = Array.from({ length: 503 }, (_, i) => track(`bulk-${i % 7}`, 'product_viewed', '2026-11-20T10:00:00Z', { productId: `p${i}` }));
    const res = await postJson(stack.ingestUrl, { events }, stack.apiKey);
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, 500);
    assert.deepEqual(res.json.rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [
      [500, 'TOO_MANY_EVENTS'],
      [501, 'TOO_MANY_EVENTS'],
      [502, 'TOO_MANY_EVENTS'],
    ]);
  });

  it('answers 400 for malformed JSON and for a request with nothing valid, 413 for an oversized one', async () => {
    const malformed = await postJson(stack.ingestUrl, '{"events": [', stack.apiKey);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.rejected[0].code, 'MALFORMED_JSON');
    const nothing = await postJson(stack.ingestUrl, { events: [{ type: 'track' }] }, stack.apiKey);
    assert.equal(nothing.status, 400);
    assert.equal(nothing.json.accepted, 0);
    const huge = await postJson(stack.ingestUrl, { events: [], pad: 'x'.repeat(5 * 1024 * 1024) }, stack.apiKey);
    assert.equal(huge.status, 413);
  });

  it('refuses missing and wrong keys with 401 and a key without the scope with 403, storing nothing', async () => {
    const event = { events: [track('intruder', 'login', '2026-11-20T10:00:00Z')] };
    assert.equal((await postJson(stack.ingestUrl, event)).status, 401);
    const wrong = await postJson(stack.ingestUrl, event, 'og_wrong');
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(JSON.stringify(wrong.json), /og_wrong|apikeys|opsgraph-local/);
    const readOnly = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, readOnly, { name: 'reader', scopes: ['profiles:read'] });
    assert.equal((await postJson(stack.ingestUrl, event, readOnly)).status, 403);
    const gqlNoKey = await gql(stack, '{ segments { id } }', {}, '');
    assert.equal(gqlNoKey.status, 401);
    assert.equal(gqlNoKey.json.errors[0].extensions.code, 'UNAUTHENTICATED');
    const mutation = await gql(stack, 'mutation { deleteSegment(id: "vip_at_risk") }', {}, readOnly);
    assert.equal(mutation.json.errors[0].extensions.code, 'FORBIDDEN');
    // The admin can see that nothing from the intruder was stored.
    const r = await gql(stack, USER_QUERY, { id: 'intruder' });
    assert.equal(r.json.data.user, null);
  });

  it('gives typed errors for unknown fields, deep and costly queries', async () => {
    const unknown = await gql(stack, '{ user(id: "u1") { nope } }');
    assert.equal(unknown.json.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    const deep = await gql(
      stack,
      '{ segments { members { edges { node { segments { members { edges { node { segments { members { edges { node { id } } } } } } } } } } } } }',
    );
    assert.equal(deep.json.errors[0].extensions.code, 'QUERY_TOO_DEEP');
    const costly = await gql(stack, '{ users(first: 100) { edges { node { events(first: 100) { edges { node { eventId timestamp } } } } } } }');
    assert.equal(costly.json.errors[0].extensions.code, 'QUERY_TOO_COSTLY');
    const badCursor = await gql(stack, '{ users(after: "!!") { totalCount } }');
    assert.equal(badCursor.json.errors[0].extensions.code, 'BAD_USER_INPUT');
  });

  it('serves the campaigns and analytics subgraphs with real data', async () => {
    const journey = (segment: string) => ({
      trigger: { kind: 'SEGMENT_ENTERED', segment },
      start: 'offer',
      nodes: { offer: { type: 'SEND', channel: 'email', purpose: 'marketing', message: { body: 'We miss you' }, next: 'end' }, end: { type: 'EXIT' } },
    });
    const create = 'mutation($j: JSON!) { createCampaign(input: { name: "Win back", journey: $j }) { id status } }';
    const created = await gql(stack, create, { j: journey('vip_at_risk') });
    assert.equal(created.json.data.createCampaign.status, 'DRAFT');
    const id = created.json.data.createCampaign.id;
    const activated = await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    assert.equal(activated.json.data.setCampaignStatus.status, 'ACTIVE');
    const badSegment = await gql(stack, create, { j: journey('missing') });
    assert.equal(badSegment.json.errors[0].extensions.code, 'BAD_USER_INPUT');
    const counts = await waitFor(async () => {
      const r = await gql(stack, '{ tagCounts(tags: ["high_value", "no_such_tag"]) { tag users } }');
      return r.json.data?.tagCounts?.[0]?.users >= 1 ? r.json.data.tagCounts : null;
    }, 'tag counts');
    assert.deepEqual(counts[1], { tag: 'no_such_tag', users: 0 });
  });

  it('talks only to loopback: no telemetry or cloud-metadata probes from the gateway or the SDK', async () => {
    // The gateway's detectors connect at construction, and their probes run asynchronously: give them a moment.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(offMachine, []);
  });
});
