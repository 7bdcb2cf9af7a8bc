/**
 * The comparison arms of science.md §4 on the vanilla RNN, each against what it must equal:
 * SnAp-1 is exact RTRL when W is diagonal (no cross paths to drop); TBPTT(τ) with τ ≥ the sequence is
 * BPTT; UORO and KF-RTRL are unbiased, so the mean over independent noise draws approaches the exact
 * RTRL gradient with an error that shrinks like 1/sqrt(draws). All with θ held fixed, in float64.
 */
import { describe, expect, it } from 'vitest';
import { bpttGradient } from '../src/engine/models/bptt';
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import { initRnn, RnnModel, thetaLayout, type RnnParams, type RnnShape } from '../src/engine/models/rnn';
import { readoutParamCount } from '../src/engine/models/readout';
import { Rng } from '../src/engine/rng';
import { Snap1Estimator } from '../src/engine/methods/snap1';
import type { Sequence } from '../src/engine/tasks/task';
import { frozenLearner, onlineGradientSum, relativeError } from './helpers/gradients';
import { randomSequence, segmentedSequence } from './helpers/randomSequence';

function frozenRnn(params: RnnParams, method: LearningMethod, noiseSeed = 1): OnlineLearner<RnnModel> {
  return frozenLearner(new RnnModel(params), method, noiseSeed);
}

/** Σ_t g_t over the sequence, θ fixed. */
function gradientSum(params: RnnParams, seq: Sequence, method: LearningMethod, noiseSeed = 1): Float64Array {
  return onlineGradientSum(frozenRnn(params, method, noiseSeed), seq).theta;
}

function bpttOf(params: RnnParams, seq: Sequence): Float64Array {
  const g = new Float64Array(params.theta.length);
  bpttGradient(params, seq, 0, seq.length, new Float64Array(params.shape.n), g, new Float64Array(readoutParamCount(params.shape)));
  return g;
}

describe('SnAp-1', () => {
  for (const leak of [1, 0.4]) {
    it(`equals the exact P[i,(i,l)] and g_t when W is diagonal (leak ${leak})`, () => {
      const shape: RnnShape = { n: 6, m: 2, o: 2, leak };
      const params = initRnn(shape, new Rng(31), { gain: 1.2, inputScale: 1 }, 'f64');
      const { n } = shape;
      for (let i = 0; i < n; i++) for (let q = 0; q < n; q++) if (i !== q) params.theta[i * n + q] = 0;
      const seq = randomSequence(20, 2, 2, 31);
      const full = frozenRnn(params, { kind: 'full' });
      const snap = frozenRnn(params, { kind: 'snap1' });
      const trace = (snap.estimator as Snap1Estimator).trace;
      const { u, b, p } = thetaLayout(shape);
      for (let t = 0; t < seq.length; t++) {
        full.step(seq, t);
        snap.step(seq, t);
        const P = full.sensitivity!.current;
        let worst = 0;
        for (let i = 0; i < n; i++) {
          for (let l = 0; l < n; l++) worst = Math.max(worst, Math.abs(trace[i * n + l] - P[i * p + i * n + l]));
          for (let l = 0; l < shape.m; l++) worst = Math.max(worst, Math.abs(trace[u + i * shape.m + l] - P[i * p + u + i * shape.m + l]));
          worst = Math.max(worst, Math.abs(trace[b + i] - P[i * p + b + i]));
        }
        expect(worst, `step ${t}`).toBeLessThan(1e-12);
        expect(relativeError(snap.gradTheta, full.gradTheta)).toBeLessThan(1e-12);
      }
      expect(Math.hypot(...trace)).toBeGreaterThan(0.1);
    });
  }

  it('drops the cross paths when W is not diagonal (an approximation, not RTRL)', () => {
    const shape: RnnShape = { n: 6, m: 2, o: 2, leak: 1 };
    const params = initRnn(shape, new Rng(32), { gain: 1.2, inputScale: 1 }, 'f64');
    const seq = randomSequence(20, 2, 2, 32);
    const err = relativeError(gradientSum(params, seq, { kind: 'snap1' }), gradientSum(params, seq, { kind: 'full' }));
    expect(err).toBeGreaterThan(1e-3);
    expect(err).toBeLessThan(1.5);
  });
});

