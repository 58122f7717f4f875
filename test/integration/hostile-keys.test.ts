import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { MAX_INTERESTS, PROFILE_DOC_BOUND_BYTES } from '../../core/profile/limits.js';
import { gql, postJson, startTestStack, track, waitFor } from '../support/stack.js';

/**
 * Hostile inputs through the running stack (issue 10, items 1, 4 and 8): one class per test. Each asserts that
 * ingest never answers 500, that nothing is dead-lettered, and that a normal event sent afterwards still applies.
 */

type Stack = Awaited<ReturnType<typeof startTestStack>>;
let stack: Stack;
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);

before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

/** Posts raw JSON text (so `"__proto__"` keys arrive as a client sends them). */
const post = async (events: unknown[] | string) => {
  const body = typeof events === 'string' ? events : JSON.stringify({ events });
  const res = await postJson(stack.ingestUrl, body, stack.apiKey);
  assert.notEqual(res.status, 500, JSON.stringify(res.json));
  assert.ok(res.status < 500, `status ${res.status}: ${JSON.stringify(res.json)}`);
  return res;
};
const userQuery = `query($id: ID!) { user(id: $id) { id traits stats { orders revenue interests { category score } windows { event total } } tags { name } } }`;
const user = async (id: string) => (await gql(stack, userQuery, { id })).json.data?.user;
const deadLetters = async () => (await stack.deadLetters.get('tagger')!.list()).length;

/** The stack still works: a normal order for a fresh user is accepted and shows up in its stats. */
async function stillWorks(tag: string) {
  const id = `normal-${tag}`;
  const res = await post([track(id, 'order_completed', '2026-11-20T10:00:00Z', { orderId: `o-${tag}`, revenue: 1200, category: 'Lamps' })]);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { accepted: 1, rejected: [] });
  const u = await waitFor(async () => {
    const found = await user(id);
    return found?.stats.orders === 1 ? found : null;
  }, `a normal event after ${tag}`);
  assert.ok(u.tags.some((t: { name: string }) => t.name === 'high_value'));
  assert.equal(await deadLetters(), 0, 'nothing dead-lettered');
  assert.equal(({} as Record<string, unknown>).score, undefined);
}

