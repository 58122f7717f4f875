import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { foldEvent } from '../../core/profile/fold.js';
import { emptyProfile } from '../../core/profile/types.js';
import { nativeItemBytes, writeUnits } from '../../core/store/itemSize.js';
import { BROTLI_ATTR, COMPRESSED_ATTR, LEGACY_ATTR, PLAIN_ATTR } from '../../core/store/profileCodec.js';
import { profileEngineTables } from '../../core/tagging/tables.js';
import { gql, postJson, useTestStack, track, waitFor } from '../support/stack.js';

const stack = useTestStack();

const send = async (...events: unknown[]) => {
  const res = await postJson(stack.ingestUrl, { events }, stack.apiKey);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.deepEqual(res.json.rejected, []);
};
const itemOf = async (userId: string) =>
  (await dynamo().send(new GetCommand({ TableName: profileEngineTables().profiles, Key: { userId } }))).Item as Record<string, unknown> | undefined;
const query = `query($id: ID!) { user(id: $id) { id traits stats { orders revenue } events(first: 100) { edges { node { eventId event timestamp properties } } } } }`;

/** A typical shopper's week: identify, a few views, a cart, an order, ids as clients send them (UUIDs). */
const typicalWeek = (userId: string) => [
  { type: 'identify', userId, timestamp: '2026-11-02T09:00:00Z', traits: { email: `${userId}@example.com`, plan: 'basic', name: 'Dana' }, eventId: crypto.randomUUID() },
  ...['Lamps', 'Lamps', 'Rugs'].map((category, i) => track(userId, 'product_viewed', `2026-11-0${3 + i}T10:00:00Z`, { productId: `p-${i}`, category }, { eventId: crypto.randomUUID(), context: { channel: 'web', country: 'GB', locale: 'en-GB' } })),
  track(userId, 'product_added_to_cart', '2026-11-06T10:00:00Z', { productId: 'p-1', category: 'Lamps' }, { eventId: crypto.randomUUID() }),
  track(userId, 'order_completed', '2026-11-06T10:05:00Z', { orderId: `${userId}-o1`, revenue: 59.9, products: [{ category: 'Lamps', price: 59.9, quantity: 1 }] }, { eventId: crypto.randomUUID() }),
];

describe('profile item size', () => {
  it('stores a typical user in one write unit', async () => {
    await send(...typicalWeek('size-typical'));
    await waitFor(async () => (await gql(stack, query, { id: 'size-typical' })).json.data?.user?.stats.orders === 1, 'the typical profile');
    const item = (await itemOf('size-typical'))!;
    assert.equal(LEGACY_ATTR in item, false);
    const bytes = nativeItemBytes(item);
    assert.equal(writeUnits(bytes), 1, `${bytes} bytes`);
  });

  it('keeps a heavy user with a full event ring well under the old size, compressed', async () => {
    const events = Array.from({ length: 150 }, (_, i) =>
      track('size-heavy', i % 5 === 4 ? 'order_completed' : 'product_viewed', new Date(Date.UTC(2026, 10, 1) + i * 3_600_000).toISOString(), i % 5 === 4 ? { orderId: `h-${i}`, revenue: 10 + i } : { productId: `p-${i}`, category: 'Toys' }, { eventId: `heavy-${i}` }),
    );
    await send(...events);
    await waitFor(async () => (await gql(stack, query, { id: 'size-heavy' })).json.data?.user?.stats.orders === 30, 'the heavy profile');
    const item = (await itemOf('size-heavy'))!;
    assert.ok(item[BROTLI_ATTR] instanceof Uint8Array);
    const bytes = nativeItemBytes(item);
    // The same profile as plain JSON is ~40 KB (40 write units); compressed it is a few KB.
    assert.ok(writeUnits(bytes) <= 6, `${bytes} bytes`);
    const u = (await gql(stack, query, { id: 'size-heavy' })).json.data.user;
    assert.equal(u.events.edges.length, 100);
    assert.equal(u.events.edges[0].node.eventId, 'heavy-149');
  });

  it('reads a profile stored in the old layout, and converts it on its next write', async () => {
    const old = emptyProfile('size-legacy');
    for (const [i, e] of typicalWeek('size-legacy').entries()) {
      foldEvent(old, { ...(e as Record<string, unknown>), eventId: `legacy-${i}`, timestamp: new Date(Date.parse((e as { timestamp: string }).timestamp)).toISOString() } as never, { shardId: 'shardId-old', sequenceNumber: String(i + 1) });
    }
    await dynamo().send(new PutCommand({ TableName: profileEngineTables().profiles, Item: { userId: 'size-legacy', version: 1, [LEGACY_ATTR]: JSON.stringify(old) } }));
    const before = (await gql(stack, query, { id: 'size-legacy' })).json.data.user;
    assert.equal(before.stats.orders, 1);
    assert.equal(before.events.edges.length, 6);
    await send(track('size-legacy', 'order_completed', '2026-11-08T10:00:00Z', { orderId: 'l2', revenue: 5 }, { eventId: 'legacy-new' }));
    const afterwards = await waitFor(async () => {
      const u = (await gql(stack, query, { id: 'size-legacy' })).json.data?.user;
      return u?.stats.orders === 2 ? u : null;
    }, 'the converted profile');
    assert.deepEqual(afterwards.events.edges.slice(1), before.events.edges);
    const item = (await itemOf('size-legacy'))!;
    assert.equal(LEGACY_ATTR in item, false);
    assert.ok(PLAIN_ATTR in item || COMPRESSED_ATTR in item || BROTLI_ATTR in item);
    assert.equal(item.version, 2);
  });
});
