/**
 * HyperLogLog distinct counting (Flajolet et al. 2007) for ACTIVE_USERS and BUYERS.
 *
 * - Precision 14: 16,384 six-bit registers, standard error 1.04/√16384 ≈ 0.81 %, so "within 2 %" holds at about
 *   2.5 standard errors.
 * - The estimate is Ertl's improved raw estimator ("New cardinality estimation algorithms for HyperLogLog
 *   sketches", 2017, arXiv:1702.01284, section 4): it corrects the small-range bias (where linear counting used to
 *   take over) and the large-range saturation with closed formulas, so no empirical bias tables are needed and
 *   the estimate is smooth from 0 to billions.
 * - Merging is a register-wise max, so the sketch of a week is exactly the merge of its days' sketches (WAU and MAU
 *   from daily sketches), and re-adding an id (a redelivered event) changes nothing.
 * - Serialization picks the smaller of a sparse form (few users, typical of an hour × country bucket) and a dense
 *   6-bit packed form (12 KiB), so DynamoDB items stay small.
 */

/** Default precision (log2 of the register count). */
export const HLL_PRECISION = 14;

const FORMAT_DENSE = 1;
const FORMAT_SPARSE = 2;

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 64-bit hash of a string as two 32-bit halves (two Murmur3-style lanes over the UTF-16 code units, different
 * seeds, each finalized). Why not crypto: a million ids hash in milliseconds here, and HLL needs good mixing,
 * not collision resistance.
 */
export function hash64(text: string): [number, number] {
  let h1 = 0x9747b28c ^ text.length;
  let h2 = 0x1b873593 ^ Math.imul(text.length, 0x27d4eb2f);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let k = Math.imul(c, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(c ^ 0x5bd1e995, 0x85ebca6b);
    j = (j << 17) | (j >>> 15);
    j = Math.imul(j, 0xc2b2ae35);
    h2 ^= j;
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 9) + 0x52dce729) | 0;
  }
  h1 = fmix32(h1 ^ h2);
  h2 = fmix32(h2 ^ Math.imul(h1, 0x9e3779b1));
  return [h1, h2];
}

/** Number of leading zero bits of a 32-bit value (32 for 0). */
function clz32(x: number): number {
  return Math.clz32(x);
}

/**
 * A HyperLogLog sketch with dense registers.
 *
 * Why a class: the aggregator adds ids per (metric, bucket, dimension) and the reader merges days into weeks;
 * both want `add`, `merge`, `estimate` and a compact `toBuffer`/`fromBuffer` for DynamoDB binary attributes.
 *
 * @example
 * ```ts
 * const day1 = new HyperLogLog(); day1.add('u1'); day1.add('u2');
 * const day2 = new HyperLogLog(); day2.add('u2'); day2.add('u3');
 * HyperLogLog.fromBuffer(day1.toBuffer()).merge(day2).estimate(); // ≈ 3
 * ```
 */
export class HyperLogLog {
  readonly p: number;
  readonly m: number;
  /** Bits of the hash left after the register index (the "q" of Ertl's paper); register values are 0..q+1. */
  readonly q: number;
  readonly registers: Uint8Array;

  constructor(p = HLL_PRECISION, registers?: Uint8Array) {
    if (!Number.isInteger(p) || p < 4 || p > 18) throw new RangeError(`HyperLogLog precision must be 4..18, got ${p}`);
    this.p = p;
    this.m = 1 << p;
    this.q = 64 - p;
    if (registers && registers.length !== this.m) throw new RangeError(`expected ${this.m} registers, got ${registers.length}`);
    this.registers = registers ?? new Uint8Array(this.m);
  }

  /** Adds one id (a user id, say). Returns true when a register grew, i.e. when the sketch changed. */
  add(id: string): boolean {
    const [h1, h2] = hash64(id);
    return this.addHash(h1, h2);
  }

  /** Adds a precomputed 64-bit hash given as its high and low 32-bit halves. */
  addHash(h1: number, h2: number): boolean {
    const p = this.p;
    const index = h1 >>> (32 - p);
    // The q = 64 - p bits after the index: the low (32 - p) bits of h1, then all of h2.
    const restHigh = (h1 << p) >>> 0; // left-aligned remaining bits of h1 (32 - p meaningful bits)
    let rho: number;
    if (restHigh !== 0) rho = clz32(restHigh) + 1;
    else if (h2 !== 0) rho = 32 - p + clz32(h2) + 1;
    else rho = this.q + 1;
    if (rho > this.registers[index]!) {
      this.registers[index] = rho;
      return true;
    }
    return false;
  }

  /** Folds another sketch of the same precision into this one (register-wise max); returns `this`. */
  merge(other: HyperLogLog): this {
    if (other.p !== this.p) throw new RangeError(`cannot merge HyperLogLog precision ${other.p} into ${this.p}`);
    const a = this.registers;
    const b = other.registers;
    for (let i = 0; i < a.length; i++) if (b[i]! > a[i]!) a[i] = b[i]!;
    return this;
  }

