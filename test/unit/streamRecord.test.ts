import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamRecord } from '../../core/events/schema.js';
import { readStreamRecord } from '../../core/events/streamRecord.js';
import { validateEvent } from '../../core/events/validate.js';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const encode = (body: unknown) => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64');
const wrap = (event: unknown) => encode({ v: 1, receivedAt: '2026-11-23T12:00:00.000Z', source: 'test', event });

/** Events as clients send them; ingest validates and normalises them before they reach the stream. */
const CLIENT_EVENTS: unknown[] = [
  { type: 'track', event: 'order_completed', userId: 'u1', timestamp: '2026-11-23T10:00:00+08:00', properties: { orderId: 'o1', revenue: 12.5, products: [{ category: 'Toys', price: 5, quantity: 2 }] }, context: { channel: 'wechat', country: 'CN', wechat: { openid: 'o-1' } } },
  { type: 'track', event: 'product_viewed', anonymousId: 'a1', timestamp: '2026-11-23T10:00:00Z', properties: { productId: 'p1' } },
  { type: 'identify', userId: 'u1', anonymousId: 'a1', timestamp: '2026-11-23T10:00:00.123Z', traits: { email: 'A@x.com', consent: { marketing: true } }, context: { device: { id: 'd1' }, locale: 'zh-CN' } },
  { type: 'alias', userId: 'u2', previousId: 'u1', timestamp: '2026-11-23T10:00:00Z', eventId: 'client-id-1' },
  { type: 'track', event: 'message_received', userId: 'u3', timestamp: '2026-11-22T23:59:59Z', properties: { text: '太慢了，我要退款' } },
];

describe('readStreamRecord', () => {
  it('reads back every event exactly as ingest validated and normalised it', () => {
    for (const raw of CLIENT_EVENTS) {
      const validated = validateEvent(raw, 0, NOW);
      assert.ok(validated.ok, JSON.stringify(raw));
      const record: StreamRecord = { v: 1, receivedAt: '2026-11-23T12:00:00.000Z', source: 'test', event: validated.event };
      assert.deepEqual(readStreamRecord(encode(record)), validated.event);
    }
  });

  const valid = () => {
    const validated = validateEvent(CLIENT_EVENTS[0], 0, NOW);
    assert.ok(validated.ok);
    return structuredClone(validated.event) as unknown as Record<string, unknown>;
  };
  const poison: Array<[string, string]> = [
    ['not base64 JSON', encode('{"v":1,')],
    ['a JSON array', encode([1, 2])],
    ['another version', encode({ v: 2, receivedAt: 'x', source: 's', event: valid() })],
    ['no receivedAt', encode({ v: 1, source: 's', event: valid() })],
    ['no event', encode({ v: 1, receivedAt: 'x', source: 's' })],
  ];
  const mutations: Array<[string, (e: Record<string, unknown>) => void]> = [
    ['no eventId', (e) => delete e.eventId],
    ['an empty eventId', (e) => (e.eventId = '')],
    ['an unknown type', (e) => (e.type = 'page')],
    ['a track without a name', (e) => delete e.event],
    ['an identify with an event name', (e) => (e.type = 'identify')],
    ['an alias without previousId', (e) => (e.type = 'alias', delete e.event)],
    ['no user at all', (e) => delete e.userId],
    ['a numeric userId', (e) => (e.userId = 42)],
    ['a timestamp not in canonical form', (e) => (e.timestamp = '2026-11-23T02:00:00Z')],
    ['an impossible date', (e) => (e.timestamp = '2026-13-45T02:00:00.000Z')],
    ['properties that are an array', (e) => (e.properties = [1])],
    ['traits that are null', (e) => (e.traits = null)],
    ['a context that is a string', (e) => (e.context = 'app')],
    ['a numeric channel', (e) => (e.context = { channel: 7 })],
    ['a device that is a string', (e) => (e.context = { device: 'd1' })],
    ['an unknown envelope field', (e) => (e.userid = 'typo')],
  ];
  for (const [what, data] of poison) {
    it(`rejects a record with ${what}`, () => assert.equal(readStreamRecord(data), null));
  }
  for (const [what, mutate] of mutations) {
    it(`rejects an event with ${what}`, () => {
      const event = valid();
      assert.notEqual(readStreamRecord(wrap(event)), null, 'the unmutated event is read');
      mutate(event);
      assert.equal(readStreamRecord(wrap(event)), null);
    });
  }
});
