/**
 * The LSTM (science.md §5): full RTRL's Σ_t g_t equals BPTT's gradient with θ fixed and both equal central
 * finite differences (float64, 1e-10 and 1e-6 relative); sparse k = n is full RTRL; SnAp-1 is exact when
 * each gate block of W_h is diagonal; TBPTT(τ ≥ T) is BPTT; UORO and KF-RTRL through the LSTM's
 * preactivation view are unbiased.
 */
import { describe, expect, it } from 'vitest';
import type { LearningMethod } from '../src/engine/methods';
import { initLstm, lstmLayout, LstmModel, type LstmParams, type LstmShape } from '../src/engine/models/lstm';
import { lstmBpttGradient } from '../src/engine/models/bptt';
import { OnlineLearner } from '../src/engine/learner';
import { LstmRtrlEstimator } from '../src/engine/methods/rtrl';
import { LstmSnap1Estimator } from '../src/engine/methods/snap1';
import { Rng } from '../src/engine/rng';
import type { Sequence } from '../src/engine/tasks/task';
import { centralDifferences, frozenLearner, onlineGradientSum, relativeError } from './helpers/gradients';
import { randomSequence } from './helpers/randomSequence';

function frozenLstm(params: LstmParams, method: LearningMethod, noiseSeed = 1): OnlineLearner<LstmModel> {
  return frozenLearner(new LstmModel(params), method, noiseSeed);
}

function rtrlSum(params: LstmParams, seq: Sequence, method: LearningMethod = { kind: 'full' }, noiseSeed = 1) {
  return onlineGradientSum(frozenLstm(params, method, noiseSeed), seq);
}

function bptt(params: LstmParams, seq: Sequence) {
  const theta = new Float64Array(params.theta.length);
  const readout = new Float64Array(params.readout.length);
  const r = lstmBpttGradient(params, seq, 0, seq.length, new Float64Array(2 * params.shape.n), theta, readout);
  return { theta, readout, loss: r.loss };
}

describe('LSTM full RTRL equals BPTT with θ fixed (float64)', () => {
  for (const { n, m, seed } of [
    { n: 2, m: 1, seed: 1 },
    { n: 5, m: 2, seed: 2 },
    { n: 8, m: 3, seed: 3 },
  ]) {
    it(`n=${n} m=${m}`, () => {
      const shape: LstmShape = { n, m, o: 2 };
      const params = initLstm(shape, new Rng(seed), 1.3, 'f64');
      const seq = randomSequence(25, m, 2, seed);
      const r = rtrlSum(params, seq);
      const b = bptt(params, seq);
      expect(relativeError(r.theta, b.theta)).toBeLessThan(1e-10);
      expect(relativeError(r.readout, b.readout)).toBeLessThan(1e-10);
      expect(r.loss).toBeCloseTo(b.loss, 10);
      expect(Math.hypot(...b.theta)).toBeGreaterThan(1e-3);
    });
  }

  it('resets inside the window cut the flow identically', () => {
    const shape: LstmShape = { n: 4, m: 2, o: 1 };
    const params = initLstm(shape, new Rng(11), 1.2, 'f64');
    const seq = randomSequence(30, 2, 1, 11);
    seq.reset[10] = 1;
    seq.reset[20] = 1;
    for (let t = 0; t < 30; t++) seq.errorMask[t] = t % 10 === 9 ? 1 : 0;
    expect(relativeError(rtrlSum(params, seq).theta, bptt(params, seq).theta)).toBeLessThan(1e-10);
  });

  it('finite differences agree', () => {
    const shape: LstmShape = { n: 3, m: 2, o: 2 };
    const params = initLstm(shape, new Rng(21), 1.2, 'f64');
    const seq = randomSequence(12, 2, 2, 21);
    const r = rtrlSum(params, seq);
    const fd = centralDifferences(params.theta, () => bptt(params, seq).loss, 1e-6);
    expect(relativeError(r.theta, fd)).toBeLessThan(1e-6);
  });

  it('sparse k = n is full RTRL; k < n is not', () => {
    const shape: LstmShape = { n: 5, m: 1, o: 1 };
    const params = initLstm(shape, new Rng(5), 1.2, 'f64');
    const seq = randomSequence(15, 1, 1, 5);
    const sparse = (k: number): LearningMethod => ({ kind: 'sparse', k, strategy: 'random', refreshEvery: 0, rescale: false });
    const full = rtrlSum(params, seq).theta;
    expect(relativeError(rtrlSum(params, seq, sparse(5)).theta, full)).toBeLessThan(1e-12);
    expect(relativeError(rtrlSum(params, seq, sparse(2)).theta, full)).toBeGreaterThan(1e-4);
    // k = 0 still keeps the cell carry: it differs from dropping P entirely (the immediate term alone)
    const l = frozenLstm(params, sparse(0));
    for (let t = 0; t < 5; t++) l.step(seq, t);
    const est = l.estimator as LstmRtrlEstimator;
    expect(est.sources).toHaveLength(0);
    expect(Math.hypot(...est.pc)).toBeGreaterThan(0);
  });
});

