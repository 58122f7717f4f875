import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { StoredEvent } from '../../core/events/schema.js';
import { validateEvent } from '../../core/events/validate.js';
import { foldEvent } from '../../core/profile/fold.js';
import { mergeProfiles } from '../../core/profile/merge.js';
import { statsFields, windowSum } from '../../core/profile/stats.js';
import { emptyProfile, type Profile } from '../../core/profile/types.js';
import { fromItem } from '../../core/store/profiles.js';
import { RULE_FUNCTIONS, ruleContext, withScope } from '../../core/tagging/context.js';
import { compileRuleSet, evaluateProfile } from '../../core/tagging/evaluateProfile.js';

/**
 * Reproductions of the prototype-key findings (issue 10, item 1): strings the client chooses (categories, event
 * names, trait keys, property keys) used as keys of plain objects reached Object.prototype.
 */

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
const protoSnapshot = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const before = protoSnapshot();
afterEach(() => {
  // A failing reproduction must not poison the tests after it.
  for (const k of Object.getOwnPropertyNames(Object.prototype)) {
    if (!PROTO_NAMES.includes(k)) delete (Object.prototype as Record<string, unknown>)[k];
  }
});
const assertPrototypeClean = () => {
  assert.equal(protoSnapshot(), before, 'Object.prototype gained or lost properties');
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.score, undefined);
  assert.equal(probe.at, undefined);
  assert.equal(probe.polluted, undefined);
};

const NOW = Date.parse('2026-06-02T00:00:00Z');
let n = 0;
const at = (day = 1) => `2026-06-${String(day).padStart(2, '0')}T10:00:00.000Z`;
const track = (event: string, properties: Record<string, unknown> = {}, day = 1): StoredEvent => ({
  type: 'track',
  event,
  eventId: `e-${++n}`,
  userId: 'u1',
  timestamp: at(day),
  properties,
});
const identify = (traits: Record<string, unknown>, day = 1): StoredEvent => ({
  type: 'identify',
  eventId: `e-${++n}`,
  userId: 'u1',
  timestamp: at(day),
  traits,
});
/** The profile as the store hands it back: a JSON round trip (own `__proto__` keys survive JSON.parse). */
const roundTrip = (p: Profile): Profile => fromItem({ userId: p.userId, version: 1, doc: JSON.stringify(p) }).profile;

describe('client-chosen keys: ingest', () => {
  it('accepts an event named after an Object.prototype member instead of throwing (was a 500)', () => {
    for (const event of ['constructor', 'valueof', 'tostring', 'hasownproperty', 'isprototypeof']) {
      const r = validateEvent({ type: 'track', event, userId: 'u1', timestamp: at() }, 0, NOW);
      assert.equal(r.ok, true, event);
    }
  });

  it('rejects a __proto__ key per item, at any depth, rather than dropping it silently', () => {
    const raw = JSON.parse(
      `{"type":"identify","userId":"u1","timestamp":"${at()}","traits":{"plan":"pro","__proto__":{"polluted":1}}}`,
    ) as unknown;
    const r = validateEvent(raw, 3, NOW);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.rejection.code, 'INVALID_EVENT');
      assert.equal(r.rejection.index, 3);
      assert.match(r.rejection.message, /__proto__/);
    }
    const nested = JSON.parse(
      `{"type":"track","event":"order_completed","userId":"u1","timestamp":"${at()}","properties":{"orderId":"o1","revenue":1,"products":[{"__proto__":{"x":1}}]}}`,
    ) as unknown;
    assert.equal(validateEvent(nested, 0, NOW).ok, false);
    // The text "__proto__" as a value is fine.
    const asValue = validateEvent({ type: 'track', event: 'message_received', userId: 'u1', timestamp: at(), properties: { text: '"__proto__":' } }, 0, NOW);
    assert.equal(asValue.ok, true);
    assertPrototypeClean();
  });

  it('keeps every other Object.prototype name as an ordinary trait and property key', () => {
    const traits = Object.fromEntries(PROTO_NAMES.filter((k) => k !== '__proto__').map((k) => [k, `v-${k}`]));
    const r = validateEvent({ type: 'identify', userId: 'u1', timestamp: at(), traits }, 0, NOW);
    assert.equal(r.ok, true);
    if (r.ok) assert.deepEqual({ ...r.event.traits }, traits);
  });
});

