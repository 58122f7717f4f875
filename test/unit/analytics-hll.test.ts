/** HyperLogLog: accuracy against exact counts, merges equal to the sketch of the union, compact serialization. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HyperLogLog } from '../../core/analytics/hll.js';

describe('HyperLogLog', () => {
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    it(`estimates ${n} distinct ids within 2%`, () => {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) h.add(`user-${i}`);
      for (let i = 0; i < n; i += 3) h.add(`user-${i}`); // repeats change nothing
      const error = Math.abs(h.estimate() / n - 1);
      assert.ok(error < 0.02, `${n}: error ${(error * 100).toFixed(2)}%`);
    });
  }

  it('is exact-ish for tiny sets and 0 for none', () => {
    const h = new HyperLogLog();
    assert.equal(h.estimate(), 0);
    for (const id of ['a', 'b', 'c']) h.add(id);
    assert.equal(Math.round(h.estimate()), 3);
  });

  it('merging daily sketches equals the sketch of the union (WAU from DAUs)', () => {
    const days: HyperLogLog[] = [];
    const week = new HyperLogLog();
    const exact = new Set<string>();
    for (let d = 0; d < 7; d++) {
      const day = new HyperLogLog();
      for (let i = 0; i < 20_000; i++) {
        const id = `u${(d * 7_919 + i * 13) % 60_000}`; // overlapping users across days
        day.add(id);
        week.add(id);
        exact.add(id);
      }
      days.push(HyperLogLog.fromBuffer(day.toBuffer()));
    }
    const merged = HyperLogLog.union(days);
    assert.deepEqual(merged.registers, week.registers);
    assert.ok(Math.abs(merged.estimate() / exact.size - 1) < 0.02);
  });

  it('serializes compactly and round-trips (sparse and dense)', () => {
    const small = new HyperLogLog();
    for (let i = 0; i < 50; i++) small.add(`s${i}`);
    const sb = small.toBuffer();
    assert.ok(sb.length <= 2 + 50 * 3, `sparse is ${sb.length} bytes`);
    assert.deepEqual(HyperLogLog.fromBase64(small.toBase64()).registers, small.registers);
    const big = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) big.add(`b${i}`);
    const bb = big.toBuffer();
    assert.equal(bb.length, 2 + (16_384 * 6) / 8);
    assert.deepEqual(HyperLogLog.fromBuffer(bb).registers, big.registers);
    assert.throws(() => HyperLogLog.fromBuffer(bb.subarray(0, 100)), RangeError);
    assert.throws(() => new HyperLogLog(14).merge(new HyperLogLog(12)), RangeError);
  });
});
