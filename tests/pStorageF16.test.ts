/**
 * The float16 emulation of P's storage (precision.ts): f16round against values whose half-precision
 * rounding is known, and the RTRL estimator with the option on keeps every P entry a half-precision value
 * while the default leaves P as computed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OnlineLearner } from '../src/engine/learner';
import { initRnn, RnnModel, type RnnShape } from '../src/engine/models/rnn';
import { RnnRtrlEstimator } from '../src/engine/methods/rtrl';
import { f16round, P_STORAGE_ENV, pStorageSetting } from '../src/engine/precision';
import { Rng } from '../src/engine/rng';
import { allocateSequence } from '../src/engine/tasks/task';

describe('f16round', () => {
  it('rounds to the nearest half, ties to even, with subnormals and overflow', () => {
    const ulp1 = 2 ** -10;
    const cases: [number, number][] = [
      [1, 1],
      [1 + 2 ** -11, 1], // a tie: to the even neighbour, 1
      [1 + 3 * 2 ** -11, 1 + 2 * ulp1], // a tie between 1 + ulp (odd) and 1 + 2 ulp (even)
      [1 + 0.6 * ulp1, 1 + ulp1],
      [-0.1, -0.0999755859375],
      [65504, 65504],
      [65519, 65504],
      [65520, Infinity],
      [-1e6, -Infinity],
      [2 ** -24, 2 ** -24], // the smallest subnormal
      [2 ** -25, 0], // a tie with 0, which is even
      [3 * 2 ** -25, 2 ** -23],
      [2 ** -14 + 2 ** -25, 2 ** -14], // the smallest normal, plus less than half its quantum
      [0, 0],
    ];
    for (const [x, want] of cases) expect(f16round(x), `f16round(${x})`).toBe(want);
    expect(Number.isNaN(f16round(NaN))).toBe(true);
    expect(Object.is(f16round(-0), -0)).toBe(true);
  });
});

describe('P stored as float16 (an emulation, off by default)', () => {
  afterEach(() => {
    delete process.env[P_STORAGE_ENV];
  });

  const shape: RnnShape = { n: 6, m: 1, o: 1, leak: 0.5 };
  const run = () => {
    const seq = allocateSequence(30, 1, 1);
    const r = new Rng(5);
    for (let t = 0; t < 30; t++) {
      seq.x[t] = r.normal();
      seq.y[t] = Math.sin(0.3 * t);
    }
    const learner = new OnlineLearner(
      new RnnModel(initRnn(shape, new Rng(6))),
      { kind: 'full' },
      { optimizer: { kind: 'adam', lr: 1e-2, clipNorm: 0 }, selectionRng: new Rng(7) },
    );
    const losses: number[] = [];
    for (let t = 0; t < 30; t++) losses.push(learner.step(seq, t));
    return { losses, P: Float32Array.from((learner.estimator as RnnRtrlEstimator).sensitivity.current) };
  };

  it('off: P is not all half-precision values; on: every entry is, and the run differs only a little', () => {
    expect(pStorageSetting()).toBe('f32');
    const plain = run();
    expect(plain.P.some((x) => f16round(x) !== x)).toBe(true);
    process.env[P_STORAGE_ENV] = 'f16';
    expect(pStorageSetting()).toBe('f16');
    const half = run();
    expect(half.P.every((x) => f16round(x) === x)).toBe(true);
    expect(half.losses).not.toEqual(plain.losses);
    const last = half.losses.length - 1;
    expect(Math.abs(half.losses[last] - plain.losses[last])).toBeLessThan(1e-2 * (1 + plain.losses[last]));
  });

  it('a wrong value is refused with the variable named', () => {
    process.env[P_STORAGE_ENV] = 'bf16';
    expect(() => pStorageSetting()).toThrow(/SPARSE_RTRL_P_STORAGE=bf16: expected f32 or f16/);
  });
});
