import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../core/events/schema.js';
import { validateEvent } from '../../core/events/validate.js';
import { foldEvent } from '../../core/profile/fold.js';
import {
  DEDUP_IDS,
  IDENTITY_LIMITS,
  MAX_CATEGORY_LENGTH,
  MAX_CONSENT_PURPOSES,
  MAX_CUSTOM_EVENT_NAMES,
  MAX_DAYS_BYTES,
  MAX_INTERESTS,
  MAX_MERGED_FROM,
  MAX_RECENT_PROPERTIES_BYTES,
  MAX_TRAIT_KEY_LENGTH,
  MAX_TRAIT_VALUE_BYTES,
  MAX_TRAITS,
  MAX_TRAITS_BYTES,
  noneKeptOut,
  PROFILE_DOC_BOUND_BYTES,
  RECENT_EVENTS,
} from '../../core/profile/limits.js';
import { mergeProfiles } from '../../core/profile/merge.js';
import { windowSum } from '../../core/profile/stats.js';
import { emptyProfile, type IdentityKind, type Profile } from '../../core/profile/types.js';
import { fromItem, type StoredProfile } from '../../core/store/profiles.js';
import { compileRuleSet } from '../../core/tagging/evaluateProfile.js';
import { prepareGroup } from '../../core/tagging/prepare.js';
import { STARTER_RULES, STARTER_SEGMENTS } from '../../core/rules/starterRules.js';

const NOW = Date.parse('2027-01-01T00:00:00Z');
const DAY_MS = 86_400_000;
const ITEM_LIMIT = 400 * 1024;
const dayAt = (d: number) => new Date(Date.parse('2025-01-01T00:00:00Z') + d * DAY_MS).toISOString();
/** A profile item as saveProfile writes it: attribute names and values (DynamoDB's item size). */
const itemBytes = (p: Profile) => {
  const doc = JSON.stringify(p);
  return { doc: Buffer.byteLength(doc), item: 'userId'.length + Buffer.byteLength(p.userId) + 'version'.length + 21 + 'doc'.length + Buffer.byteLength(doc) };
};
const pad = (s: string, n: number, c = 'x') => (s + c.repeat(n)).slice(0, n);
/** A snake_case name of exactly `n` characters, distinct per `i`. */
const longName = (i: number, n = 64) => pad(`e${i}_`, n, 'q').replace(/_$/, 'q');

describe('profile caps at ingest (per item)', () => {
  const identify = (traits: Record<string, unknown>) => validateEvent({ type: 'identify', userId: 'u1', timestamp: '2026-06-01T00:00:00Z', traits }, 0, NOW);
  const code = (r: ReturnType<typeof identify>) => (r.ok ? 'OK' : r.rejection.code);

  it('rejects an identify with too many trait keys or consent purposes (TOO_MANY_TRAITS)', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_TRAITS + 1 }, (_, i) => [`t${i}`, i]));
    assert.equal(code(identify(many)), 'TOO_MANY_TRAITS');
    assert.equal(code(identify(Object.fromEntries(Object.entries(many).slice(0, MAX_TRAITS)))), 'OK');
    const consent = Object.fromEntries(Array.from({ length: MAX_CONSENT_PURPOSES + 1 }, (_, i) => [`p${i}`, true]));
    assert.equal(code(identify({ consent })), 'TOO_MANY_TRAITS');
  });

  it('rejects a trait key, a value or all traits over their size (TRAIT_TOO_LARGE)', () => {
    assert.equal(code(identify({ [pad('k', MAX_TRAIT_KEY_LENGTH + 1)]: 1 })), 'TRAIT_TOO_LARGE');
    assert.equal(code(identify({ [pad('k', MAX_TRAIT_KEY_LENGTH)]: 1 })), 'OK');
    assert.equal(code(identify({ bio: pad('', MAX_TRAIT_VALUE_BYTES) })), 'TRAIT_TOO_LARGE');
    assert.equal(code(identify({ bio: pad('', MAX_TRAIT_VALUE_BYTES - 2) })), 'OK');
    const heavy = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`t${i}`, pad('', MAX_TRAIT_VALUE_BYTES - 2)]));
    assert.equal(code(identify(heavy)), 'TRAIT_TOO_LARGE');
    assert.ok(JSON.stringify(heavy).length > MAX_TRAITS_BYTES);
  });

  it('a rejected item does not take the valid ones of its request with it', async () => {
    const { validateBatch } = await import('../../core/events/validate.js');
    const many = Object.fromEntries(Array.from({ length: MAX_TRAITS + 1 }, (_, i) => [`t${i}`, i]));
    const r = validateBatch(
      { events: [{ type: 'identify', userId: 'u1', timestamp: '2026-06-01T00:00:00Z', traits: many }, { type: 'track', event: 'login', userId: 'u1', timestamp: '2026-06-01T00:00:00Z' }] },
      NOW,
    );
    assert.deepEqual(r.rejected.map((x) => [x.index, x.code]), [[0, 'TOO_MANY_TRAITS']]);
    assert.equal(r.valid.length, 1);
  });
});

