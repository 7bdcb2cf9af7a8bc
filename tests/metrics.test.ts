/**
 * The measurements: recovery's definition, seed statistics, and the spectra of J_t and P_t checked
 * against matrices whose singular values are known.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { cosine, jacobianSpectrum, recoveryPercent, seedStatistics, sensitivitySpectrum, spectrumOf } from '../src/engine/metrics';
import type { RnnParams } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';

describe('recovery and seed statistics', () => {
  it('recovery is 0 at frozen, 100 at full, uncapped above and below', () => {
    expect(recoveryPercent(2, 2, 1)).toBe(0);
    expect(recoveryPercent(2, 1, 1)).toBe(100);
    expect(recoveryPercent(2, 1.16, 1)).toBeCloseTo(84, 10);
    expect(recoveryPercent(2, 0.5, 1)).toBe(150);
    expect(recoveryPercent(2, 3, 1)).toBe(-100);
  });

  it('mean, sample std and CV leave out diverged (NaN) seeds', () => {
    const s = seedStatistics([80, 90, NaN, 100]);
    expect(s.count).toBe(3);
    expect(s.mean).toBe(90);
    expect(s.std).toBeCloseTo(10, 12);
    expect(s.cv).toBeCloseTo(10 / 90, 12);
    expect(seedStatistics([NaN]).count).toBe(0);
    expect(seedStatistics([5]).std).toBe(0);
  });

  it('cosine of parallel, opposite and orthogonal vectors', () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 12);
    expect(cosine([1, 0], [0, 3])).toBe(0);
  });
});

describe('spectra', () => {
  it('condition number and effective rank of a known spectrum', () => {
    const s = spectrumOf([1, 4, 2]);
    expect(s.singularValues).toEqual([4, 2, 1]);
    expect(s.condition).toBe(4);
    expect(s.effectiveRank).toBeCloseTo(49 / 21, 12);
    expect(spectrumOf([3, 3, 3, 3]).effectiveRank).toBeCloseTo(4, 12);
  });

  it('J_t = (1-α)I + D W for a diagonal W has singular values |1-α + d_i w_i|', () => {
    const n = 4;
    const w = [0.5, -2, 1.5, 0.25];
    const d = Float64Array.from([1, 0.5, 0.2, 0.9]);
    const theta = new Float64Array(n * n + n + n);
    w.forEach((v, i) => (theta[i * n + i] = v));
    const params: RnnParams = { shape: { n, m: 1, o: 1, leak: 0.3 }, theta, readout: new Float64Array(n + 1) };
    const expected = w.map((v, i) => Math.abs(0.7 + d[i] * v)).sort((a, b) => b - a);
    const s = jacobianSpectrum(params, d);
    s.singularValues.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
  });

  it('P_t singular values through the Gram matrix equal a direct SVD of P', () => {
    const n = 6;
    const p = 40;
    const rng = new Rng(5);
    const P = new Float64Array(n * p).map(() => rng.normal());
    const rows = Array.from({ length: n }, (_, i) => Array.from(P.subarray(i * p, i * p + p)));
    const direct = new SingularValueDecomposition(new Matrix(rows), { autoTranspose: true }).diagonal.sort((a, b) => b - a);
    const viaGram = sensitivitySpectrum(P, n, p);
    viaGram.singularValues.forEach((v, i) => expect(v).toBeCloseTo(direct[i], 8));
    expect(viaGram.condition).toBeGreaterThan(1);
  });
});