describe('client-chosen keys: fold, merge, stats and rules', () => {
  it('a product_viewed with category "__proto__" does not reach Object.prototype', () => {
    const p = emptyProfile('u1');
    foldEvent(p, track('product_viewed', { category: '__proto__' }));
    foldEvent(p, track('product_viewed', { category: '__proto__' }, 2));
    assertPrototypeClean();
    assert.ok(Object.hasOwn(p.interests, '__proto__'));
    assert.ok(p.interests['__proto__']!.score > 1);
    // And survives the store's JSON round trip as data, not as a prototype.
    const back = roundTrip(p);
    foldEvent(back, track('product_viewed', { category: '__proto__' }, 3));
    assertPrototypeClean();
    assert.equal(Object.keys(back.interests).join(), '__proto__');
  });

  it('categories named after prototype members are ordinary interests', () => {
    const p = emptyProfile('u1');
    for (const c of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) foldEvent(p, track('product_viewed', { category: c }));
    assertPrototypeClean();
    assert.deepEqual(Object.keys(p.interests).sort(), ['constructor', 'hasownproperty', 'tostring', 'valueof']);
    for (const i of Object.values(p.interests)) assert.equal(i.score, 1);
  });

  it('an event named "constructor" is counted like any other name', () => {
    const p = emptyProfile('u1');
    foldEvent(p, track('constructor'));
    foldEvent(p, track('constructor'));
    assert.equal(p.counters.constructor, 2);
    assert.equal(p.lastAt.constructor, at());
    assert.equal(p.days[at().slice(0, 10)]!.constructor, 2);
    const back = roundTrip(p);
    foldEvent(back, track('constructor', {}, 2));
    assert.equal(back.counters.constructor, 3);
    assert.equal(windowSum(back, 'constructor', at(2), 30), 3);
  });

  it('trait keys named after prototype members are stored, not dropped', () => {
    const p = emptyProfile('u1');
    foldEvent(p, identify({ toString: 'a', constructor: 'b', hasOwnProperty: 'c', valueOf: 1, consent: { toString: true } }));
    assert.deepEqual({ ...p.traits }, { toString: 'a', constructor: 'b', hasOwnProperty: 'c', valueOf: 1 });
    assert.equal(p.consent.toString, true);
    // A later identify overwrites them (the per-key timestamp must be the key's own, not an inherited function).
    foldEvent(p, identify({ toString: 'z' }, 2));
    assert.equal(p.traits.toString, 'z');
    assertPrototypeClean();
  });

  it('a trait or property named "__proto__" that reaches the fold is data, not a prototype', () => {
    const p = emptyProfile('u1');
    const traits = JSON.parse('{"__proto__":{"polluted":true},"plan":"pro"}') as Record<string, unknown>;
    foldEvent(p, identify(traits));
    assertPrototypeClean();
    assert.equal(Object.getPrototypeOf(p.traits) === null || Object.getPrototypeOf(p.traits) === Object.prototype, true);
    assert.equal((p.traits as Record<string, unknown>).polluted, undefined);
    const big = JSON.parse(`{"__proto__":"${'x'.repeat(2000)}","orderId":"o1"}`) as Record<string, unknown>;
    foldEvent(p, track('custom_big', big));
    assertPrototypeClean();
  });

  it('merging a round-tripped profile with prototype-named keys keeps them as data', () => {
    const source = emptyProfile('anon:a1');
    foldEvent(source, track('product_viewed', { category: '__proto__' }));
    foldEvent(source, track('constructor'));
    foldEvent(source, identify(JSON.parse('{"__proto__":"x","toString":"y"}') as Record<string, unknown>));
    const target = emptyProfile('u1');
    foldEvent(target, track('constructor', {}, 2));
    mergeProfiles(target, roundTrip(source));
    mergeProfiles(target, roundTrip(emptyProfile('anon:a2')));
    assertPrototypeClean();
    assert.equal(target.counters.constructor, 2);
    assert.ok(Object.hasOwn(target.interests, '__proto__'));
    assert.equal(target.traits.toString, 'y');
  });

  it('rule functions and stats answer for own keys only', () => {
    const p = emptyProfile('u1');
    foldEvent(p, track('login'));
    withScope(p, at(), () => {
      assert.equal(RULE_FUNCTIONS.last!('constructor'), null);
      assert.equal(RULE_FUNCTIONS.count!('toString', 30), 0);
      assert.equal(RULE_FUNCTIONS.count!('constructor'), 0);
      assert.equal(RULE_FUNCTIONS.interest!('constructor'), 0);
      assert.equal(RULE_FUNCTIONS.interest!('__proto__'), 0);
    });
    assert.deepEqual({ ...statsFields(p, at(), ['constructor', 'toString', 'orders']) }, { orders: 0 });
    const ctx = ruleContext(p, at(), null);
    assert.equal((ctx.tags as Record<string, unknown>).constructor, undefined);
  });

  it('an interest rule over a "__proto__" category tags the profile without touching the prototype', () => {
    const p = emptyProfile('u1');
    for (let d = 1; d <= 3; d++) foldEvent(p, track('product_viewed', { category: '__proto__' }, d));
    const set = compileRuleSet(
      [
        { id: 'interest', tag: 'interest:{key}', description: '', expression: 'item >= 2', forEach: 'interests', enabled: true, version: 1, updatedAt: at() },
        { id: 'bare', tag: '{key}', description: '', expression: 'item >= 2', forEach: 'interests', enabled: true, version: 1, updatedAt: at() },
      ],
      [{ id: 'fan', name: 'fan', description: '', expression: 'tags["interest:__proto__"] or count("product_viewed") > 0', version: 1, updatedAt: at() }],
    );
    evaluateProfile(p, set, at(3), null);
    assertPrototypeClean();
    assert.ok(Object.hasOwn(p.tags, 'interest:__proto__'));
    assert.ok(Object.hasOwn(p.tags, '__proto__'), 'a tag named "__proto__" is a tag, not the tag map\'s prototype');
    assert.ok(Object.hasOwn(p.segments, 'fan'));
  });
});
