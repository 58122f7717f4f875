/**
 * Golden tests of experiment assignment against GrowthBook's SDK spec cases: packages/sdk-js/test/cases.json at
 * GrowthBook commit c6b15529f6 (sections "hash", "getBucketRange", "chooseVariation", "inNamespace",
 * "getEqualWeights"), copied verbatim below.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assignVariation,
  chooseVariation,
  fnv1a32,
  getBucketRanges,
  getEqualWeights,
  hash,
  inNamespace,
  type BucketRange,
  type Namespace,
} from '../../core/experiments/hash.js';

type HashCase = [string, string, number, number | null];
const HASH: HashCase[] = [
  ["", "a", 1, 0.22],
  ["", "b", 1, 0.077],
  ["b", "a", 1, 0.946],
  ["ef", "d", 1, 0.652],
  ["asdf", "8952klfjas09ujk", 1, 0.549],
  ["", "123", 1, 0.011],
  ["", "___)((*\":&", 1, 0.563],
  ["seed", "a", 2, 0.0505],
  ["seed", "b", 2, 0.2696],
  ["foo", "ab", 2, 0.2575],
  ["foo", "def", 2, 0.2019],
  ["89123klj", "8952klfjas09ujkasdf", 2, 0.124],
  ["90850943850283058242805", "123", 2, 0.7516],
  ["()**(%$##$%#$#", "___)((*\":&", 2, 0.0128],
  ["abc", "def", 99, null],
];
type RangeCase = [string, [number, number, number[] | null], BucketRange[]];
const GET_BUCKET_RANGE: RangeCase[] = [
  ["normal 50/50", [2, 1, null], [[0, 0.5], [0.5, 1]]],
  ["reduced coverage", [2, 0.5, null], [[0, 0.25], [0.5, 0.75]]],
  ["zero coverage", [2, 0, null], [[0, 0], [0.5, 0.5]]],
  ["4 variations", [4, 1, null], [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1]]],
  ["uneven weights", [2, 1, [0.4, 0.6]], [[0, 0.4], [0.4, 1]]],
  ["uneven weights, 3 variations", [3, 1, [0.2, 0.3, 0.5]], [[0, 0.2], [0.2, 0.5], [0.5, 1]]],
  ["uneven weights, reduced coverage, 3 variations", [3, 0.2, [0.2, 0.3, 0.5]], [[0, 0.04], [0.2, 0.26], [0.5, 0.6]]],
  ["negative coverage", [2, -0.2, null], [[0, 0], [0.5, 0.5]]],
  ["coverage above 1", [2, 1.5, null], [[0, 0.5], [0.5, 1]]],
  ["weights sum below 1", [2, 1, [0.4, 0.1]], [[0, 0.5], [0.5, 1]]],
  ["weights sum above 1", [2, 1, [0.7, 0.6]], [[0, 0.5], [0.5, 1]]],
  ["weights.length not equal to num variations", [4, 1, [0.4, 0.4, 0.2]], [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1]]],
  ["weights sum almost equals 1", [2, 1, [0.4, 0.5999]], [[0, 0.4], [0.4, 0.9999]]],
];
type ChooseCase = [string, number, BucketRange[], number];
const CHOOSE_VARIATION: ChooseCase[] = [
  ["even range, 0.2", 0.2, [[0, 0.5], [0.5, 1]], 0],
  ["even range, 0.4", 0.4, [[0, 0.5], [0.5, 1]], 0],
  ["even range, 0.6", 0.6, [[0, 0.5], [0.5, 1]], 1],
  ["even range, 0.8", 0.8, [[0, 0.5], [0.5, 1]], 1],
  ["even range, 0", 0, [[0, 0.5], [0.5, 1]], 0],
  ["even range, 0.5", 0.5, [[0, 0.5], [0.5, 1]], 1],
  ["reduced range, 0.2", 0.2, [[0, 0.25], [0.5, 0.75]], 0],
  ["reduced range, 0.4", 0.4, [[0, 0.25], [0.5, 0.75]], -1],
  ["reduced range, 0.6", 0.6, [[0, 0.25], [0.5, 0.75]], 1],
  ["reduced range, 0.8", 0.8, [[0, 0.25], [0.5, 0.75]], -1],
  ["reduced range, 0.25", 0.25, [[0, 0.25], [0.5, 0.75]], -1],
  ["reduced range, 0.5", 0.5, [[0, 0.25], [0.5, 0.75]], 1],
  ["zero range", 0.5, [[0, 0.5], [0.5, 0.5], [0.5, 1]], 2],
];
type NamespaceCase = [string, string, Namespace, boolean];
const IN_NAMESPACE: NamespaceCase[] = [
  ["user 1, namespace1, 1", "1", ["namespace1", 0, 0.4], false],
  ["user 1, namespace1, 2", "1", ["namespace1", 0.4, 1], true],
  ["user 1, namespace2, 1", "1", ["namespace2", 0, 0.4], false],
  ["user 1, namespace2, 2", "1", ["namespace2", 0.4, 1], true],
  ["user 2, namespace1, 1", "2", ["namespace1", 0, 0.4], false],
  ["user 2, namespace1, 2", "2", ["namespace1", 0.4, 1], true],
  ["user 2, namespace2, 1", "2", ["namespace2", 0, 0.4], false],
  ["user 2, namespace2, 2", "2", ["namespace2", 0.4, 1], true],
  ["user 3, namespace1, 1", "3", ["namespace1", 0, 0.4], false],
  ["user 3, namespace1, 2", "3", ["namespace1", 0.4, 1], true],
  ["user 3, namespace2, 1", "3", ["namespace2", 0, 0.4], true],
  ["user 3, namespace2, 2", "3", ["namespace2", 0.4, 1], false],
  ["user 4, namespace1, 1", "4", ["namespace1", 0, 0.4], false],
  ["user 4, namespace1, 2", "4", ["namespace1", 0.4, 1], true],
  ["user 4, namespace2, 1", "4", ["namespace2", 0, 0.4], true],
  ["user 4, namespace2, 2", "4", ["namespace2", 0.4, 1], false],
];
const GET_EQUAL_WEIGHTS: [number, number[]][] = [
  [-1, []],
  [0, []],
  [1, [1]],
  [2, [0.5, 0.5]],
  [3, [0.33333333, 0.33333333, 0.33333333]],
  [4, [0.25, 0.25, 0.25, 0.25]],
];

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

describe('GrowthBook SDK cases.json', () => {
  test('hash', () => {
    for (const [seed, value, version, expected] of HASH) {
      const h = hash(seed, value, version);
      // cases.json stores v1 to 3 decimals and v2 to 4 (the hash's own resolution).
      assert.equal(h === null ? null : round(h, 4), expected, `hash(${JSON.stringify(seed)}, ${JSON.stringify(value)}, ${version})`);
    }
  });
  test('getBucketRange', () => {
    for (const [name, [n, coverage, weights], expected] of GET_BUCKET_RANGE) {
      const ranges = getBucketRanges(n, coverage, weights ?? undefined).map(([a, b]) => [round(a, 6), round(b, 6)]);
      assert.deepEqual(ranges, expected, name);
    }
  });
  test('chooseVariation', () => {
    for (const [name, n, ranges, expected] of CHOOSE_VARIATION) assert.equal(chooseVariation(n, ranges), expected, name);
  });
  test('inNamespace', () => {
    for (const [name, id, ns, expected] of IN_NAMESPACE) assert.equal(inNamespace(id, ns), expected, name);
  });
  test('getEqualWeights', () => {
    for (const [n, expected] of GET_EQUAL_WEIGHTS) {
      assert.deepEqual(getEqualWeights(n).map((w) => round(w, 8)), expected, String(n));
    }
  });
});

describe('assignment', () => {
  test('FNV-1a matches the published 32-bit test vectors', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  });
  test('deterministic, within coverage, and close to the weights', () => {
    const spec = { seed: 'exp-checkout', numVariations: 3, weights: [0.5, 0.3, 0.2] };
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) {
      const v = assignVariation(spec, `user-${i}`);
      assert.equal(v, assignVariation(spec, `user-${i}`));
      counts[v]++;
    }
    counts.forEach((c, i) => assert.ok(Math.abs(c / 30000 - spec.weights[i]) < 0.015, `arm ${i}: ${c}`));
  });
  test('lowering coverage only drops users, never moves them between arms', () => {
    const full = { seed: 's', numVariations: 2 };
    const half = { ...full, coverage: 0.5 };
    for (let i = 0; i < 2000; i++) {
      const v = assignVariation(half, String(i));
      if (v !== -1) assert.equal(v, assignVariation(full, String(i)));
    }
  });
  test('disjoint namespace slices are mutually exclusive', () => {
    const a = { seed: 'a', numVariations: 2, namespace: ['checkout', 0, 0.5] as Namespace };
    const b = { seed: 'b', numVariations: 2, namespace: ['checkout', 0.5, 1] as Namespace };
    let inA = 0;
    for (let i = 0; i < 5000; i++) {
      const va = assignVariation(a, `u${i}`);
      const vb = assignVariation(b, `u${i}`);
      assert.ok(va === -1 || vb === -1);
      assert.ok(va !== -1 || vb !== -1);
      if (va !== -1) inA++;
    }
    assert.ok(Math.abs(inA / 5000 - 0.5) < 0.05);
  });
  test('unknown hash version gives no assignment', () => {
    assert.equal(assignVariation({ seed: 's', numVariations: 2, hashVersion: 3 as 2 }, 'u'), -1);
  });
});