describe('LSTM baselines', () => {
  it('SnAp-1 equals the exact P^h[j,(r,l)] for r in unit j’s gates when W_h is diagonal per gate', () => {
    const shape: LstmShape = { n: 4, m: 2, o: 2 };
    const { n, m } = shape;
    const params = initLstm(shape, new Rng(61), 1.2, 'f64');
    for (let r = 0; r < 4 * n; r++) for (let q = 0; q < n; q++) if (q !== r % n) params.theta[r * n + q] = 0;
    const seq = randomSequence(20, m, 2, 61);
    const full = frozenLstm(params, { kind: 'full' });
    const snap = frozenLstm(params, { kind: 'snap1' });
    const est = full.estimator as LstmRtrlEstimator;
    const trace = (snap.estimator as LstmSnap1Estimator).traceH;
    const { wx, b, p } = lstmLayout(shape);
    for (let t = 0; t < seq.length; t++) {
      full.step(seq, t);
      snap.step(seq, t);
      let worst = 0;
      for (let r = 0; r < 4 * n; r++) {
        const row = (r % n) * p;
        for (let l = 0; l < n; l++) worst = Math.max(worst, Math.abs(trace[r * n + l] - est.ph[row + r * n + l]));
        for (let l = 0; l < m; l++) worst = Math.max(worst, Math.abs(trace[wx + r * m + l] - est.ph[row + wx + r * m + l]));
        worst = Math.max(worst, Math.abs(trace[b + r] - est.ph[row + b + r]));
      }
      expect(worst, `step ${t}`).toBeLessThan(1e-12);
      expect(relativeError(snap.gradTheta, full.gradTheta)).toBeLessThan(1e-12);
    }
  });

  it('TBPTT(τ ≥ T) equals BPTT, a short window does not', () => {
    const shape: LstmShape = { n: 4, m: 2, o: 2 };
    const params = initLstm(shape, new Rng(71), 1.3, 'f64');
    const seq = randomSequence(16, 2, 2, 71);
    seq.reset[9] = 1;
    const exact = bptt(params, seq).theta;
    expect(relativeError(rtrlSum(params, seq, { kind: 'tbptt', truncation: 16 }).theta, exact)).toBeLessThan(1e-12);
    expect(relativeError(rtrlSum(params, seq, { kind: 'tbptt', truncation: 2 }).theta, exact)).toBeGreaterThan(1e-4);
  });

  for (const method of [{ kind: 'uoro' }, { kind: 'kf' }] as LearningMethod[]) {
    it(`${method.kind} is unbiased: the error of the mean shrinks about as 1/sqrt(draws)`, () => {
      const shape: LstmShape = { n: 2, m: 1, o: 1 };
      const params = initLstm(shape, new Rng(81), 1.1, 'f64');
      const seq = randomSequence(4, 1, 1, 81);
      const exact = rtrlSum(params, seq).theta;
      const rms = (draws: number, groups: number, first: number) => {
        let sq = 0;
        for (let g = 0; g < groups; g++) {
          const mean = new Float64Array(exact.length);
          for (let d = 0; d < draws; d++) {
            const est = rtrlSum(params, seq, method, first + g * draws + d).theta;
            for (let i = 0; i < mean.length; i++) mean[i] += est[i] / draws;
          }
          sq += relativeError(mean, exact) ** 2;
        }
        return Math.sqrt(sq / groups);
      };
      const few = rms(50, 8, 1_000);
      const many = rms(800, 8, 100_000);
      expect(few / many).toBeGreaterThan(2.5);
      expect(few / many).toBeLessThan(6.5);
      // measured: uoro 0.21, kf well under; a single draw is several times the gradient's norm
      expect(many).toBeLessThan(0.3);
      expect(rms(1, 8, 7)).toBeGreaterThan(3 * many);
    });
  }
});