  /** A deep copy. */
  clone(): HyperLogLog {
    return new HyperLogLog(this.p, new Uint8Array(this.registers));
  }

  /** True when nothing was ever added. */
  isEmpty(): boolean {
    for (let i = 0; i < this.registers.length; i++) if (this.registers[i] !== 0) return false;
    return true;
  }

  /** The estimated number of distinct ids added (Ertl 2017, improved raw estimator). */
  estimate(): number {
    const m = this.m;
    const q = this.q;
    const counts = new Array<number>(q + 2).fill(0);
    for (let i = 0; i < m; i++) counts[this.registers[i]!]!++;
    if (counts[0] === m) return 0;
    let z = m * tau(1 - counts[q + 1]! / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + counts[k]!);
    z += m * sigma(counts[0]! / m);
    const alphaInf = 1 / (2 * Math.LN2);
    return (alphaInf * m * m) / z;
  }

  /**
   * Compact binary form: `[format, p, …]`. Sparse is `(index u16 big-endian, value u8)` triples of the non-zero
   * registers; dense packs the registers in 6 bits each. The smaller one is written.
   */
  toBuffer(): Buffer {
    let nonZero = 0;
    for (let i = 0; i < this.m; i++) if (this.registers[i] !== 0) nonZero++;
    const denseBytes = 2 + Math.ceil((this.m * 6) / 8);
    const sparseBytes = 2 + nonZero * 3;
    if (sparseBytes < denseBytes && this.m <= 65_536) {
      const out = Buffer.alloc(sparseBytes);
      out[0] = FORMAT_SPARSE;
      out[1] = this.p;
      let o = 2;
      for (let i = 0; i < this.m; i++) {
        const v = this.registers[i]!;
        if (v === 0) continue;
        out.writeUInt16BE(i, o);
        out[o + 2] = v;
        o += 3;
      }
      return out;
    }
    const out = Buffer.alloc(denseBytes);
    out[0] = FORMAT_DENSE;
    out[1] = this.p;
    let bit = 16;
    for (let i = 0; i < this.m; i++) {
      const v = this.registers[i]! & 0x3f;
      for (let b = 5; b >= 0; b--) {
        if ((v >> b) & 1) out[bit >> 3]! |= 0x80 >> (bit & 7);
        bit++;
      }
    }
    return out;
  }

  /** {@link toBuffer} as base64 text, for stores that want strings. */
  toBase64(): string {
    return this.toBuffer().toString('base64');
  }

  /** Reads what {@link toBuffer} wrote. Throws on a truncated or unknown buffer rather than guessing. */
  static fromBuffer(buf: Uint8Array): HyperLogLog {
    if (buf.length < 2) throw new RangeError('HyperLogLog buffer too short');
    const format = buf[0];
    const p = buf[1]!;
    const hll = new HyperLogLog(p);
    if (format === FORMAT_SPARSE) {
      if ((buf.length - 2) % 3 !== 0) throw new RangeError('truncated sparse HyperLogLog buffer');
      for (let o = 2; o < buf.length; o += 3) {
        const index = (buf[o]! << 8) | buf[o + 1]!;
        if (index >= hll.m) throw new RangeError('HyperLogLog register index out of range');
        hll.registers[index] = buf[o + 2]!;
      }
      return hll;
    }
    if (format === FORMAT_DENSE) {
      if (buf.length !== 2 + Math.ceil((hll.m * 6) / 8)) throw new RangeError('truncated dense HyperLogLog buffer');
      let bit = 16;
      for (let i = 0; i < hll.m; i++) {
        let v = 0;
        for (let b = 0; b < 6; b++) {
          v = (v << 1) | ((buf[bit >> 3]! >> (7 - (bit & 7))) & 1);
          bit++;
        }
        hll.registers[i] = v;
      }
      return hll;
    }
    throw new RangeError(`unknown HyperLogLog format ${format}`);
  }

  /** Reads what {@link toBase64} wrote. */
  static fromBase64(text: string): HyperLogLog {
    return HyperLogLog.fromBuffer(Buffer.from(text, 'base64'));
  }

  /** The merge of several sketches (an empty sketch when given none). */
  static union(sketches: Iterable<HyperLogLog>, p = HLL_PRECISION): HyperLogLog {
    const out = new HyperLogLog(p);
    for (const s of sketches) out.merge(s);
    return out;
  }
}

/** Ertl's σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k−1), for the share of empty registers. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const prev = z;
    z += x * y;
    y += y;
    if (z === prev) return z;
  }
}

/** Ertl's τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² · 2^−k) / 3, for the share of saturated registers. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const prev = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === prev) return z / 3;
  }
}
