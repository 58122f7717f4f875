import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { ProfileChange } from '../../core/changes/types.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { IDENTITY_LIMITS } from '../../core/identity/limits.js';
import { groupByProfile } from '../../core/identity/routing.js';
import { emptyProfile } from '../../core/profile/types.js';
import type { StoredProfile } from '../../core/store/profiles.js';
import { decode, type Decoded } from '../../core/tagging/decode.js';
import { compileRuleSet } from '../../core/tagging/evaluateProfile.js';
import { membershipDeltasOf } from '../../core/tagging/membershipDeltas.js';
import { prepare, prepareGroup, type PreparedGroup } from '../../core/tagging/prepare.js';
import type { Group } from '../../core/tagging/route.js';
import { record } from '../support/streamRecords.js';

const updatedAt = '2026-01-01T00:00:00.000Z';
const rules = compileRuleSet(
  [
    { id: 'high_value', tag: 'high_value', description: '', expression: 'stats.revenue - stats.refunded >= 1000', enabled: true, version: 3, updatedAt },
    { id: 'buyer', tag: 'buyer', description: '', expression: 'stats.orders >= 1', enabled: true, version: 1, updatedAt },
  ],
  [{ id: 'vip', name: 'VIP', description: '', expression: 'tags.high_value', version: 1, updatedAt }],
);