describe('hostile keys through the running stack', () => {
  it('prototype names as categories', async () => {
    const events = [...PROTO_NAMES, 'CONSTRUCTOR', '__proto__'].map((category, i) =>
      track('h-cat', 'product_viewed', `2026-11-01T10:${String(i).padStart(2, '0')}:00Z`, { category }),
    );
    const res = await post(events);
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, events.length);
    const u = await waitFor(async () => {
      const found = await user('h-cat');
      return found?.stats.interests.length === PROTO_NAMES.length ? found : null;
    }, 'every category an interest');
    assert.ok(u.stats.interests.some((i: { category: string }) => i.category === '__proto__'));
    await stillWorks('categories');
  });

  it('prototype names as event names', async () => {
    const names = ['constructor', 'valueof', 'tostring', 'hasownproperty', 'isprototypeof', 'propertyisenumerable', 'tolocalestring'];
    const res = await post([...names.map((n) => track('h-event', n, '2026-11-02T10:00:00Z')), track('h-event', 'login', '2026-11-02T10:01:00Z')]);
    assert.equal(res.status, 200, 'was a 500 for the whole request');
    assert.deepEqual(res.json, { accepted: names.length + 1, rejected: [] });
    await waitFor(async () => (await user('h-event'))?.id, 'the profile');
    const windows = (await gql(stack, `{ user(id: "h-event") { stats { windows { event total } } } }`)).json;
    assert.equal(windows.errors, undefined, JSON.stringify(windows.errors));
    await stillWorks('event-names');
  });

  it('prototype names as trait keys, and __proto__ rejected per item', async () => {
    const traits = Object.fromEntries(PROTO_NAMES.filter((k) => k !== '__proto__').map((k) => [k, `v-${k}`]));
    const ok = { type: 'identify', userId: 'h-trait', timestamp: '2026-11-03T10:00:00Z', traits };
    const body = `{"events":[${JSON.stringify(ok)},{"type":"identify","userId":"h-trait","timestamp":"2026-11-03T10:01:00Z","traits":{"__proto__":{"polluted":true},"plan":"x"}}]}`;
    const res = await post(body);
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, 1);
    assert.deepEqual(res.json.rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [[1, 'INVALID_EVENT']]);
    const u = await waitFor(async () => (await user('h-trait'))?.traits?.constructor === 'v-constructor' && (await user('h-trait')), 'traits stored');
    assert.deepEqual(u.traits, traits);
    await stillWorks('trait-keys');
  });

  it('prototype names as property keys', async () => {
    const properties = Object.fromEntries(PROTO_NAMES.filter((k) => k !== '__proto__').map((k) => [k, 1]));
    const res = await post([
      track('h-prop', 'custom_thing', '2026-11-04T10:00:00Z', properties),
      track('h-prop', 'order_completed', '2026-11-04T10:01:00Z', { ...properties, orderId: 'p1', revenue: 5 }),
    ]);
    assert.deepEqual(res.json, { accepted: 2, rejected: [] });
    const bad = await post(`{"events":[{"type":"track","event":"x","userId":"h-prop","timestamp":"2026-11-04T10:02:00Z","properties":{"a":{"__proto__":{"polluted":1}}}}]}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.rejected[0].code, 'INVALID_EVENT');
    await waitFor(async () => (await user('h-prop'))?.stats.orders === 1, 'the order applied');
    await stillWorks('property-keys');
  });

  it('a hostile grower stays under the item bound, and its later ordinary events still apply', async () => {
    const batches = 8;
    for (let b = 0; b < batches; b++) {
      const events = Array.from({ length: 500 }, (_, k) => {
        const i = b * 500 + k;
        const timestamp = new Date(Date.parse('2025-06-01T00:00:00Z') + (i % 450) * 86_400_000).toISOString();
        switch (i % 3) {
          case 0:
            return { type: 'identify', userId: 'h-grow', timestamp, traits: Object.fromEntries(Array.from({ length: 20 }, (_, t) => [`trait_${i}_${t}`.padEnd(100, 'x'), 'v'.repeat(200)])) };
          case 1:
            return track('h-grow', `custom_${i}`.padEnd(64, 'q'), timestamp, { note: 'n'.repeat(120) });
          default:
            return track('h-grow', 'product_viewed', timestamp, { category: `cat-${i}-`.padEnd(256, 'c') });
        }
      });
      const res = await post(events);
      assert.equal(res.status, 200);
      assert.equal(res.json.accepted, 500, JSON.stringify(res.json.rejected.slice(0, 2)));
    }
    await post([track('h-grow', 'order_completed', '2026-11-05T10:00:00Z', { orderId: 'grow-1', revenue: 42 })]);
    const u = await waitFor(async () => {
      const found = await user('h-grow');
      return found?.stats.orders === 1 ? found : null;
    }, 'the ordinary order after the grower', 120_000);
    assert.equal(u.stats.revenue, 42);
    assert.equal(u.stats.interests.length, MAX_INTERESTS);
    const item = (await dynamo().send(new GetCommand({ TableName: process.env.PROFILES_TABLE!, Key: { userId: 'h-grow' } }))).Item!;
    const bytes = Object.entries(item).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 21), 0);
    console.log(`hostile grower through the stack: profile item ${bytes} bytes (doc bound ${PROFILE_DOC_BOUND_BYTES})`);
    assert.ok(bytes < PROFILE_DOC_BOUND_BYTES, `${bytes} bytes`);
    assert.equal(await deadLetters(), 0);
    await stillWorks('grower');
  });
});
