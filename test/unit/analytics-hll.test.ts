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
    assert.ok(sb.length <= 2 + 50 * 4, `sparse is ${sb.length} bytes`); // 4 bytes a precision-25 entry
    assert.deepEqual(HyperLogLog.fromBase64(small.toBase64()).registers, small.registers);
    const big = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) big.add(`b${i}`);
    const bb = big.toBuffer();
    assert.equal(bb.length, 2 + (16_384 * 6) / 8);
    assert.deepEqual(HyperLogLog.fromBuffer(bb).registers, big.registers);
    assert.throws(() => HyperLogLog.fromBuffer(bb.subarray(0, 100)), RangeError);
    assert.throws(() => new HyperLogLog(14).merge(new HyperLogLog(12)), RangeError);
  });

  it('counts small sets to within one id while sparse (20 to 3,000 ids), where registers alone lose several', () => {
    let registerMisses = 0;
    let exact = 0;
    for (let trial = 0; trial < 200; trial++) {
      const n = 20 + ((trial * 7_919) % 2_981);
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) h.add(`t${trial}-${i}`);
      // Two ids share a precision-25 entry with odds n²/2^26: one in 10,000 at 84 ids, one in ten at 2,600.
      const off = Math.abs(Math.round(h.estimate()) - n);
      assert.ok(off <= 1, `${n} ids, trial ${trial}: off by ${off}`);
      if (off === 0) exact++;
      // The same ids in precision-14 registers (the dense form) share a register now and then.
      const dense = new HyperLogLog(14, h.registers);
      if (Math.round(dense.estimate()) !== n) registerMisses++;
    }
    assert.ok(exact >= 180, `exact in ${exact} of 200 sets`);
    assert.ok(registerMisses > 50, `the registers alone missed in ${registerMisses} of 200 sets: the sparse form is what makes them exact`);
  });

  it('turns dense past 3,072 entries with the registers it would have had, and merges sparse with dense either way', () => {
    const direct = new HyperLogLog(14, new Uint8Array(16_384)); // dense from the start
    const grown = new HyperLogLog();
    const early = new HyperLogLog();
    for (let i = 0; i < 5_000; i++) {
      direct.add(`g${i}`);
      grown.add(`g${i}`);
      if (i < 100) early.add(`g${i}`);
    }
    assert.deepEqual(grown.registers, direct.registers);
    assert.equal(grown.toBuffer()[0], direct.toBuffer()[0], 'both written in a register form');
    assert.equal(early.toBuffer().length, 2 + 100 * 4, 'a small sketch is written sparse');
    assert.deepEqual(early.clone().merge(direct).registers, direct.registers, 'sparse into dense');
    assert.deepEqual(direct.clone().merge(early).registers, direct.registers, 'dense into sparse');
  });

  it('reads the register forms stored before the sparse one, and refuses a damaged sparse entry', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `old${i}`);
    const stored = new HyperLogLog(14, new Uint8Array(16_384));
    for (const id of ids) stored.add(id);
    const before = stored.toBuffer();
    assert.equal(before[0], 2, 'a list of non-zero registers, as the aggregator wrote them');
    const fresh = new HyperLogLog();
    for (const id of ids.slice(0, 150)) fresh.add(id);
    assert.deepEqual(HyperLogLog.fromBuffer(before).merge(fresh).registers, stored.registers, "today's delta folds into yesterday's item");
    const damaged = fresh.toBuffer();
    damaged.writeUInt32BE(0xffffffff, 2);
    assert.throws(() => HyperLogLog.fromBuffer(damaged), RangeError);
    assert.throws(() => HyperLogLog.fromBuffer(fresh.toBuffer().subarray(0, 5)), RangeError);
    assert.equal(Math.round(HyperLogLog.fromBuffer(fresh.toBuffer()).estimate()), 150, 'round-trips sparse');
  });
});
