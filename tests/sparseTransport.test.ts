/**
 * Sparse-k RTRL (science.md §3): the transport kernel against a naive loop, k = n against full RTRL,
 * k = 0 against the immediate-only update, the redraw schedule of the mask, and the n/k rescale.
 */
import { describe, expect, it } from 'vitest';
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import type { OptimizerConfig } from '../src/engine/optimizer';
import { initRnn, RnnModel, thetaLayout, type RnnParams, type RnnShape } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';
import type { Sequence } from '../src/engine/tasks/task';
import { transport } from '../src/engine/transport';
import { randomSequence } from './helpers/randomSequence';

const ADAM: OptimizerConfig = { kind: 'adam', lr: 1e-2, clipNorm: 0 };

function sparse(k: number, refreshEvery = 0, rescale = false): LearningMethod {
  return { kind: 'sparse', k, strategy: 'random', refreshEvery, rescale };
}

function learner(
  params: RnnParams,
  method: LearningMethod,
  opts: { frozen?: boolean; seed?: number; optimizer?: OptimizerConfig } = {},
): OnlineLearner<RnnModel> {
  return new OnlineLearner(new RnnModel(params), method, {
    optimizer: opts.optimizer ?? ADAM,
    selectionRng: new Rng(opts.seed ?? 3),
    frozenParams: opts.frozen ?? false,
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** D_t M_t for the step just taken: row i holds d_i·ĥ_t in the W, U and b columns of unit i. */
function immediateTerm(shape: RnnShape, d: ArrayLike<number>, hPrev: ArrayLike<number>, seq: Sequence, t: number): Float64Array {
  const { n, m } = shape;
  const { u, b, p } = thetaLayout(shape);
  const M = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < n; l++) M[i * p + i * n + l] = d[i] * hPrev[l];
    for (let l = 0; l < m; l++) M[i * p + u + i * m + l] = d[i] * seq.x[t * m + l];
    M[i * p + b + i] = d[i];
  }
  return M;
}

/** c_tᵀ P, the gradient the learner must report. */
/** k distinct random source units per row, ascending within each row (the kernel's layout). */
function sortedSources(rng: Rng, n: number, k: number): Int32Array {
  const sources = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    rng.sampleDistinct(n, k, sources, i * k);
    sources.subarray(i * k, i * k + k).sort();
  }
  return sources;
}

function cTransposeP(dLdh: ArrayLike<number>, P: ArrayLike<number>, n: number, p: number): Float64Array {
  const g = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) g[c] += dLdh[i] * P[i * p + c];
  return g;
}