describe('TBPTT(τ)', () => {
  it('with τ ≥ the sequence length equals BPTT', () => {
    const shape: RnnShape = { n: 7, m: 2, o: 2, leak: 0.6 };
    const params = initRnn(shape, new Rng(41), { gain: 1.3, inputScale: 1 }, 'f64');
    const seq = randomSequence(18, 2, 2, 41);
    const bptt = bpttOf(params, seq);
    expect(relativeError(gradientSum(params, seq, { kind: 'tbptt', truncation: 18 }), bptt)).toBeLessThan(1e-12);
    expect(relativeError(gradientSum(params, seq, { kind: 'tbptt', truncation: 40 }), bptt)).toBeLessThan(1e-12);
    // a shorter window is a different gradient
    expect(relativeError(gradientSum(params, seq, { kind: 'tbptt', truncation: 2 }), bptt)).toBeGreaterThan(1e-3);
  });

  it('a reset empties the window, as BPTT cuts the flow there', () => {
    const shape: RnnShape = { n: 5, m: 2, o: 1, leak: 1 };
    const params = initRnn(shape, new Rng(42), undefined, 'f64');
    const seq = segmentedSequence(24, 2, 1, 42, 8);
    expect(relativeError(gradientSum(params, seq, { kind: 'tbptt', truncation: 30 }), bpttOf(params, seq))).toBeLessThan(1e-12);
  });

  it('τ = 1 equals k = 0 (immediate derivatives only) without leak', () => {
    const shape: RnnShape = { n: 5, m: 1, o: 1, leak: 1 };
    const params = initRnn(shape, new Rng(43), undefined, 'f64');
    const seq = randomSequence(12, 1, 1, 43);
    const k0: LearningMethod = { kind: 'sparse', k: 0, strategy: 'random', refreshEvery: 0, rescale: false };
    expect(relativeError(gradientSum(params, seq, { kind: 'tbptt', truncation: 1 }), gradientSum(params, seq, k0))).toBeLessThan(1e-12);
  });
});

const UNBIASED_SHAPE: RnnShape = { n: 3, m: 1, o: 1, leak: 0.7 };

/**
 * Relative error against exact RTRL of the mean of Σ_t ĝ_t over `draws` independent noise streams, as a
 * root mean square over `groups` disjoint groups of draws (one realisation's error is itself noisy), and
 * the error of the mean over all groups' draws together.
 */
function unbiasedError(method: LearningMethod, draws: number, groups: number, firstSeed: number): { rms: number; pooled: number } {
  const params = initRnn(UNBIASED_SHAPE, new Rng(51), { gain: 1.1, inputScale: 1 }, 'f64');
  const seq = randomSequence(4, 1, 1, 51);
  const exact = gradientSum(params, seq, { kind: 'full' });
  const pooled = new Float64Array(exact.length);
  let sq = 0;
  for (let group = 0; group < groups; group++) {
    const mean = new Float64Array(exact.length);
    for (let draw = 0; draw < draws; draw++) {
      const g = gradientSum(params, seq, method, firstSeed + group * draws + draw);
      for (let i = 0; i < g.length; i++) mean[i] += g[i] / draws;
    }
    sq += relativeError(mean, exact) ** 2;
    for (let i = 0; i < mean.length; i++) pooled[i] += mean[i] / groups;
  }
  return { rms: Math.sqrt(sq / groups), pooled: relativeError(pooled, exact) };
}

describe('unbiased estimators: the mean over noise draws approaches exact RTRL', () => {
  for (const method of [{ kind: 'uoro' }, { kind: 'kf' }] as LearningMethod[]) {
    it(`${method.kind}: error shrinks about as 1/sqrt(draws)`, () => {
      const few = unbiasedError(method, 100, 8, 1_000);
      const many = unbiasedError(method, 1600, 8, 100_000);
      // 16× the draws: 1/sqrt(draws) predicts a 4× smaller error; a bias would stall it
      const ratio = few.rms / many.rms;
      expect(ratio).toBeGreaterThan(2.5);
      expect(ratio).toBeLessThan(6.5);
      // and the mean of all 12800 draws is close to the exact gradient (measured: uoro 0.054, kf 0.005)
      expect(many.pooled).toBeLessThan(0.1);
      // a single draw is far from it: the noise is real
      expect(unbiasedError(method, 1, 8, 7).rms).toBeGreaterThan(0.2);
    });
  }
});
