/**
 * The test that proves an RTRL implementation right: with θ held fixed, Σ_t g_t from full RTRL equals the
 * BPTT gradient of Σ_t L_t, and both equal central finite differences. Run in float64 so the comparison
 * can be tight (1e-4 relative); a float32 run checks the product path at a float32 tolerance.
 */
import { describe, expect, it } from 'vitest';
import { bpttGradient } from '../src/engine/models/bptt';
import type { LearningMethod } from '../src/engine/methods';
import { allocate, type Floats, type Precision } from '../src/engine/precision';
import { initRnn, RnnModel, type RnnParams, type RnnShape } from '../src/engine/models/rnn';
import { readoutParamCount } from '../src/engine/models/readout';
import { Rng } from '../src/engine/rng';
import type { Sequence } from '../src/engine/tasks/task';
import { centralDifferences, frozenLearner, onlineGradientSum, relativeError } from './helpers/gradients';
import { randomSequence, segmentedSequence } from './helpers/randomSequence';

const FULL: LearningMethod = { kind: 'full' };

function rtrlGradientSum(params: RnnParams, seq: Sequence, method: LearningMethod = FULL): { theta: Float64Array; readout: Float64Array; loss: number } {
  return onlineGradientSum(frozenLearner(new RnnModel(params), method), seq);
}

function bpttGradientOf(params: RnnParams, seq: Sequence, precision: Precision): { theta: Floats; readout: Floats; loss: number } {
  const theta = allocate(precision, params.theta.length);
  const readout = allocate(precision, readoutParamCount(params.shape));
  const r = bpttGradient(params, seq, 0, seq.length, allocate(precision, params.shape.n), theta, readout);
  return { theta, readout, loss: r.loss };
}

const cases: { n: number; leak: number; seed: number }[] = [
  { n: 3, leak: 1, seed: 1 },
  { n: 8, leak: 1, seed: 2 },
  { n: 8, leak: 0.3, seed: 3 },
  { n: 16, leak: 1, seed: 4 },
  { n: 16, leak: 0.5, seed: 5 },
];

describe('full RTRL equals BPTT with θ fixed (float64)', () => {
  for (const { n, leak, seed } of cases) {
    it(`n=${n} leak=${leak} seed=${seed}`, () => {
      const shape: RnnShape = { n, m: 2, o: 2, leak };
      const params = initRnn(shape, new Rng(seed), { gain: 1.3, inputScale: 1 }, 'f64');
      const seq = randomSequence(25, 2, 2, seed);
      const rtrl = rtrlGradientSum(params, seq);
      const bptt = bpttGradientOf(params, seq, 'f64');
      expect(relativeError(rtrl.theta, bptt.theta)).toBeLessThan(1e-10);
      expect(relativeError(rtrl.readout, bptt.readout)).toBeLessThan(1e-10);
      expect(rtrl.loss).toBeCloseTo(bptt.loss, 10);
      // and the gradient is not trivially zero
      expect(Math.hypot(...bptt.theta)).toBeGreaterThan(1e-3);
    });
  }

  it('resets inside the window cut the gradient flow identically', () => {
    const shape: RnnShape = { n: 6, m: 2, o: 1, leak: 0.7 };
    const params = initRnn(shape, new Rng(11), undefined, 'f64');
    const seq = segmentedSequence(30, 2, 1, 11, 10);
    const rtrl = rtrlGradientSum(params, seq);
    const bptt = bpttGradientOf(params, seq, 'f64');
    expect(relativeError(rtrl.theta, bptt.theta)).toBeLessThan(1e-10);
  });
});

describe('finite differences agree with both', () => {
  for (const { n, leak, seed } of [
    { n: 5, leak: 1, seed: 21 },
    { n: 7, leak: 0.4, seed: 22 },
  ]) {
    it(`n=${n} leak=${leak}`, () => {
      const shape: RnnShape = { n, m: 2, o: 2, leak };
      const params = initRnn(shape, new Rng(seed), { gain: 1.2, inputScale: 1 }, 'f64');
      const seq = randomSequence(15, 2, 2, seed);
      const rtrl = rtrlGradientSum(params, seq);
      const fd = centralDifferences(params.theta, () => bpttGradientOf(params, seq, 'f64').loss, 1e-6);
      expect(relativeError(rtrl.theta, fd)).toBeLessThan(1e-6);
    });
  }
});

describe('float32 product path', () => {
  it('full RTRL in float32 matches float64 BPTT within float32 accuracy', () => {
    const shape: RnnShape = { n: 32, m: 1, o: 1, leak: 1 };
    const params64 = initRnn(shape, new Rng(9), undefined, 'f64');
    const params32: RnnParams = { shape, theta: Float32Array.from(params64.theta), readout: Float32Array.from(params64.readout) };
    // the f64 reference uses the f32-rounded weights so only the arithmetic differs
    const ref: RnnParams = { shape, theta: Float64Array.from(params32.theta), readout: Float64Array.from(params32.readout) };
    const seq = randomSequence(40, 1, 1, 9);
    const rtrl = rtrlGradientSum(params32, seq);
    const bptt = bpttGradientOf(ref, seq, 'f64');
    expect(relativeError(rtrl.theta, bptt.theta)).toBeLessThan(1e-4);
  });
});
