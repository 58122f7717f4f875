import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, variablesRead } from '../../core/rules/index.js';
import { compileRuleSet, evaluateProfile } from '../../core/tagging/evaluateProfile.js';
import { foldEvent } from '../../core/profile/fold.js';
import { computeStats } from '../../core/profile/stats.js';
import { emptyProfile } from '../../core/profile/types.js';

const reads = (source: string) =>
  Object.fromEntries([...variablesRead(parse(source))].map(([k, v]) => [k, v === 'whole' ? v : [...v].sort()]));

describe('variablesRead', () => {
  it('lists the first-level properties read of each root variable', () => {
    assert.deepEqual(reads('stats.orders >= 2 and count("x", 30) / stats.revenue > 0 and tags.vip'), {
      stats: ['orders', 'revenue'],
      tags: ['vip'],
    });
    assert.deepEqual(reads('traits.address.city == "Leeds"'), { traits: ['address'] });
    assert.deepEqual(reads('"vip" in tags or not (event.properties.x > -stats.frequency)'), { tags: 'whole', event: ['properties'], stats: ['frequency'] });
    assert.deepEqual(reads('[stats.orders, 1] contains 1'), { stats: ['orders'] });
    assert.deepEqual(reads('days_since(stats.lastSeenAt) > 3'), { stats: ['lastSeenAt'] });
  });

  it('a variable used whole stays whole', () => {
    assert.deepEqual(reads('stats != null and stats.orders > 1'), { stats: 'whole' });
    assert.deepEqual(reads('stats.orders > 1 and stats != null'), { stats: 'whole' });
  });
});

describe('evaluation derives only what expressions read', () => {
  it('gives the same tags and segments as with every variable built', () => {
    const profile = emptyProfile('u');
    const order = (day: string, revenue: number) =>
      foldEvent(profile, {
        type: 'track', event: 'order_completed', eventId: `o-${day}`, userId: 'u', timestamp: `${day}T10:00:00.000Z`,
        properties: { orderId: `o-${day}`, revenue },
      });
    order('2026-01-01', 400);
    order('2026-02-01', 700);
    const now = (iso: string) => ({ version: 1, updatedAt: iso });
    const rules = [
      { id: 'r1', tag: 'frequent', description: '', expression: 'stats.frequency >= 2 and stats.monetary > 1000', enabled: true, ...now('2026-01-01') },
      { id: 'r2', tag: 'known', description: '', expression: 'stats != null and stats.interPurchaseDays == 31', enabled: true, ...now('2026-01-01') },
    ];
    const segments = [{ id: 's1', name: 's1', description: '', expression: 'tags.frequent and segments.s1 == null', ...now('2026-01-01') }];
    const set = compileRuleSet(rules, segments);
    assert.deepEqual([...set.ruleReads.keys()].sort(), ['stats']);
    const changes = evaluateProfile(profile, set, '2026-02-02T00:00:00.000Z', null);
    assert.deepEqual(changes.map((c) => `${c.kind}:${c.subject}`).sort(), ['segment_entered:s1', 'tag_added:frequent', 'tag_added:known']);
    // The figures the rules saw are the ones computeStats gives.
    const stats = computeStats(profile, '2026-02-02T00:00:00.000Z');
    assert.deepEqual([stats.frequency, stats.monetary, stats.interPurchaseDays], [2, 1100, 31]);
  });
});
