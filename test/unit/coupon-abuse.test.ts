import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../core/events/schema.js';
import { guardAction, COUPON_ABUSER_TAG } from '../../core/journeys/guards.js';
import { countOnDevices, foldDeviceEvents, type DeviceActivity } from '../../core/identity/deviceActivity.js';
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

describe('coupon_abuser per device (many accounts on one phone)', () => {
  const claim = (userId: string, device: string, hoursIn: number, event = 'coupon_issued'): StoredEvent => ({
    type: 'track',
    event,
    eventId: `${event}-${userId}-${hoursIn}`,
    userId,
    timestamp: new Date(T0 + hoursIn * HOUR).toISOString(),
    properties: {},
    context: { device: { id: device } },
  });
  const deviceOf = (deviceId: string): DeviceActivity => ({ deviceId, events: new Map(), added: [], removed: [] });
  /** Folds `events` into the device and evaluates their user's own fresh profile against it. */
  const accountTagged = (devices: Map<string, DeviceActivity>, e: StoredEvent) => {
    foldDeviceEvents(devices, [{ event: e }], set.deviceEvents);
    const profile = emptyProfile(e.userId!);
    foldEvent(profile, e);
    evaluateProfile(profile, set, e.timestamp, e, [], [devices.get(e.context!.device!.id!)!]);
    return profile;
  };

  it('reads which events to keep per device from the rules', () => {
    assert.deepEqual([...set.deviceEvents].sort(), ['coupon_issued', 'coupon_redeemed']);
  });

  it('tags the account whose claim is the device\'s fifth within hours, and any later account on it', () => {
    const devices = new Map([['phone-1', deviceOf('phone-1')]]);
    for (let i = 1; i <= 4; i++) assert.equal(Object.hasOwn(accountTagged(devices, claim(`acct-${i}`, 'phone-1', i * 0.5)).tags, COUPON_ABUSER_TAG), false, `claim ${i}`);
    const fifth = accountTagged(devices, claim('acct-5', 'phone-1', 2.5));
    assert.ok(Object.hasOwn(fifth.tags, COUPON_ABUSER_TAG), 'the fifth account on the phone');
    // A new account's first event on the phone, before it claims anything.
    const signup: StoredEvent = { ...claim('acct-6', 'phone-1', 3), event: 'signed_up', eventId: 'signup-6' };
    assert.ok(Object.hasOwn(accountTagged(devices, signup).tags, COUPON_ABUSER_TAG));
    // The same accounts' claims spread over two days are not farming.
    const slow = new Map([['phone-2', deviceOf('phone-2')]]);
    for (let i = 1; i <= 5; i++) assert.equal(Object.hasOwn(accountTagged(slow, claim(`slow-${i}`, 'phone-2', i * 8)).tags, COUPON_ABUSER_TAG), false);
  });

  it('counts a redelivered claim once, and keeps a device to its last 72 hours', () => {
    const devices = new Map([['phone-3', deviceOf('phone-3')]]);
    const e = claim('acct-1', 'phone-3', 0);
    for (let i = 0; i < 5; i++) foldDeviceEvents(devices, [{ event: e }], set.deviceEvents);
    const device = devices.get('phone-3')!;
    assert.equal(countOnDevices([device], 'coupon_issued', 6, T0), 1);
    assert.deepEqual(device.added, [e.eventId]);
    // Stored from an earlier batch, then aged out by a claim four days later: the store is told to remove it.
    device.added = [];
    foldDeviceEvents(devices, [{ event: claim('acct-2', 'phone-3', 96) }], set.deviceEvents);
    assert.deepEqual(device.removed, [e.eventId]);
    assert.deepEqual([...device.events.keys()], ['coupon_issued-acct-2-96']);
  });

  it('holds the tag for a week after, where no device is in sight (a sweep, a journey\'s own coupon_issued)', () => {
    const devices = new Map([['phone-4', deviceOf('phone-4')]]);
    for (let i = 1; i <= 4; i++) accountTagged(devices, claim(`w-${i}`, 'phone-4', i * 0.1));
    const farmer = accountTagged(devices, claim('w-5', 'phone-4', 0.5));
    assert.ok(Object.hasOwn(farmer.tags, COUPON_ABUSER_TAG));
    const later = (days: number) => new Date(T0 + days * 24 * HOUR).toISOString();
    evaluateProfile(farmer, set, later(6), null);
    assert.ok(Object.hasOwn(farmer.tags, COUPON_ABUSER_TAG), 'held on day 6');
    evaluateProfile(farmer, set, later(8), null);
    assert.equal(Object.hasOwn(farmer.tags, COUPON_ABUSER_TAG), false, 'released after 7 days');
  });
});
