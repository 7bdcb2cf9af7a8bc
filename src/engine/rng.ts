/**
 * Seeded random numbers with independent streams per purpose.
 *
 * Each stream is xoshiro128** seeded through splitmix32 from (seed, purpose), so changing how much one
 * purpose draws (say, a new selection strategy) never reshuffles another (the data or the initial weights).
 */

/** The purposes that get their own stream. */
export type StreamPurpose = 'init' | 'data' | 'selection' | 'noise';

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = NaN;

  constructor(seed: number, salt = 0) {
    let x = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt >>> 0, 0x85ebca6b) ^ 0x6a09e667) >>> 0;
    const next = () => {
      // splitmix32: spreads a small seed over the 128-bit state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A new generator whose sequence depends on this one's seed and `label`, not on how much this one drew. */
  static forLabel(seed: number, label: string): Rng {
    return new Rng(seed, hashString(label));
  }

  /** Uniform 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** +1 or -1 with equal probability. */
  rademacher(): number {
    return this.nextU32() & 1 ? 1 : -1;
  }

  /** Poisson-distributed count (Knuth for small means, normal approximation above 30). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let prod = this.uniform();
    while (prod > limit) {
      k++;
      prod *= this.uniform();
    }
    return k;
  }

  /** k distinct integers from [0, n) in random order (partial Fisher-Yates over `scratch`). */
  sampleDistinct(n: number, k: number, out: Int32Array, outOffset = 0, scratch?: Int32Array): void {
    const pool = scratch && scratch.length >= n ? scratch : new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let j = 0; j < k; j++) {
      const r = j + this.int(n - j);
      const tmp = pool[j];
      pool[j] = pool[r];
      pool[r] = tmp;
      out[outOffset + j] = pool[j];
    }
  }
}

/** One independent generator per purpose, all derived from one experiment seed. */
export function seededStreams(seed: number): Record<StreamPurpose, Rng> {
  return {
    init: Rng.forLabel(seed, 'init'),
    data: Rng.forLabel(seed, 'data'),
    selection: Rng.forLabel(seed, 'selection'),
    noise: Rng.forLabel(seed, 'noise'),
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a, enough to turn a label into a salt. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