describe('transport kernel equals a naive triple loop', () => {
  const n = 9;
  const shape: RnnShape = { n, m: 2, o: 1, leak: 1 };
  const p = thetaLayout(shape).p; // 81 + 18 + 9 = 108
  const ks = [0, 1, 2, 3, 4, 5, 7, n];
  const tiles = [1, 7, 16, 50, p, 1024]; // 7 and 16 and 50 do not divide 108
  for (const carry of [0, 0.3]) {
    for (const k of ks) {
      it(`carry=${carry} k=${k}`, () => {
        const rng = new Rng(1000 + k, carry === 0 ? 1 : 2);
        const P = new Float64Array(n * p).map(() => rng.normal());
        const sources = sortedSources(rng, n, k);
        const coeffs = new Float64Array(n * k).map(() => rng.normal());
        const dLdh = new Float64Array(n).map(() => rng.normal());
        dLdh[2] = 0; // a unit with no error signal (the kernel skips it)
        // naive reference
        const ref = new Float64Array(n * p);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < p; c++) {
            let s = carry * P[i * p + c];
            for (let j = 0; j < k; j++) s += coeffs[i * k + j] * P[sources[i * k + j] * p + c];
            ref[i * p + c] = s;
          }
        }
        const refGrad = cTransposeP(dLdh, ref, n, p);
        const scale = Math.max(1, maxAbs(ref));
        for (const tile of tiles) {
          const out = new Float64Array(n * p).fill(NaN); // every entry must be written, not accumulated
          const grad = new Float64Array(p).fill(12345); // and the gradient must be cleared first
          transport(P, out, n, p, k, sources, coeffs, carry, dLdh, grad, tile);
          expect(maxAbsDiff(out, ref) / scale, `tile ${tile}`).toBeLessThan(1e-13);
          expect(maxAbsDiff(grad, refGrad) / Math.max(1, maxAbs(refGrad)), `tile ${tile}`).toBeLessThan(1e-13);
          // the fused gradient is Σ_i dLdh_i · out[i,:] of the kernel's own output
          expect(maxAbsDiff(grad, cTransposeP(dLdh, out, n, p)) / Math.max(1, maxAbs(refGrad))).toBeLessThan(1e-13);
        }
        if (k === 0 && carry === 0) expect(maxAbs(ref)).toBe(0);
        else expect(maxAbs(ref)).toBeGreaterThan(0.1);
      });
    }
  }

  it('works in float32 within float32 accuracy, and leaves P untouched', () => {
    const k = 5;
    const rng = new Rng(77);
    const P = new Float32Array(n * p).map(() => rng.normal());
    const P0 = P.slice();
    const sources = sortedSources(rng, n, k);
    const coeffs = new Float32Array(n * k).map(() => rng.normal());
    const dLdh = new Float32Array(n).map(() => rng.normal());
    const out = new Float32Array(n * p);
    const grad = new Float32Array(p);
    transport(P, out, n, p, k, sources, coeffs, 0.25, dLdh, grad, 16);
    expect(P).toEqual(P0);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < p; c++) {
        let s = 0.25 * P[i * p + c];
        for (let j = 0; j < k; j++) s += coeffs[i * k + j] * P[sources[i * k + j] * p + c];
        worst = Math.max(worst, Math.abs(out[i * p + c] - s));
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('sparse-k with k = n is full RTRL', () => {
  for (const { leak, rescale, seed } of [
    { leak: 1, rescale: false, seed: 1 },
    { leak: 0.6, rescale: false, seed: 2 },
    { leak: 1, rescale: true, seed: 3 },
  ]) {
    it(`same P, gradients and parameters for 30 Adam steps (leak=${leak}, rescale=${rescale})`, () => {
      const n = 8;
      const shape: RnnShape = { n, m: 2, o: 2, leak };
      const params = initRnn(shape, new Rng(seed), { gain: 1.3, inputScale: 1 }, 'f64');
      const seq = randomSequence(30, 2, 2, seed);
      const full = learner(params, { kind: 'full' });
      const kn = learner(params, sparse(n, 0, rescale));
      expect(Array.from(kn.sources)).toEqual(Array.from(full.sources));
      const theta0 = Float64Array.from(params.theta);
      for (let t = 0; t < seq.length; t++) {
        const lf = full.step(seq, t);
        const lk = kn.step(seq, t);
        expect(lk).toBe(lf);
        expect(maxAbsDiff(kn.sensitivity!.current, full.sensitivity!.current)).toBeLessThanOrEqual(1e-12);
        expect(maxAbsDiff(kn.gradTheta, full.gradTheta)).toBeLessThanOrEqual(1e-12);
        expect(maxAbsDiff(kn.gradReadout, full.gradReadout)).toBeLessThanOrEqual(1e-12);
        expect(maxAbsDiff(kn.params.theta, full.params.theta)).toBeLessThanOrEqual(1e-12);
        expect(maxAbsDiff(kn.params.readout, full.params.readout)).toBeLessThanOrEqual(1e-12);
      }
      // the run really moved: parameters changed and P is not trivial
      expect(maxAbsDiff(full.params.theta, theta0)).toBeGreaterThan(1e-3);
      expect(full.sensitivity!.norm()).toBeGreaterThan(0.1);
      expect(full.divergedAt).toBe(-1);
    });
  }

  it('k = n - 1 is not full RTRL (the comparison above can tell them apart)', () => {
    const n = 8;
    const shape: RnnShape = { n, m: 2, o: 2, leak: 1 };
    const params = initRnn(shape, new Rng(4), { gain: 1.3, inputScale: 1 }, 'f64');
    const seq = randomSequence(10, 2, 2, 4);
    const full = learner(params, { kind: 'full' });
    const k7 = learner(params, sparse(n - 1));
    for (let t = 0; t < seq.length; t++) {
      full.step(seq, t);
      k7.step(seq, t);
    }
    expect(maxAbsDiff(k7.sensitivity!.current, full.sensitivity!.current)).toBeGreaterThan(1e-6);
  });
});

describe('k = 0 keeps only the immediate term', () => {
  it('with leak 1, P_t = D_t M_t after every step, and g_t = c_tᵀ P_t', () => {
    const n = 7;
    const shape: RnnShape = { n, m: 3, o: 2, leak: 1 };
    const { p } = thetaLayout(shape);
    const params = initRnn(shape, new Rng(11), undefined, 'f64');
    const seq = randomSequence(20, 3, 2, 11);
    const l = learner(params, sparse(0));
    expect(l.sources).toHaveLength(0);
    for (let t = 0; t < seq.length; t++) {
      l.step(seq, t);
      const M = immediateTerm(shape, l.state.d, l.state.hPrev, seq, t);
      expect(Array.from(l.sensitivity!.current)).toEqual(Array.from(M));
      const g = cTransposeP(l.state.dLdh, M, n, p);
      expect(maxAbsDiff(l.gradTheta, g)).toBeLessThan(1e-14);
    }
    expect(maxAbs(l.gradTheta)).toBeGreaterThan(0);
  });

  it('with leak α < 1, P_t = (1-α) P_{t-1} + D_t M_t', () => {
    const n = 6;
    const leak = 0.35;
    const shape: RnnShape = { n, m: 2, o: 1, leak };
    const { p } = thetaLayout(shape);
    const params = initRnn(shape, new Rng(12), undefined, 'f64');
    const seq = randomSequence(20, 2, 1, 12);
    const l = learner(params, sparse(0));
    let prev = new Float64Array(n * p);
    for (let t = 0; t < seq.length; t++) {
      l.step(seq, t);
      const M = immediateTerm(shape, l.state.d, l.state.hPrev, seq, t);
      const expected = new Float64Array(n * p);
      for (let c = 0; c < expected.length; c++) expected[c] = (1 - leak) * prev[c] + M[c];
      expect(maxAbsDiff(l.sensitivity!.current, expected)).toBeLessThanOrEqual(1e-15);
      const g = cTransposeP(l.state.dLdh, expected, n, p);
      expect(maxAbsDiff(l.gradTheta, g)).toBeLessThan(1e-13);
      prev = Float64Array.from(l.sensitivity!.current);
    }
    // the carry made P differ from the bare immediate term
    const lastM = immediateTerm(shape, l.state.d, l.state.hPrev, seq, seq.length - 1);
    expect(maxAbsDiff(l.sensitivity!.current, lastM)).toBeGreaterThan(1e-3);
  });
});

describe('the mask is redrawn every R steps, exactly then', () => {
  const n = 8;
  const shape: RnnShape = { n, m: 2, o: 2, leak: 1 };
  const seq = randomSequence(25, 2, 2, 5);

  it('refreshEvery 5: held for 5 calls, redrawn at the 6th, 11th, 16th, 21st', () => {
    const params = initRnn(shape, new Rng(5), undefined, 'f64');
    const l = learner(params, sparse(2, 5));
    expect(l.selectionsDrawn).toBe(1);
    let before = Array.from(l.sources);
    for (let call = 1; call <= seq.length; call++) {
      l.step(seq, call - 1);
      const now = Array.from(l.sources);
      const redraw = call > 1 && (call - 1) % 5 === 0;
      if (redraw) expect(now, `call ${call}`).not.toEqual(before);
      else expect(now, `call ${call}`).toEqual(before);
      expect(l.selectionsDrawn, `call ${call}`).toBe(1 + Math.floor((call - 1) / 5));
      before = now;
    }
    expect(l.selectionsDrawn).toBe(5);
    expect(l.stepsTaken).toBe(seq.length);
  });

  it('refreshEvery 0: drawn once, never changed', () => {
    const params = initRnn(shape, new Rng(6), undefined, 'f64');
    const l = learner(params, sparse(2, 0));
    const first = Array.from(l.sources);
    for (let t = 0; t < seq.length; t++) {
      l.step(seq, t);
      expect(Array.from(l.sources)).toEqual(first);
    }
    expect(l.selectionsDrawn).toBe(1);
  });

  it('full and frozen never draw', () => {
    const params = initRnn(shape, new Rng(7), undefined, 'f64');
    const full = learner(params, { kind: 'full' });
    const frozen = learner(params, { kind: 'frozen' });
    for (let t = 0; t < 12; t++) {
      full.step(seq, t);
      frozen.step(seq, t);
    }
    expect(full.selectionsDrawn).toBe(0);
    expect(frozen.selectionsDrawn).toBe(0);
  });
});

describe('rescale multiplies the transported part by n/k', () => {
  it('one step from a nonzero P matches the manual update', () => {
    const n = 8;
    const k = 2;
    const leak = 0.6;
    const shape: RnnShape = { n, m: 2, o: 2, leak };
    const { p } = thetaLayout(shape);
    const params = initRnn(shape, new Rng(21), { gain: 1.3, inputScale: 1 }, 'f64');
    const seq = randomSequence(8, 2, 2, 21);
    const l = learner(params, sparse(k, 0, true));
    const T = 6;
    for (let t = 0; t < T; t++) l.step(seq, t);
    const Pprev = Float64Array.from(l.sensitivity!.current);
    expect(maxAbs(Pprev)).toBeGreaterThan(0.05);
    // W in force during step T (the learner updates θ only after its transport)
    const W = Float64Array.from(l.params.theta.subarray(0, n * n));
    const src = Array.from(l.sources);
    l.step(seq, T);
    const d = l.state.d;
    const M = immediateTerm(shape, d, l.state.hPrev, seq, T);
    const rescaled = new Float64Array(n * p);
    const plain = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < p; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) {
          const q = src[i * k + j];
          s += W[i * n + q] * Pprev[q * p + c];
        }
        const base = (1 - leak) * Pprev[i * p + c] + M[i * p + c];
        rescaled[i * p + c] = base + (n / k) * d[i] * s;
        plain[i * p + c] = base + d[i] * s;
      }
    }
    const P = l.sensitivity!.current;
    expect(maxAbsDiff(P, rescaled) / maxAbs(rescaled)).toBeLessThan(1e-13);
    // far from the unrescaled update: the factor n/k = 4 really applies
    expect(maxAbsDiff(P, plain)).toBeGreaterThan(1e-3);
    // the transported parts are in ratio n/k
    let num = 0;
    let den = 0;
    for (let c = 0; c < P.length; c++) {
      const base = (1 - leak) * Pprev[c] + M[c];
      const tr = P[c] - base;
      const trPlain = plain[c] - base;
      num += tr * trPlain;
      den += trPlain * trPlain;
    }
    expect(num / den).toBeCloseTo(n / k, 10);
    expect(maxAbsDiff(l.gradTheta, cTransposeP(l.state.dLdh, rescaled, n, p)) / maxAbs(l.gradTheta)).toBeLessThan(1e-12);
  });

  it('rescale with k = 0 is the immediate-only update (no division by zero)', () => {
    const n = 5;
    const shape: RnnShape = { n, m: 2, o: 1, leak: 1 };
    const params = initRnn(shape, new Rng(22), undefined, 'f64');
    const seq = randomSequence(6, 2, 1, 22);
    const l = learner(params, sparse(0, 0, true));
    for (let t = 0; t < seq.length; t++) {
      const loss = l.step(seq, t);
      expect(Number.isFinite(loss)).toBe(true);
      const M = immediateTerm(shape, l.state.d, l.state.hPrev, seq, t);
      expect(Array.from(l.sensitivity!.current)).toEqual(Array.from(M));
    }
  });
});
