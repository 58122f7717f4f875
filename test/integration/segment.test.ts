import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { generateKey, putApiKey } from '../../core/auth/apiKeys.js';
import { gql, useTestStack, waitFor } from '../support/stack.js';

/*
 * Real clients, unchanged: Segment's @segment/analytics-node and RudderStack's Node SDK (gzip on, its default) talk
 * to the running stack's Segment routes with a write key, and the profiles that result are read back through the
 * gateway. Then the routes' own edges: writeKey in the body, skew correction, bad messages kept per item.
 */
const stack = useTestStack();

const PROFILE = `query($id: ID!) { user(id: $id) { id traits identities { kind value } stats { orders revenue lastCountry }
  events(first: 20) { edges { node { eventId type event properties } } } } }`;

async function profile(id: string, until: (u: any) => boolean) {
  let last: unknown;
  try {
    return await waitFor(async () => {
      const u = (last = (await gql(stack, PROFILE, { id })).json.data?.user);
      return u && until(u) ? u : null;
    }, `the profile of ${id}`, 20_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the profile: ${JSON.stringify(last)}`, { cause: err });
  }
}

async function writeKey(name: string) {
  const key = generateKey();
  await putApiKey(process.env.API_KEYS_TABLE!, key, { name, scopes: ['events:write'] });
  return key;
}

const events = (u: any) => u.events.edges.map((e: any) => e.node);

describe('Segment and RudderStack clients on the local stack', () => {
  it('@segment/analytics-node: identify, Order Completed, page, group, alias', async () => {
    const key = await writeKey('segment-node');
    const analytics = new SegmentAnalytics({ writeKey: key, host: stack.url, flushAt: 50, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'seg-1', traits: { email: 'Ada@Example.com', plan: 'pro' }, context: { location: { country: 'GB' } } });
    analytics.track({
      userId: 'seg-1',
      event: 'Order Completed',
      messageId: 'seg-order-1',
      properties: { order_id: 'o-seg-1', total: 42.5, currency: 'GBP', products: [{ product_id: 'p1', price: 42.5, quantity: 1, category: 'Books' }] },
    });
    analytics.page({ userId: 'seg-1', name: 'Pricing', category: 'Docs', properties: { url: 'https://example.com/pricing' } });
    analytics.group({ userId: 'seg-1', groupId: 'acme', traits: { plan: 'enterprise' } });
    // A visitor browsing, then signing in (Segment's identify with both ids), and an old user id aliased.
    analytics.track({ anonymousId: 'seg-anon-1', event: 'Product Viewed', properties: { product_id: 'p2', category: 'Games' } });
    analytics.identify({ userId: 'seg-1', anonymousId: 'seg-anon-1' });
    analytics.track({ userId: 'seg-old-1', event: 'Product Viewed', properties: { product_id: 'p3' } });
    analytics.alias({ userId: 'seg-1', previousId: 'seg-old-1' });
    await analytics.closeAndFlush();
    assert.deepEqual(errors, []);

    const u = await profile('seg-1', (u) => u.stats.orders === 1 && events(u).filter((e: any) => e.event === 'product_viewed').length === 2);
    assert.equal(u.stats.revenue, 42.5);
    assert.equal(u.traits.plan, 'pro');
    const email = u.identities.find((i: any) => i.kind === 'EMAIL');
    assert.ok(email && /^[0-9a-f]{64}$/.test(email.value), JSON.stringify(u.identities));
    const names = events(u).map((e: any) => e.event ?? e.type).sort();
    for (const n of ['order_completed', 'page_viewed', 'group_joined', 'product_viewed']) assert.ok(names.includes(n), `${n} in ${names}`);
    const order = events(u).find((e: any) => e.event === 'order_completed');
    assert.equal(order.eventId, 'seg-order-1', 'messageId is the event id');
    assert.equal(order.properties.orderId, 'o-seg-1');
    const page = events(u).find((e: any) => e.event === 'page_viewed');
    assert.equal(page.properties.name, 'Pricing');
  });

  it("RudderStack's Node SDK, gzip-compressed as it sends by default", async () => {
    const key = await writeKey('rudder-node');
    const client = new RudderAnalytics(key, { dataPlaneUrl: stack.url, flushAt: 50, retryCount: 0, logLevel: 'error' });
    client.identify({ userId: 'rud-1', traits: { email: 'grace@example.com', name: 'Grace' } });
    client.track({ userId: 'rud-1', event: 'Order Completed', properties: { order_id: 'o-rud-1', revenue: 19.99, currency: 'EUR' } });
    client.track({ userId: 'rud-1', event: 'Signed In' });
    client.screen({ userId: 'rud-1', name: 'Home' });
    await client.flush();
    const u = await profile('rud-1', (u) => u.stats.orders === 1 && events(u).some((e: any) => e.event === 'screen_viewed'));
    assert.equal(u.stats.revenue, 19.99);
    assert.equal(u.traits.name, 'Grace');
    assert.ok(events(u).some((e: any) => e.event === 'login'), 'Signed In is login');
  });

  it('takes the write key from the body, corrects client clock skew, and rejects bad messages one by one', async () => {
    const key = await writeKey('segment-http');
    const now = Date.now();
    // A client whose clock runs an hour fast: its event happened 5 s before it sent the batch.
    const fast = (ms: number) => new Date(now + 3_600_000 + ms).toISOString();
    const body = {
      writeKey: key,
      sentAt: fast(0),
      batch: [
        { type: 'track', userId: 'seg-skew', event: 'Signed Up', messageId: 'seg-skew-1', originalTimestamp: fast(-5_000), properties: {} },
        { type: 'track', userId: 'seg-skew', event: 'Bad', messageId: 'seg-skew-2', propertees: {} },
        { type: 'track', event: 'No User' },
        'not a message',
      ],
    };
    const res = await fetch(`${stack.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.equal(answer.accepted, 1);
    assert.deepEqual(answer.rejected.map((r: any) => [r.index, r.code]), [[1, 'UNKNOWN_FIELD'], [2, 'MISSING_USER'], [3, 'INVALID_EVENT']]);
    const u = await profile('seg-skew', (u) => events(u).length === 1);
    const at = Date.parse((await gql(stack, '{ user(id: "seg-skew") { events { edges { node { timestamp } } } } }')).json.data.user.events.edges[0].node.timestamp);
    assert.ok(Math.abs(at - (now - 5_000)) < 3_000, `skew corrected: ${new Date(at).toISOString()} vs ${new Date(now - 5_000).toISOString()}`);
    assert.equal(events(u)[0].event, 'signed_up');

    // Single-message routes, gzip, and the key's refusals.
    const track = { userId: 'seg-single', event: 'Product Added', properties: { product_id: 'p9' } };
    const gz = await fetch(`${stack.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
      body: gzipSync(JSON.stringify(track)),
    });
    assert.equal(gz.status, 200, await gz.clone().text());
    const v = await profile('seg-single', (u) => events(u).length === 1);
    assert.equal(events(v)[0].event, 'product_added_to_cart');
    assert.equal(events(v)[0].properties.productId, 'p9');
    const noKey = await fetch(`${stack.url}/v1/identify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'x', traits: {} }) });
    assert.equal(noKey.status, 401);
    const reader = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, reader, { name: 'reader', scopes: ['profiles:read'] });
    const wrongScope = await fetch(`${stack.url}/v1/identify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey: reader, userId: 'x', traits: {} }) });
    assert.equal(wrongScope.status, 403);
    const bomb = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': key },
      body: gzipSync(Buffer.alloc(64 * 1024 * 1024, 32)),
    });
    assert.equal(bomb.status, 413, 'a gzip bomb is refused before it is inflated whole');
    const notBatch = await fetch(`${stack.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"events": []}' });
    assert.equal(notBatch.status, 400);
  });

  it('browsers: CORS preflights and headers, and a write key restricted to its origins', async () => {
    const pre = await fetch(`${stack.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const made = await gql(stack, 'mutation { createApiKey(input: { name: "shop-web", scopes: ["events:write"], allowedOrigins: ["https://shop.example"] }) { key apiKey { allowedOrigins } } }');
    const { key, apiKey } = made.json.data.createApiKey;
    assert.deepEqual(apiKey.allowedOrigins, ['https://shop.example']);
    const send = (origin?: string) =>
      fetch(`${stack.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ writeKey: key, userId: 'seg-web', event: 'Product Viewed', properties: { product_id: 'p1' } }),
      });
    const ok = await send('https://shop.example');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), '*');
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /retry-after/);
    assert.equal((await send('https://evil.example')).status, 403);
    assert.equal((await send()).status, 403, 'a browser key is refused without an origin');
    const badOrigin = await gql(stack, 'mutation { createApiKey(input: { name: "x", scopes: ["events:write"], allowedOrigins: ["shop.example/path"] }) { key } }');
    assert.equal(badOrigin.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});
