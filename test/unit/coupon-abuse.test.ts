import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../core/events/schema.js';
import { guardAction, COUPON_ABUSER_TAG } from '../../core/journeys/guards.js';
import { foldEvent } from '../../core/profile/fold.js';
import { emptyProfile, type Profile } from '../../core/profile/types.js';
import { STARTER_RULES } from '../../core/rules/starterRules.js';
import type { TagRule } from '../../core/rules/types.js';
import { compileRuleSet, evaluateProfile } from '../../core/tagging/evaluateProfile.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const HOUR = 3_600_000;
const rules: TagRule[] = STARTER_RULES.map((r) => ({ ...r, version: 1, updatedAt: '2026-01-01T00:00:00Z', enabled: true }));
const set = compileRuleSet(rules, []);

function profileWith(name: string, hoursApart: number, n: number): { profile: Profile; last: string } {
  const profile = emptyProfile('farmer');
  let last = '';
  for (let i = 0; i < n; i++) {
    last = new Date(T0 + i * hoursApart * HOUR).toISOString();
    const e: StoredEvent = { type: 'track', event: name, eventId: `${name}-${i}`, userId: 'farmer', timestamp: last, properties: {} };
    foldEvent(profile, e);
  }
  return { profile, last };
}

const tagged = (p: { profile: Profile; last: string }) => {
  evaluateProfile(p.profile, set, p.last, null);
  return Object.hasOwn(p.profile.tags, COUPON_ABUSER_TAG);
};

describe('coupon_abuser (薅羊毛)', () => {
  it('tags many coupon claims or redemptions within hours, not the same spread over days', () => {
    assert.equal(tagged(profileWith('coupon_issued', 1, 5)), true, '5 claims in 4 hours');
    assert.equal(tagged(profileWith('coupon_issued', 1, 4)), false, '4 claims');
    assert.equal(tagged(profileWith('coupon_redeemed', 2, 3)), true, '3 redemptions in 4 hours');
    assert.equal(tagged(profileWith('coupon_redeemed', 12, 3)), false, '3 redemptions over a day');
    assert.equal(tagged(profileWith('coupon_issued', 10, 8)), false, '8 claims, 10 hours apart');
  });

  it('makes ISSUE_COUPON skip the user, with the reason, unless the node allows abusers', () => {
    const farmer = profileWith('coupon_redeemed', 1, 3);
    assert.ok(tagged(farmer));
    const skip = guardAction({ action: 'ISSUE_COUPON', params: { value: 5 } }, { profile: farmer.profile });
    assert.deepEqual([skip.status, skip.reason], ['SUPPRESSED', 'ABUSE']);
    assert.equal(guardAction({ action: 'ISSUE_COUPON', params: { value: 5, allowAbusers: true } }, { profile: farmer.profile }).status, 'SENT');
    assert.equal(guardAction({ action: 'SET_TAG', params: { tag: 'x' } }, { profile: farmer.profile }).status, 'SENT');
  });
});