/**
 * A hostile grower: thousands of events, each with new trait keys, a new custom event name, new categories, spread
 * over more days than the retention, with the longest strings ingest accepts.
 */
function hostileEvents(count: number, user = 'u-hostile', tag = ''): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let i = 0; i < count; i++) {
    const timestamp = dayAt(i % 500);
    const base = { userId: user, timestamp, context: { channel: pad(`c${i}`, 64) } };
    const eventId = pad(`h-${i}-`, 128, 'i');
    switch (i % 4) {
      case 0:
        events.push({ ...base, type: 'identify', eventId, traits: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [pad(`t${i}-${k}-`, MAX_TRAIT_KEY_LENGTH), pad('', 100, 'v')])), });
        break;
      case 1:
        events.push({ ...base, type: 'track', event: longName(i), eventId, properties: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`p${k}`, pad('', 120, 'w')])) });
        break;
      case 2:
        events.push({ ...base, type: 'track', event: 'product_viewed', eventId, properties: { category: pad(`${tag}cat${i}-`, MAX_CATEGORY_LENGTH) } });
        break;
      default:
        events.push({
          ...base,
          type: 'track',
          event: 'order_completed',
          eventId,
          properties: { orderId: `o${i}`, revenue: 123456.789 + i, coupon: 'c', products: [{ category: pad(`${tag}pc${i}-`, MAX_CATEGORY_LENGTH), price: 1 }] },
        });
    }
  }
  return events;
}

