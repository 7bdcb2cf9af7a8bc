/**
 * The transport mask (science.md §3): every strategy keeps exactly k distinct, in-range, ascending sources
 * per row, and each strategy picks the sources it promises.
 */
import { describe, expect, it } from 'vitest';
import { initRnn, type RnnShape } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';
import { allPaths, SELECTION_STRATEGIES, selectPaths, type SelectionStrategy } from '../src/engine/transportMask';

function weights(n: number, seed: number): Float64Array {
  const shape: RnnShape = { n, m: 2, o: 1, leak: 1 };
  // θ (not just W): selectPaths must only read its first n² entries
  return initRnn(shape, new Rng(seed), undefined, 'f64').theta as Float64Array;
}

function select(strategy: SelectionStrategy, W: ArrayLike<number>, n: number, k: number, seed: number): Int32Array {
  const out = new Int32Array(n * k);
  selectPaths(strategy, W as Float64Array, n, k, new Rng(seed), out);
  return out;
}

function row(mask: Int32Array, i: number, k: number): number[] {
  return Array.from(mask.subarray(i * k, i * k + k));
}

/** (n, k) for every test that runs over sizes: k from 0 to n, odd and even n up to 33 */
const SIZES: [number, number][] = [
  [1, 0],
  [1, 1],
  [2, 0],
  [2, 1],
  [2, 2],
  [4, 1],
  [5, 0],
  [5, 1],
  [5, 2],
  [5, 3],
  [5, 5],
  [8, 2],
  [8, 3],
  [8, 7],
  [16, 4],
  [16, 5],
  [16, 15],
  [16, 16],
  [33, 6],
];

/** the sizes that keep a source per row (self-first's always includes the unit itself) */
const KEEPING_SIZES = SIZES.filter(([, k]) => k > 0);