let n = 0;
const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T10:00:00.000Z`;
const order = (ids: Pick<StoredEvent, 'userId' | 'anonymousId'>, day: number, revenue: number): StoredEvent => ({
  type: 'track',
  event: 'order_completed',
  eventId: `e-${++n}`,
  ...ids,
  timestamp: at(day),
  properties: { orderId: `o-${n}`, revenue },
});
const refund = (userId: string, day: number, revenue: number): StoredEvent => ({
  type: 'track',
  event: 'order_refunded',
  eventId: `e-${++n}`,
  userId,
  timestamp: at(day),
  properties: { orderId: `o-${n}`, revenue },
});
const identify = (userId: string, anonymousId: string, day: number, context?: StoredEvent['context']): StoredEvent => ({
  type: 'identify',
  eventId: `e-${++n}`,
  userId,
  anonymousId,
  timestamp: at(day),
  ...(context ? { context } : {}),
});

/** Decodes records as the tagger does (a record that fails to decode fails the test). */
const decodeAll = (records: KinesisStreamRecord[]): Decoded[] =>
  records.map((r) => decode(r) ?? assert.fail('record did not decode'));
/** The batch's groups, routed with no identity links stored yet (pure routing). */
const groupsOf = (records: KinesisStreamRecord[]): Group[] => groupByProfile(decodeAll(records), new Map());
const only = (groups: Group[]): Group => (assert.equal(groups.length, 1), groups[0]!);
const kinds = (changes: ProfileChange[], userId: string) =>
  changes.filter((c) => c.userId === userId && c.kind !== 'profile_updated').map((c) => `${c.kind}:${c.subject}`).sort();
/** Stores a prepared profile as the commit would (next version). */
const stored = (...prepared: PreparedGroup[]) =>
  new Map<string, StoredProfile>(prepared.map((p) => [p.profile.userId, { profile: p.profile, version: p.expectedVersion + 1, churn: null }]));

describe('tagging prepare (pure)', () => {
  it('folds a new user’s events, and adds tags and segments with the batch’s event time', () => {
    const p = prepareGroup(only(groupsOf([record(order({ userId: 'u1' }, 1, 600)), record(order({ userId: 'u1' }, 2, 700))])), new Map(), rules);
    assert.ok(p);
    assert.equal(p.expectedVersion, 0, 'a new profile is created, not updated');
    assert.equal(p.profile.orders.count, 2);
    assert.equal(p.profile.orders.revenue, 1300);
    assert.equal(p.profile.lastSeenAt, at(2));
    assert.deepEqual(Object.keys(p.profile.tags).sort(), ['buyer', 'high_value']);
    assert.deepEqual(p.profile.tags.high_value, { since: at(2), source: 'rule:high_value', ruleVersion: 3 });
    assert.deepEqual(Object.keys(p.profile.segments), ['vip']);
    assert.deepEqual(kinds(p.changes, 'u1'), ['segment_entered:vip', 'tag_added:buyer', 'tag_added:high_value']);
    assert.deepEqual(p.changes.at(-1), { kind: 'profile_updated', userId: 'u1', subject: 'u1', at: at(2) });
    assert.deepEqual(p.group.links, [], 'a user id is its own profile id: no identity row');
    assert.deepEqual(p.audits, []);
  });

  it('removes tags and exits segments whose condition no longer holds, as membership deletes', () => {
    const first = prepareGroup(only(groupsOf([record(order({ userId: 'u2' }, 1, 1500))])), new Map(), rules)!;
    const p = prepareGroup(only(groupsOf([record(refund('u2', 5, 900))])), stored(first), rules);
    assert.ok(p);
    assert.equal(p.expectedVersion, 1);
    assert.equal(p.profile.orders.refunded, 900);
    assert.deepEqual(kinds(p.changes, 'u2'), ['segment_exited:vip', 'tag_removed:high_value']);
    assert.deepEqual(Object.keys(p.profile.tags), ['buyer'], 'the tag that still holds stays');
    assert.deepEqual(Object.keys(p.profile.segments), []);
    assert.deepEqual(
      membershipDeltasOf(p.changes),
      [
        { key: 'tag#high_value', userId: 'u2', member: false },
        { key: 'segment#vip', userId: 'u2', member: false },
      ],
    );
  });

  it('skips a redelivered batch: nothing to write, no changes', () => {
    const records = [record(order({ userId: 'u3' }, 1, 50)), record(order({ userId: 'u3' }, 2, 60))];
    const first = prepareGroup(only(groupsOf(records)), new Map(), rules)!;
    const loaded = stored(first);
    assert.equal(prepareGroup(only(groupsOf(records)), loaded, rules), null);
    assert.deepEqual(prepare(groupsOf(records), loaded, rules), []);
    assert.equal(first.profile.orders.count, 2, 'the stored profile is not folded twice');
  });

  it('merges an anonymous visitor’s profile into the user it identifies as, and moves its memberships', () => {
    const visitor = prepareGroup(only(groupsOf([record(order({ anonymousId: 'a4' }, 1, 80))])), new Map(), rules)!;
    assert.equal(visitor.profile.userId, 'anon:a4');
    const link = identify('u4', 'a4', 3);
    const group = only(groupsOf([record(link), record(order({ userId: 'u4' }, 4, 20))]));
    assert.equal(group.userId, 'u4');
    const p = prepareGroup(group, stored(visitor), rules);
    assert.ok(p);
    assert.deepEqual(p.merged.map((m) => m.profile.userId), ['anon:a4'], 'the anonymous profile is deleted on commit');
    assert.equal(p.profile.orders.count, 2, 'the visitor’s order counts for the user');
    assert.equal(p.profile.orders.revenue, 100);
    assert.deepEqual(p.profile.mergedFrom, ['anon:a4']);
    assert.deepEqual(p.group.links, [{ ref: { kind: 'ANONYMOUS_ID', value: 'a4' }, previousUserId: 'anon:a4', at: at(3) }]);
    assert.deepEqual(kinds(p.changes, 'anon:a4'), ['tag_removed:buyer']);
    assert.ok(p.changes.some((c) => c.kind === 'profile_merged' && c.userId === 'u4' && c.subject === 'anon:a4'));
    assert.ok(p.changes.some((c) => c.kind === 'tag_added' && c.userId === 'u4' && c.subject === 'buyer'));
    assert.deepEqual(p.audits, [
      { subject: 'profile#u4', at: `${at(3)}#merge#0`, action: 'merge', detail: { from: 'anon:a4', eventId: link.eventId, type: 'identify' } },
    ]);
  });

  it('finishes a merge an earlier attempt wrote without deleting the source, without merging twice', () => {
    const visitor = prepareGroup(only(groupsOf([record(order({ anonymousId: 'a5' }, 1, 80))])), new Map(), rules)!;
    const records = [record(identify('u5', 'a5', 3))];
    const user = prepareGroup(only(groupsOf(records)), stored(visitor), rules)!;
    // The profile write succeeded and the delete of anon:a5 failed: both are still stored.
    const loaded = stored(user, visitor);
    const retry = prepareGroup(only(groupsOf(records)), loaded, rules);
    assert.ok(retry);
    assert.deepEqual(retry.merged.map((m) => m.profile.userId), ['anon:a5']);
    assert.equal(retry.profile.orders.count, 1, 'counters are not added twice');
    assert.deepEqual(retry.audits, [], 'the merge was audited by the first attempt');
  });

  it('refuses identities past the per-kind limit: audited, not attached, not linked', () => {
    const limit = IDENTITY_LIMITS.WECHAT_UNIONID;
    const events = Array.from({ length: limit + 1 }, (_, i) =>
      identify('u6', `a6-${i}`, 1 + i, { wechat: { unionid: `union-${i}` } }),
    );
    const p = prepareGroup(only(groupsOf(events.map((e) => record(e)))), new Map(), rules);
    assert.ok(p);
    const unionIds = p.profile.identities.filter((i) => i.kind === 'WECHAT_UNIONID').map((i) => i.value);
    assert.deepEqual(unionIds, Array.from({ length: limit }, (_, i) => `union-${i}`));
    assert.ok(!p.group.links.some((l) => l.ref.value === `union-${limit}`), 'a refused identity gets no link');
    assert.ok(p.group.links.some((l) => l.ref.kind === 'WECHAT_UNIONID' && l.ref.value === 'union-0'));
    assert.deepEqual(p.audits, [
      {
        subject: 'profile#u6',
        at: `${at(1 + limit)}#identity_refused#0`,
        action: 'identity_refused',
        detail: { kind: 'WECHAT_UNIONID', reason: 'limit per identity kind reached' },
      },
    ]);
  });

  it('refuses a merge when the profile has no room for the identity that links it', () => {
    const full = emptyProfile('u7');
    for (let i = 0; i < IDENTITY_LIMITS.ANONYMOUS_ID; i++) full.identities.push({ kind: 'ANONYMOUS_ID', value: `old-${i}`, firstSeenAt: at(1) });
    const visitor = prepareGroup(only(groupsOf([record(order({ anonymousId: 'a7' }, 1, 80))])), new Map(), rules)!;
    const loaded = stored(visitor);
    loaded.set('u7', { profile: full, version: 4, churn: null });
    const p = prepareGroup(only(groupsOf([record(identify('u7', 'a7', 2))])), loaded, rules);
    assert.ok(p);
    assert.deepEqual(p.merged, [], 'the visitor stays a profile of its own');
    assert.equal(p.profile.orders.count, 0);
    assert.ok(!p.changes.some((c) => c.kind === 'profile_merged'));
    assert.ok(!p.group.links.some((l) => l.ref.kind === 'ANONYMOUS_ID'), 'the anonymous id is not re-pointed');
    assert.deepEqual(p.audits.map((a) => [a.action, a.detail.kind]), [['identity_refused', 'ANONYMOUS_ID']]);
    assert.equal(p.expectedVersion, 4);
  });
});
