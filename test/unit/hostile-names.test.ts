import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { StoredEvent } from '../../core/events/schema.js';
import { validateEvent } from '../../core/events/validate.js';
import { computeStats } from '../../core/profile/stats.js';
import { STARTER_RULES, STARTER_SEGMENTS } from '../../core/rules/starterRules.js';
import { fromItem, type StoredProfile } from '../../core/store/profiles.js';
import { ruleContext, RULE_FUNCTIONS, withScope } from '../../core/tagging/context.js';
import { compileRuleSet } from '../../core/tagging/evaluateProfile.js';
import { prepareGroup } from '../../core/tagging/prepare.js';

/**
 * Property: whatever names a client picks (every Object.prototype member, `__proto__`, empty strings, odd
 * unicode, very long strings) for categories, event names, trait keys, property keys and consent purposes, the
 * path validate → fold → rules → store round trip → read throws nothing, leaves Object.prototype as it was, and
 * ordinary events still apply afterwards.
 */

const PROTO = Object.getOwnPropertyNames(Object.prototype);
const snapshot = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const BEFORE = snapshot();
const clean = () => {
  const probe = {} as Record<string, unknown>;
  return snapshot() === BEFORE && probe.polluted === undefined && probe.score === undefined && probe.at === undefined && typeof probe.toString === 'function';
};

const hostileName = fc.oneof(
  fc.constantFrom(...PROTO, '__proto__', 'prototype', 'constructor', '', ' ', '$revenue', 'consent', 'email', '__defineGetter__'),
  fc.constantFrom(...PROTO.map((n) => n.toLowerCase())),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\u0000', '\uD800', '\u202E', 'e\u0301', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '🙂'.repeat(50), 'x'.repeat(5000)),
);

const rules = compileRuleSet(
  [
    ...STARTER_RULES.map((r) => ({ ...r, enabled: true, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
    { id: 'bare', tag: '{key}', description: '', expression: 'item > 0', forEach: 'interests' as const, enabled: true, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' },
  ],
  STARTER_SEGMENTS.map((s) => ({ ...s, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
);
const NOW = Date.parse('2026-07-01T00:00:00Z');
let seq = 0;

function run(names: string[]): void {
  const [a = '', b = '', c = '', d = '', e = ''] = names;
  const at = (m: number) => `2026-06-01T10:${String(m).padStart(2, '0')}:00Z`;
  const raws: unknown[] = [
    { type: 'track', event: 'product_viewed', userId: 'u', timestamp: at(1), properties: { category: a, [b]: c } },
    { type: 'track', event: a, userId: 'u', timestamp: at(2), properties: { [c]: d } },
    { type: 'track', event: a.toLowerCase().replace(/[^a-z0-9_]/g, '') || 'x', userId: 'u', timestamp: at(3) },
    { type: 'identify', userId: 'u', timestamp: at(4), traits: { [b]: e, [c]: 1, consent: { [d]: true } } },
    { type: 'track', event: 'order_completed', userId: 'u', timestamp: at(5), properties: { orderId: 'o', revenue: 10, products: [{ category: e }, { category: b }] } },
  ];
  // Clients send JSON: a "__proto__" key arrives as an own property, as JSON.parse makes it.
  const items: Array<{ event: StoredEvent; position: { shardId: string; sequenceNumber: string } }> = [];
  for (const [i, raw] of raws.entries()) {
    const checked = validateEvent(JSON.parse(JSON.stringify(raw)), i, NOW);
    if (checked.ok) items.push({ event: checked.event, position: { shardId: 's', sequenceNumber: String(++seq) } });
  }
  let stored: StoredProfile | undefined;
  const step = (batch: typeof items) => {
    const prepared = prepareGroup({ userId: 'u', items: batch, merges: [], links: [] } as never, new Map(stored ? [['u', stored]] : []), rules);
    if (prepared) stored = fromItem({ userId: 'u', version: 1, doc: JSON.stringify(prepared.profile) });
  };
  step(items);
  step(items); // redelivery is absorbed
  // Reads: stats, the rule context and the rule functions over the hostile names.
  if (stored) {
    const p = stored.profile;
    computeStats(p, at(9));
    ruleContext(p, at(9), null);
    withScope(p, at(9), () => {
      for (const n of names) for (const f of ['count', 'sum', 'last', 'interest'] as const) RULE_FUNCTIONS[f]!(n, 30);
    });
  }
  assert.ok(clean(), 'Object.prototype changed');
  // Ordinary events still apply.
  const orders = stored?.profile.orders.count ?? 0;
  const ordinary = validateEvent({ type: 'track', event: 'order_completed', userId: 'u', timestamp: at(30), properties: { orderId: `ok-${seq}`, revenue: 1 } }, 0, NOW);
  assert.ok(ordinary.ok);
  step([{ event: ordinary.event, position: { shardId: 's', sequenceNumber: String(++seq) } }]);
  assert.equal(stored!.profile.orders.count, orders + 1);
  const login = validateEvent({ type: 'track', event: 'login', userId: 'u', timestamp: at(31) }, 0, NOW);
  assert.ok(login.ok, 'ingest still accepts ordinary events');
}

describe('hostile names (property-based)', () => {
  it('no name a client picks escapes as an exception, pollutes Object.prototype or stops later events', () => {
    fc.assert(
      fc.property(fc.array(hostileName, { minLength: 5, maxLength: 5 }), (names) => {
        run(names);
      }),
      { numRuns: 300, seed: 20261110 },
    );
  });

  it('every Object.prototype name, in every position', () => {
    for (const name of [...PROTO, '__proto__']) run([name, name, name, name, name]);
    assert.ok(clean());
  });
});