describe('every strategy keeps k distinct in-range ascending sources per row', () => {
  for (const strategy of SELECTION_STRATEGIES) {
    for (const [n, k] of SIZES) {
      it(`${strategy} n=${n} k=${k}`, () => {
        const W = weights(n, 100 + n * 31 + k);
        // a sentinel after the n*k entries must stay untouched
        const out = new Int32Array(n * k + 3).fill(-7);
        selectPaths(strategy, W, n, k, new Rng(5), out);
        for (let j = n * k; j < out.length; j++) expect(out[j]).toBe(-7);
        for (let i = 0; i < n; i++) {
          const r = row(out, i, k);
          expect(r).toHaveLength(k);
          for (const q of r) {
            expect(Number.isInteger(q)).toBe(true);
            expect(q).toBeGreaterThanOrEqual(0);
            expect(q).toBeLessThan(n);
          }
          for (let j = 1; j < k; j++) expect(r[j]).toBeGreaterThan(r[j - 1]); // ascending and distinct
          if (k === n) expect(r).toEqual(Array.from({ length: n }, (_, q) => q));
        }
      });
    }
  }

  it('rejects k outside [0, n] and a buffer that is too small', () => {
    const W = weights(4, 1);
    for (const strategy of SELECTION_STRATEGIES) {
      expect(() => selectPaths(strategy, W, 4, 5, new Rng(1), new Int32Array(20))).toThrow(RangeError);
      expect(() => selectPaths(strategy, W, 4, -1, new Rng(1), new Int32Array(20))).toThrow(RangeError);
      expect(() => selectPaths(strategy, W, 4, 2, new Rng(1), new Int32Array(7))).toThrow(RangeError);
    }
  });

  it('allPaths(n) is every source of every row', () => {
    const a = allPaths(5);
    expect(a).toHaveLength(25);
    for (let i = 0; i < 5; i++) expect(row(a, i, 5)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('top-k and bottom-k follow |W_iq|', () => {
  for (const [n, k] of KEEPING_SIZES) {
    it(`n=${n} k=${k} matches a brute-force sort of each row`, () => {
      const W = weights(n, 7 * n + k);
      // make signs matter: the order is by magnitude, not by value
      for (let i = 0; i < n * n; i += 3) W[i] = -W[i];
      const top = select('top-k', W, n, k, 1);
      const bottom = select('bottom-k', W, n, k, 1);
      for (let i = 0; i < n; i++) {
        const byMagnitude = Array.from({ length: n }, (_, q) => q).sort((a, b) => Math.abs(W[i * n + a]) - Math.abs(W[i * n + b]));
        const smallest = byMagnitude.slice(0, k).sort((a, b) => a - b);
        const largest = byMagnitude.slice(n - k).sort((a, b) => a - b);
        expect(row(top, i, k)).toEqual(largest);
        expect(row(bottom, i, k)).toEqual(smallest);
        // and the kept magnitudes really dominate / are dominated by the dropped ones
        const keptTop = new Set(row(top, i, k));
        const minKept = Math.min(...[...keptTop].map((q) => Math.abs(W[i * n + q])));
        for (let q = 0; q < n; q++) if (!keptTop.has(q)) expect(Math.abs(W[i * n + q])).toBeLessThanOrEqual(minKept);
      }
    });
  }

  it('reads only W (the first n² entries), not U or b', () => {
    const n = 6;
    const k = 2;
    const W = weights(n, 3);
    const a = select('top-k', W, n, k, 1);
    const W2 = W.slice();
    for (let j = n * n; j < W2.length; j++) W2[j] = 1e6 * (j % 2 ? 1 : -1);
    expect(select('top-k', W2, n, k, 1)).toEqual(a);
  });

  it('breaks ties by the lower index', () => {
    const n = 6;
    const W = new Float64Array(n * n).fill(0.5);
    for (let i = 0; i < n; i++) W[i * n + ((i + 1) % n)] = -0.5; // same magnitude, other sign
    const top = select('top-k', W, n, 3, 1);
    const bottom = select('bottom-k', W, n, 3, 1);
    for (let i = 0; i < n; i++) {
      expect(row(top, i, 3)).toEqual([0, 1, 2]);
      expect(row(bottom, i, 3)).toEqual([0, 1, 2]);
    }
  });

  it('do not draw from the rng', () => {
    const n = 8;
    const W = weights(n, 4);
    const rng = new Rng(42);
    const out = new Int32Array(n * 3);
    selectPaths('top-k', W, n, 3, rng, out);
    selectPaths('bottom-k', W, n, 3, rng, out);
    expect(rng.nextU32()).toBe(new Rng(42).nextU32());
  });
});

describe('self-first and shared-columns', () => {
  for (const [n, k] of KEEPING_SIZES) {
    it(`self-first contains i in row i (n=${n} k=${k})`, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const mask = select('self-first', weights(n, seed), n, k, seed);
        for (let i = 0; i < n; i++) expect(row(mask, i, k)).toContain(i);
      }
    });
  }

  it('self-first with k=1 keeps exactly the unit itself', () => {
    const mask = select('self-first', weights(7, 1), 7, 1, 3);
    expect(Array.from(mask)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('self-first draws its other sources uniformly from the n-1 other units', () => {
    const n = 6;
    const k = 3;
    const draws = 3000;
    const rng = new Rng(77);
    const W = weights(n, 1);
    const out = new Int32Array(n * k);
    const counts = new Float64Array(n * n);
    for (let d = 0; d < draws; d++) {
      selectPaths('self-first', W, n, k, rng, out);
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) counts[i * n + out[i * k + j]]++;
    }
    for (let i = 0; i < n; i++) {
      expect(counts[i * n + i]).toBe(draws);
      const expected = (draws * (k - 1)) / (n - 1);
      let chi2 = 0;
      for (let q = 0; q < n; q++) if (q !== i) chi2 += (counts[i * n + q] - expected) ** 2 / expected;
      // df = n - 2 = 4; P(chi2 > 25) is about 5e-5
      expect(chi2).toBeLessThan(25);
    }
  });

  for (const [n, k] of KEEPING_SIZES) {
    it(`shared-columns gives every row the same set (n=${n} k=${k})`, () => {
      const mask = select('shared-columns', weights(n, 2), n, k, 9);
      const first = row(mask, 0, k);
      for (let i = 1; i < n; i++) expect(row(mask, i, k)).toEqual(first);
    });
  }

  it('shared-columns varies with the seed', () => {
    const n = 16;
    const k = 4;
    const W = weights(n, 2);
    const sets = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) sets.add(row(select('shared-columns', W, n, k, seed), 0, k).join(','));
    expect(sets.size).toBeGreaterThan(5);
  });
});

describe('random selection', () => {
  it('is reproducible from the rng seed', () => {
    const n = 16;
    const k = 4;
    const W = weights(n, 1);
    expect(select('random', W, n, k, 123)).toEqual(select('random', W, n, k, 123));
    // and independent of W
    expect(select('random', weights(n, 2), n, k, 123)).toEqual(select('random', W, n, k, 123));
  });

  it('differs between seeds and between rows', () => {
    const n = 16;
    const k = 4;
    const W = weights(n, 1);
    const a = select('random', W, n, k, 1);
    const b = select('random', W, n, k, 2);
    expect(a).not.toEqual(b);
    const rows = new Set<string>();
    for (let i = 0; i < n; i++) rows.add(row(a, i, k).join(','));
    // C(16,4) = 1820 possible sets: 16 rows should be (almost) all different
    expect(rows.size).toBeGreaterThanOrEqual(n - 2);
  });

  it('successive draws from one rng differ', () => {
    const n = 10;
    const k = 3;
    const W = weights(n, 1);
    const rng = new Rng(8);
    const draw = (): Int32Array => {
      const out = new Int32Array(n * k);
      selectPaths('random', W, n, k, rng, out);
      return out;
    };
    expect(draw()).not.toEqual(draw());
  });

  it('is roughly uniform: each source and each pair of sources equally often per row', () => {
    const n = 7;
    const k = 3;
    const draws = 4000;
    const W = weights(n, 1);
    const rng = new Rng(2024);
    const out = new Int32Array(n * k);
    const counts = new Float64Array(n * n);
    const pairs = new Map<string, number>();
    for (let d = 0; d < draws; d++) {
      selectPaths('random', W, n, k, rng, out);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < k; j++) counts[i * n + out[i * k + j]]++;
        if (i === 0) {
          for (let a = 0; a < k; a++) {
            for (let b = a + 1; b < k; b++) {
              const key = `${out[a]},${out[b]}`;
              pairs.set(key, (pairs.get(key) ?? 0) + 1);
            }
          }
        }
      }
    }
    const expected = (draws * k) / n;
    for (let i = 0; i < n; i++) {
      let chi2 = 0;
      for (let q = 0; q < n; q++) chi2 += (counts[i * n + q] - expected) ** 2 / expected;
      // df = 6; P(chi2 > 30) is about 4e-5
      expect(chi2).toBeLessThan(30);
    }
    // pairs within a row: C(7,2) = 21 cells, each with probability k(k-1)/(n(n-1)) per draw
    expect(pairs.size).toBe(21);
    const expPair = (draws * k * (k - 1)) / (n * (n - 1));
    let chi2 = 0;
    for (const c of pairs.values()) chi2 += (c - expPair) ** 2 / expPair;
    // df = 20; P(chi2 > 55) is about 5e-5
    expect(chi2).toBeLessThan(55);
  });
});
