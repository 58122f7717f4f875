import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateBatch } from '../../core/events/validate.js';
import { canonicalEventName, fromSegmentBody, fromSegmentMessage, writeKeyOf } from '../../core/ingest/segment.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('Segment messages as ingest events', () => {
  it('maps spec event names and snake-cases the rest', () => {
    assert.equal(canonicalEventName('Order Completed'), 'order_completed');
    assert.equal(canonicalEventName('Product Added'), 'product_added_to_cart');
    assert.equal(canonicalEventName('Signed In'), 'login');
    assert.equal(canonicalEventName('Video Playback Started'), 'video_playback_started');
    assert.equal(canonicalEventName('checkoutStepViewed'), 'checkout_step_viewed');
    assert.equal(canonicalEventName('already_snake'), 'already_snake');
    assert.equal(canonicalEventName('constructor'), 'constructor', 'own-key lookup only');
  });

  it('renames the e-commerce ids, takes total as revenue, keeps the messageId as the event id', () => {
    const out = fromSegmentMessage(
      {
        type: 'track',
        event: 'Order Completed',
        userId: 42,
        messageId: 'm-1',
        timestamp: '2026-12-01T10:00:00Z',
        integrations: { All: true },
        _metadata: { nodeVersion: '20' },
        context: { library: { name: 'analytics-node' }, location: { country: 'FR' } },
        properties: { order_id: 'o1', total: 30, products: [{ product_id: 'p1', price: 30 }], coupon: 'X' },
      },
      undefined,
      undefined,
      NOW,
    );
    assert.deepEqual(out, {
      type: 'track',
      event: 'order_completed',
      eventId: 'm-1',
      userId: '42',
      timestamp: '2026-12-01T10:00:00Z',
      context: { library: { name: 'analytics-node' }, location: { country: 'FR' }, country: 'FR' },
      properties: { orderId: 'o1', total: 30, revenue: 30, products: [{ productId: 'p1', price: 30 }], coupon: 'X' },
    });
    assert.deepEqual(validateBatch({ events: [out] }, NOW).rejected, []);
  });

  it("corrects a client's clock by sentAt, as Segment does, and stamps messages without a time on receipt", () => {
    const skewed = fromSegmentMessage({ type: 'track', event: 'x', userId: 'u', originalTimestamp: '2026-12-03T13:00:00Z' }, undefined, '2026-12-03T13:00:10Z', NOW) as any;
    assert.equal(skewed.timestamp, '2026-12-03T11:59:50.000Z');
    const bare = fromSegmentMessage({ type: 'identify', userId: 'u', traits: {} }, undefined, undefined, NOW) as any;
    assert.equal(bare.timestamp, new Date(NOW).toISOString());
  });

  it('page, screen and group become track events; route types win over the body', () => {
    assert.deepEqual(fromSegmentMessage({ userId: 'u', name: 'Home', category: 'Docs', properties: { url: '/' }, timestamp: '2026-12-01T00:00:00Z' }, 'page', undefined, NOW), {
      type: 'track', event: 'page_viewed', userId: 'u', timestamp: '2026-12-01T00:00:00Z', properties: { url: '/', name: 'Home', category: 'Docs' },
    });
    assert.equal((fromSegmentMessage({ type: 'track', userId: 'u', name: 'Home' }, 'screen', undefined, NOW) as any).event, 'screen_viewed');
    assert.deepEqual((fromSegmentMessage({ userId: 'u', groupId: 7, traits: { plan: 'x' } }, 'group', undefined, NOW) as any).properties, { groupId: '7', traits: { plan: 'x' } });
  });

  it('leaves unknown fields for validation to reject, and non-objects as they are', () => {
    const batch = fromSegmentBody({ batch: [{ type: 'track', event: 'e', userId: 'u', propertees: {} }, 7], context: { ip: '1.2.3.4' }, sentAt: '2026-12-03T12:00:00Z' }, '/v1/batch', NOW)!;
    const checked = validateBatch(batch, NOW);
    assert.deepEqual(checked.rejected.map((r) => [r.index, r.code]), [[0, 'UNKNOWN_FIELD'], [1, 'INVALID_EVENT']]);
    assert.equal((batch.events[0] as any).context.ip, '1.2.3.4', 'the batch context is shared by its messages');
    assert.equal(fromSegmentBody({ events: [] }, '/v1/batch', NOW), null);
    assert.equal(writeKeyOf({ writeKey: 'og_1', batch: [] }), 'og_1');
    assert.equal(writeKeyOf({ writeKey: 3 }), undefined);
  });
});
