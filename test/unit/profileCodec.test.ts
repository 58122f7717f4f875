import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldEvent } from '../../core/profile/fold.js';
import { emptyProfile, type Profile } from '../../core/profile/types.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { nativeItemBytes, writeUnits } from '../../core/store/itemSize.js';
import { deflateRawSync } from 'node:zlib';
import { BROTLI_ATTR, BROTLI_FROM_BYTES, COMPRESSED_ATTR, decodeProfile, encodeProfile, LEGACY_ATTR, PLAIN_ATTR } from '../../core/store/profileCodec.js';
import { fromItem } from '../../core/store/profiles.js';

/** The data of a profile without its maps' prototypes (the store revives them; the codec is about the bytes). */
const data = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

const CATEGORIES = ['garden', 'kitchen', 'toys', 'lighting', 'gifts'];
const KINDS = ['product_viewed', 'product_added_to_cart', 'order_completed', 'login'];

/** A profile folded from `n` shop events of one user, one a minute, with ids as clients send them (UUIDs). */
function profileOf(n: number, userId = 'u-1'): Profile {
  const p = emptyProfile(userId);
  for (let i = 0; i < n; i++) {
    const event = KINDS[i % KINDS.length]!;
    const e: StoredEvent = {
      type: 'track',
      event,
      eventId: crypto.randomUUID(),
      userId,
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
      properties: event === 'order_completed' ? { orderId: `o-${i}`, revenue: 20 + i, products: [{ category: CATEGORIES[i % 5], price: 10, quantity: 2 }] } : { productId: `p-${i}`, category: CATEGORIES[i % 5] },
      context: { channel: 'app', country: 'GB', locale: 'en-GB' },
    };
    foldEvent(p, e, { shardId: 'shardId-000000000000', sequenceNumber: String(1000 + i) });
  }
  p.traits = { name: 'Zoë', plan: 'pro', nested: { a: [1, 2, { b: null }] } };
  return p;
}

const itemOf = (p: Profile, body: Record<string, unknown>) => ({ userId: p.userId, version: 3, ...body });

describe('profile codec', () => {
  it('keeps a profile that fits one write unit as plain JSON', () => {
    const p = emptyProfile('u-1');
    const body = encodeProfile(p);
    assert.equal(body.attr, PLAIN_ATTR);
    assert.equal(body.value, JSON.stringify(p));
  });

  it('fits a typical light profile (a few events) in one write unit with the churn score beside it', () => {
    const p = profileOf(3);
    const body = encodeProfile(p);
    const churn = { probability: 0.123456, band: 'MEDIUM', reasons: ['No order in 45 days', '3 orders in total, 1 purchase day in the last 90 days'], modelVersion: 'churn-gbdt-2026-11-01', scoredAt: '2026-11-23T00:00:00.000Z', bandSince: '2026-11-01T00:00:00.000Z' };
    assert.equal(writeUnits(nativeItemBytes({ ...itemOf(p, { [body.attr]: body.value }), churn })), 1);
    assert.deepEqual(data(decodeProfile({ [body.attr]: body.value })), data(p));
  });

  it('compresses a mid-sized profile with DEFLATE and reads it back identical', () => {
    const p = profileOf(12);
    assert.ok(JSON.stringify(p).length < BROTLI_FROM_BYTES);
    const body = encodeProfile(p);
    assert.equal(body.attr, COMPRESSED_ATTR);
    assert.ok(body.value instanceof Uint8Array);
    assert.ok(body.value.byteLength < Buffer.byteLength(JSON.stringify(p)));
    assert.deepEqual(data(decodeProfile({ [body.attr]: body.value })), data(p));
  });

  it('compresses a large profile with Brotli, smaller than DEFLATE level 1 (the layout before), and reads it back identical', () => {
    const p = profileOf(600);
    const body = encodeProfile(p);
    assert.equal(body.attr, BROTLI_ATTR);
    assert.ok(body.value instanceof Uint8Array);
    const json = JSON.stringify(p);
    assert.ok(body.value.byteLength < Buffer.byteLength(json) / 2, `${body.value.byteLength} of ${json.length}`);
    const deflated = deflateRawSync(json, { level: 1 }).byteLength;
    assert.ok(body.value.byteLength < deflated * 0.9, `brotli ${body.value.byteLength}, deflate ${deflated}`);
    assert.deepEqual(data(decodeProfile({ [body.attr]: body.value })), data(p));
  });

  it('round-trips through a stored item whatever the size, unicode, nested traits and watermarks included', () => {
    for (const n of [0, 1, 5, 40, 150, 700]) {
      const p = profileOf(n);
      const body = encodeProfile(p);
      const stored = fromItem(itemOf(p, { [body.attr]: body.value }));
      assert.deepEqual(data(stored.profile), data(p), `${n} events`);
      assert.deepEqual(data(stored.profile.dedup), data(p.dedup));
      assert.equal(stored.version, 3);
    }
  });

  it('reads profiles stored in the layout before it (`doc`, plain JSON)', () => {
    const p = profileOf(120);
    const stored = fromItem(itemOf(p, { [LEGACY_ATTR]: JSON.stringify(p), churn: { probability: 0.9, band: 'HIGH', reasons: [], modelVersion: 'm', scoredAt: '2026-01-01T00:00:00.000Z' } }));
    assert.deepEqual(data(stored.profile), data(p));
    assert.equal(stored.churn?.band, 'HIGH');
  });

  it('still decodes a body written with dictionary v1 (the dictionary must never change under `z`)', () => {
    const z = Buffer.from(
      'q1YqLYYmnfT8nJTUPCUd3FGnlJeYC4r0qPzDq5V0lJIy85WslCqIBEr4Ix6StAwNdQ2MQgwsrQwMrAwM9AwMDKKUUJMDPnWjiQQtkaTrGoDKE3LLOxyhTEIRaIBaBuYk5hYUK6EVMum6hpQ60pgiRxoS5UgjSh1pQpEjjYhypDGljjSlyJHG2B0Zq4NRWkFSJiTqIWELcnysDqIYq8UsrAA=',
      'base64',
    );
    const p = decodeProfile({ [COMPRESSED_ATTR]: new Uint8Array(z) })!;
    assert.equal(p.userId, 'golden');
    assert.equal(p.traits.name, 'Zoë');
    assert.deepEqual(p.recent.map((e) => e.eventId), ['g-0', 'g-1', 'g-2', 'g-3']);
    assert.deepEqual(data(p.dedup), { ids: ['g-0', 'g-1', 'g-2', 'g-3'], shards: {} });
  });

  it('rejects an item without a document', () => {
    assert.throws(() => fromItem({ userId: 'u', version: 1 }), /no document/);
  });
});
