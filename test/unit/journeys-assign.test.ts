import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addDuration, couponCode, effectKey, fnv1a32, goalKey, hashUnit, parseDuration, pickBranch, splitSeed } from '../../core/journeys/index.js';

describe('split assignment hash', () => {
  it('is FNV-1a 32-bit', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  });

  it("matches GrowthBook's hash v2 test cases (sdk-js cases.json)", () => {
    const cases: Array<[string, string, number]> = [
      ['seed', 'a', 0.0505],
      ['seed', 'b', 0.2696],
      ['foo', 'ab', 0.2575],
      ['foo', 'def', 0.2019],
      ['89123klj', '8952klfjas09ujkasdf', 0.124],
      ['90850943850283058242805', '123', 0.7516],
      ['()**(%$##$%#$#', '___)((*":&', 0.0128],
    ];
    for (const [seed, value, expected] of cases) assert.equal(hashUnit(seed, value), expected, `${seed}/${value}`);
  });

  it('picks branches by cumulative weight, normalising weights', () => {
    assert.equal(pickBranch(0, [50, 50]), 0);
    assert.equal(pickBranch(0.4999, [50, 50]), 0);
    assert.equal(pickBranch(0.5, [50, 50]), 1);
    assert.equal(pickBranch(0.9999, [10, 0, 90]), 2);
    assert.equal(pickBranch(0.3, [0, 1, 0]), 1);
    assert.equal(pickBranch(0.7, [0.2, 0.2]), 1, 'a bandit’s fractions work too');
    assert.equal(splitSeed('c1', 'ab'), 'c1:ab');
  });
});

describe('idempotency keys', () => {
  it('are campaign:version:enrollment:node, plus the visit from the second visit', () => {
    assert.equal(effectKey('c1', 3, 'e9', 'coupon'), 'c1:3:e9:coupon');
    assert.equal(effectKey('c1', 3, 'e9', 'coupon', 1), 'c1:3:e9:coupon');
    assert.equal(effectKey('c1', 3, 'e9', 'coupon', 2), 'c1:3:e9:coupon:2');
    assert.equal(goalKey('c1', 3, 'e9'), 'c1:3:e9:$goal');
  });

  it('coupon codes are stable per key and differ between keys', () => {
    const a = couponCode('c1:3:e9:coupon', 'WINBACK');
    assert.equal(couponCode('c1:3:e9:coupon', 'WINBACK'), a);
    assert.match(a, /^WINBACK-[0-9A-Z]{14}$/);
    assert.notEqual(couponCode('c1:3:e9:coupon:2', 'WINBACK'), a);
    assert.match(couponCode('k'), /^OG-/);
  });
});

describe('ISO 8601 durations', () => {
  it('parses and adds them in UTC', () => {
    assert.deepEqual(parseDuration('P1DT12H'), { ok: true, value: { years: 0, months: 0, weeks: 0, days: 1, hours: 12, minutes: 0, seconds: 0 } });
    assert.equal(addDuration('2024-05-01T10:00:00.000Z', 'PT1H30M'), '2024-05-01T11:30:00.000Z');
    assert.equal(addDuration('2024-05-01T10:00:00.000Z', 'P1W'), '2024-05-08T10:00:00.000Z');
    assert.equal(addDuration('2024-01-31T10:00:00.000Z', 'P1M'), '2024-03-02T10:00:00.000Z');
    assert.equal(addDuration('2024-03-09T12:00:00Z', 'P1D'), '2024-03-10T12:00:00.000Z', 'days are 24 h, whatever a zone does');
  });

  it('rejects what is not one', () => {
    for (const bad of ['', 'P', 'PT', '3D', 'P3', 'P1.5D', 'PT0S', 'P0D', 'P500D', 'p3d', 'P3DT']) {
      assert.equal(parseDuration(bad).ok, false, bad);
    }
    assert.throws(() => addDuration('2024-05-01T10:00:00Z', 'nope'), RangeError);
  });
});