const rules = compileRuleSet(
  STARTER_RULES.map((r) => ({ ...r, enabled: true, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
  STARTER_SEGMENTS.map((s) => ({ ...s, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
);

describe('profile caps over time (the fold keeps out what accumulates)', () => {
  it('a hostile grower stays under the documented bound, and later ordinary events still apply', () => {
    let stored: StoredProfile | undefined;
    const audits: string[] = [];
    const events = hostileEvents(8000);
    for (let b = 0; b < events.length; b += 500) {
      const items = events.slice(b, b + 500).map((event, k) => ({ event, position: { shardId: 'shardId-000000000000', sequenceNumber: String(1e6 + b + k) } }));
      const map = new Map(stored ? [[stored.profile.userId, stored]] : []);
      const prepared = prepareGroup({ userId: 'u-hostile', items, merges: [], links: [] } as never, map, rules);
      assert.ok(prepared);
      audits.push(...prepared.audits.map((a) => a.action));
      // Through the store's own encoding and decoding each batch, as the tagger does.
      const { doc } = itemBytes(prepared.profile);
      assert.ok(doc < PROFILE_DOC_BOUND_BYTES, `batch ${b / 500}: ${doc} bytes`);
      stored = fromItem({ userId: 'u-hostile', version: prepared.expectedVersion + 1, doc: JSON.stringify(prepared.profile) });
    }
    const p = stored!.profile;
    const size = itemBytes(p);
    console.log(`hostile grower: doc ${size.doc} bytes, item ${size.item} bytes (bound ${PROFILE_DOC_BOUND_BYTES}, limit ${ITEM_LIMIT})`);
    assert.ok(size.item < ITEM_LIMIT);
    assert.ok(audits.includes('limit_reached'), 'what was kept out is audited');
    assert.ok(Object.keys(p.traits).length <= MAX_TRAITS);
    assert.ok(JSON.stringify(p.traits).length > MAX_TRAITS_BYTES - 300, "the bytes cap binds first with long keys");
    assert.ok(JSON.stringify(p.traits).length <= MAX_TRAITS_BYTES);
    assert.equal(Object.keys(p.interests).length, MAX_INTERESTS);
    const custom = Object.keys(p.counters).filter((k) => k.startsWith('e'));
    assert.equal(custom.length, MAX_CUSTOM_EVENT_NAMES);
    assert.ok(JSON.stringify(p.days).length <= MAX_DAYS_BYTES);
    assert.equal(p.recent.length, RECENT_EVENTS);
    for (const r of p.recent) assert.ok(JSON.stringify(r.properties).length <= MAX_RECENT_PROPERTIES_BYTES);

    // Ordinary events still apply: a known name, a counted custom name, an order, a trait update.
    const orders = p.orders.count;
    const event: StoredEvent = { type: 'track', event: 'order_completed', eventId: 'ordinary-1', userId: 'u-hostile', timestamp: dayAt(600), properties: { orderId: 'ok', revenue: 5 } };
    const again: StoredEvent = { type: 'track', event: custom[0]!, eventId: 'ordinary-2', userId: 'u-hostile', timestamp: dayAt(600) };
    const kept = noneKeptOut();
    assert.ok(foldEvent(p, event, undefined, kept));
    assert.ok(foldEvent(p, again, undefined, kept));
    assert.equal(p.orders.count, orders + 1);
    assert.equal(windowSum(p, custom[0]!, dayAt(600), 1), 1);
    const t = Object.keys(p.traits)[0]!;
    foldEvent(p, { type: 'identify', eventId: 'ordinary-3', userId: 'u-hostile', timestamp: dayAt(601), traits: { [t]: 'new' } }, undefined, kept);
    assert.equal(p.traits[t], 'new', 'a held trait can still change');
  });

  it('the strongest interests stay: a new strong category displaces the weakest', () => {
    const p = emptyProfile('u1');
    const kept = noneKeptOut();
    let n = 0;
    const view = (category: string, event = 'product_viewed', day = 1) =>
      foldEvent(p, { type: 'track', event, eventId: `v${++n}`, userId: 'u1', timestamp: dayAt(day), properties: { category, orderId: `o${n}`, revenue: 1 } }, undefined, kept);
    for (let i = 0; i < MAX_INTERESTS; i++) for (let k = 0; k < 3; k++) view(`c${i}`);
    view('weak'); // 1 < 3: kept out
    assert.equal(Object.hasOwn(p.interests, 'weak'), false);
    view('c0'); // c0 is now strongest (4); the weakest are at 3
    view('strong', 'order_completed'); // 5 > 3: displaces one of the weakest
    assert.equal(Object.keys(p.interests).length, MAX_INTERESTS);
    assert.ok(Object.hasOwn(p.interests, 'strong') && Object.hasOwn(p.interests, 'c0'));
    assert.equal(kept.interests, 2);
  });

  it('merging two capped profiles keeps the caps (traits, consent, names, interests, identities, days, mergedFrom)', () => {
    const fill = (p: Profile, tag: string) => {
      for (const e of hostileEvents(3000, p.userId, tag)) foldEvent(p, { ...e, eventId: `${tag}${e.eventId}`, event: e.event && e.event.startsWith('e') ? `${tag}${e.event}`.slice(0, 64) : e.event, traits: e.traits && Object.fromEntries(Object.entries(e.traits).map(([k, v]) => [`${tag}${k}`.slice(0, 128), v])) });
      const consent = Object.fromEntries(Array.from({ length: MAX_CONSENT_PURPOSES }, (_, i) => [`${tag}p${i}`, true]));
      foldEvent(p, { type: 'identify', eventId: `${tag}consent`, userId: p.userId, timestamp: dayAt(1), traits: { consent } });
      for (const [kind, limit] of Object.entries(IDENTITY_LIMITS) as Array<[IdentityKind, number]>) {
        for (let i = 0; i < limit; i++) p.identities.push({ kind, value: pad(`${tag}${kind}${i}-`, 256), firstSeenAt: dayAt(0) });
      }
      p.mergedFrom = Array.from({ length: MAX_MERGED_FROM }, (_, i) => pad(`${tag}m${i}-`, 256));
    };
    const a = emptyProfile('u-a');
    const b = emptyProfile('u-b');
    fill(a, 'a');
    fill(b, 'b');
    const kept = noneKeptOut();
    mergeProfiles(a, b, kept);
    assert.ok(Object.keys(a.traits).length <= MAX_TRAITS);
    assert.ok(JSON.stringify(a.traits).length <= MAX_TRAITS_BYTES);
    assert.equal(Object.keys(a.consent).length, MAX_CONSENT_PURPOSES);
    assert.equal(Object.keys(a.counters).filter((k) => /^[ab]e/.test(k)).length, MAX_CUSTOM_EVENT_NAMES);
    assert.equal(Object.keys(a.interests).length, MAX_INTERESTS);
    assert.ok(JSON.stringify(a.days).length <= MAX_DAYS_BYTES);
    for (const [kind, limit] of Object.entries(IDENTITY_LIMITS)) assert.equal(a.identities.filter((i) => i.kind === kind).length, limit);
    assert.equal(a.mergedFrom.length, MAX_MERGED_FROM);
    assert.equal(a.dedup.ids.length, DEDUP_IDS);
    assert.ok(kept.identities > 0 && kept.eventNames > 0 && kept.traits > 0 && kept.interests > 0, JSON.stringify(kept));
    const size = itemBytes(a);
    console.log(`two capped profiles merged: doc ${size.doc} bytes`);
    assert.ok(size.doc < PROFILE_DOC_BOUND_BYTES, `${size.doc} bytes`);
  });
});
