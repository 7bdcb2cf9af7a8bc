import { describe, it, expect } from 'vitest';
import { Rng } from '../src/engine/rng';
import {
  createTask,
  createSineTask,
  createLorenzTask,
  createNeuralDecodingTask,
  ADDING_TRIVIAL_MSE,
  createAddingTask,
  LORENZ_A_STATS,
  simulateLorenz,
  TASK_NAMES,
  TASKS,
  type Sequence,
} from '../src/engine/tasks';
import { NEURAL_CHANNELS } from '../src/engine/tasks/neuralDecoding';
import { SINE_HORIZON } from '../src/engine/tasks/sine';
import { regimeStreams } from './helpers/taskStreams';

/** Per-dimension mean and std of a step-major buffer. */
function columnStats(data: ArrayLike<number>, width: number): { mean: number[]; std: number[] } {
  const steps = data.length / width;
  const mean = new Array<number>(width).fill(0);
  const sq = new Array<number>(width).fill(0);
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < width; j++) {
      const v = data[t * width + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const std = mean.map((m, j) => {
    const mu = m / steps;
    return Math.sqrt(Math.max(0, sq[j] / steps - mu * mu));
  });
  return { mean: mean.map((m) => m / steps), std };
}

function sameBits(a: Sequence, b: Sequence): boolean {
  const eq = (u: ArrayBufferView, v: ArrayBufferView) =>
    Buffer.compare(Buffer.from(u.buffer, u.byteOffset, u.byteLength), Buffer.from(v.buffer, v.byteOffset, v.byteLength)) === 0;
  return eq(a.x, b.x) && eq(a.y, b.y) && eq(a.errorMask, b.errorMask) && eq(a.reset, b.reset);
}

/** Power of a real series at angular frequency ω (rad/step). */
function power(series: ArrayLike<number>, omega: number): number {
  let re = 0;
  let im = 0;
  for (let t = 0; t < series.length; t++) {
    re += series[t] * Math.cos(omega * t);
    im += series[t] * Math.sin(omega * t);
  }
  return re * re + im * im;
}

function dominantFrequency(series: ArrayLike<number>): number {
  let best = 0;
  let bestPower = -1;
  for (let omega = 0.02; omega <= 0.5; omega += 0.001) {
    const p = power(series, omega);
    if (p > bestPower) {
      bestPower = p;
      best = omega;
    }
  }
  return best;
}

describe('Lorenz task', () => {
  it('regime-A attractor statistics match LORENZ_A_STATS over a long run', () => {
    const params = { sigma: 10, rho: 28, beta: 8 / 3 };
    const burnIn = simulateLorenz(params, 1, 2000, 0.01, [1, 1, 20]);
    // 1000 time units after 20 of burn-in, sampled every 0.02.
    const run = simulateLorenz(params, 50_000, 2, 0.01, burnIn);
    const { mean, std } = columnStats(run, 3);
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(mean[j] - LORENZ_A_STATS.mean[j])).toBeLessThan(1.5);
      expect(Math.abs(std[j] / LORENZ_A_STATS.std[j] - 1)).toBeLessThan(0.15);
    }
  });

  it('z-scored regime-A inputs have mean ≈ 0 and std ≈ 1; regime B shifts z', () => {
    const rng = new Rng(3);
    const task = createLorenzTask(rng);
    expect(task.inputSize).toBe(3);
    expect(task.outputSize).toBe(3);
    const a = task.generate('A', 10_000, rng); // 200 time units
    const sa = columnStats(a.x, 3);
    for (let j = 0; j < 3; j++) {
      // x and y means wander with the lobe switching, so 200 time units pin them only to about ±0.15.
      expect(Math.abs(sa.mean[j])).toBeLessThan(0.3);
      expect(Math.abs(sa.std[j] - 1)).toBeLessThan(0.1);
    }
    // The target is the next sample, and the stream continues across calls.
    for (let t = 0; t + 1 < a.length; t++) {
      for (let j = 0; j < 3; j++) expect(a.y[t * 3 + j]).toBe(a.x[(t + 1) * 3 + j]);
    }
    const b = task.generate('B', 10_000, rng);
    for (let j = 0; j < 3; j++) expect(b.x[j]).toBe(a.y[(a.length - 1) * 3 + j]);
    const sb = columnStats(b.x, 3);
    // ρ = 35 lifts the attractor: z mean well above A's, measured in A's units.
    expect(sb.mean[2] - sa.mean[2]).toBeGreaterThan(0.5);
    expect(b.x.every(Number.isFinite)).toBe(true);
  });
});

describe('the task registry', () => {
  it('has one record per task name, each with a label, a story and bounded parameters', () => {
    expect(Object.keys(TASKS).sort()).toEqual([...TASK_NAMES].sort());
    for (const name of TASK_NAMES) {
      const r = TASKS[name];
      expect(r.name).toBe(name);
      expect(r.label.length).toBeGreaterThan(3);
      expect(r.story.length).toBeGreaterThan(10);
      for (const p of r.parameters) expect(p.bounds.min).toBeLessThan(p.bounds.max);
      expect(createTask(name, new Rng(1)).name).toBe(name);
    }
    expect(TASKS.delay.parameters.map((p) => p.key)).toEqual(['delay']);
    expect(createTask('delay', new Rng(1), { delay: { A: 3, B: 5 } }).description).toContain('τ 3 -> 5');
  });
});

describe('determinism', () => {
  for (const name of TASK_NAMES) {
    it(`${name}: the seed determines the A and B streams bit for bit`, () => {
      const [a1, b1] = regimeStreams(name, 7, 300);
      const [a2, b2] = regimeStreams(name, 7, 300);
      const [a3, b3] = regimeStreams(name, 8, 300);
      expect(sameBits(a1, a2)).toBe(true);
      expect(sameBits(b1, b2)).toBe(true);
      expect(sameBits(a1, a3)).toBe(false);
      expect(sameBits(b1, b3)).toBe(false);
    });
  }
});

describe('sine task', () => {
  it('targets are the input h steps ahead and the drift changes the dominant frequency', () => {
    const rng = new Rng(11);
    const task = createSineTask(rng);
    const h = SINE_HORIZON;
    const a = task.generate('A', 4000, rng);
    for (let t = 0; t + h < a.length; t++) expect(a.y[t]).toBe(a.x[t + h]);
    const b = task.generate('B', 4000, rng);
    // Continuous across the drift: B's first input is the value A's target h steps before its end.
    expect(b.x[0]).toBe(a.y[a.length - h]);
    for (let t = 0; t + h < b.length; t++) expect(b.y[t]).toBe(b.x[t + h]);
    const fa = dominantFrequency(a.x);
    const fb = dominantFrequency(b.x);
    expect(Math.abs(fa - 0.1)).toBeLessThan(0.005);
    expect(Math.abs(fb - 0.15)).toBeLessThan(0.005);
    expect(a.errorMask.every((m) => m === 1)).toBe(true);
  });

  it('a horizon of 1 predicts the next value', () => {
    const rng = new Rng(3);
    const task = createSineTask(rng, 1);
    const a = task.generate('A', 500, rng);
    for (let t = 0; t + 1 < a.length; t++) expect(a.y[t]).toBe(a.x[t + 1]);
  });
});

describe('neural decoding task', () => {
  it('shapes, z-scored regime-A inputs, silenced channels constant in B, finite targets', () => {
    const rng = new Rng(5);
    const task = createNeuralDecodingTask(rng);
    expect(task.inputSize).toBe(NEURAL_CHANNELS);
    expect(task.outputSize).toBe(2);
    const n = 6000;
    const a = task.generate('A', n, rng);
    expect(a.x.length).toBe(n * NEURAL_CHANNELS);
    expect(a.y.length).toBe(n * 2);
    const sa = columnStats(a.x, NEURAL_CHANNELS);
    let meanAbs = 0;
    for (let c = 0; c < NEURAL_CHANNELS; c++) {
      expect(Math.abs(sa.mean[c])).toBeLessThan(0.4);
      expect(sa.std[c]).toBeGreaterThan(0.8);
      expect(sa.std[c]).toBeLessThan(1.2);
      meanAbs += Math.abs(sa.mean[c]) / NEURAL_CHANNELS;
    }
    // Both the calibration block and this sample see a slowly varying velocity, so means wander together.
    expect(meanAbs).toBeLessThan(0.2);
    // Velocity targets are O(1) and actually move.
    const va = columnStats(a.y, 2);
    for (let j = 0; j < 2; j++) {
      expect(va.std[j]).toBeGreaterThan(0.5);
      expect(va.std[j]).toBeLessThan(1.5);
    }

    const b = task.generate('B', n, rng);
    expect(b.x.every(Number.isFinite)).toBe(true);
    expect(b.y.every(Number.isFinite)).toBe(true);
    const sb = columnStats(b.x, NEURAL_CHANNELS);
    const constant: number[] = [];
    for (let c = 0; c < NEURAL_CHANNELS; c++) {
      let same = true;
      for (let t = 1; t < n && same; t++) same = b.x[t * NEURAL_CHANNELS + c] === b.x[c];
      if (same) constant.push(c);
    }
    // 7 % of 96 channels silenced; every other channel still fires.
    expect(constant.length).toBe(Math.round(0.07 * NEURAL_CHANNELS));
    for (const c of constant) {
      // It carried signal in A, and its constant B value is the z-scored zero count.
      expect(sa.std[c]).toBeGreaterThan(0.5);
      expect(b.x[c]).toBeLessThan(-1);
    }
    // The session drift moves the input distribution away from A's z-scoring.
    let shift = 0;
    for (let c = 0; c < NEURAL_CHANNELS; c++) shift += Math.abs(sb.mean[c]) / NEURAL_CHANNELS;
    expect(shift).toBeGreaterThan(0.2);
  });
});

describe('adding task', () => {
  const T = 30;
  const check = (rule: 'sum' | 'difference', seq: Sequence) => {
    const whole = Math.floor(seq.length / T);
    for (let s = 0; s < whole; s++) {
      const start = s * T;
      const marked: number[] = [];
      for (let i = 0; i < T; i++) {
        const t = start + i;
        expect(seq.reset[t]).toBe(i === 0 ? 1 : 0);
        expect(seq.errorMask[t]).toBe(i === T - 1 ? 1 : 0);
        const value = seq.x[t * 2];
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
        const marker = seq.x[t * 2 + 1];
        expect(marker === 0 || marker === 1).toBe(true);
        if (marker === 1) marked.push(value);
        if (i < T - 1) expect(seq.y[t]).toBe(0);
      }
      expect(marked.length).toBe(2);
      const expected = rule === 'sum' ? marked[0] + marked[1] : marked[0] - marked[1];
      expect(seq.y[start + T - 1]).toBeCloseTo(expected, 6);
    }
  };

  it('the drift variant: error only at sequence ends, resets at starts, two markers, sum in A and difference in B', () => {
    const rng = new Rng(9);
    const task = createAddingTask(rng, T, 'difference');
    expect(task.name).toBe('adding-difference');
    expect(task.inputSize).toBe(2);
    expect(task.outputSize).toBe(1);
    const a = task.generate('A', 40 * T, rng);
    const b = task.generate('B', 40 * T, rng);
    check('sum', a);
    check('difference', b);
    // B's difference takes both signs, A's sum is never negative.
    expect(Array.from(b.y).some((v) => v < 0)).toBe(true);
    expect(Array.from(a.y).every((v) => v >= 0)).toBe(true);
  });

  it('the standard adding problem: the sum in both regimes, and the constant predictor 1 has MSE ≈ 2/12', () => {
    const rng = new Rng(11);
    const task = createTask('adding', rng, { length: 12 });
    expect(task.name).toBe('adding');
    const b = task.generate('B', 12 * 4000, rng);
    const T12 = 12;
    let sq = 0;
    let count = 0;
    for (let s = 0; s < 4000; s++) {
      const end = s * T12 + T12 - 1;
      expect(b.errorMask[end]).toBe(1);
      sq += (b.y[end] - 1) ** 2;
      count++;
    }
    expect(Array.from(b.y).every((v) => v >= 0)).toBe(true);
    // 4000 sums: the sample MSE of the constant 1 lies within a few standard errors of 1/6
    expect(sq / count).toBeGreaterThan(ADDING_TRIVIAL_MSE - 0.01);
    expect(sq / count).toBeLessThan(ADDING_TRIVIAL_MSE + 0.01);
    expect(task.trivialLoss).toBeCloseTo(ADDING_TRIVIAL_MSE / 2, 12);
    expect(() => createTask('adding', rng, { length: 1 })).toThrow(/integer >= 2/);
  });

  it('a length that is not a multiple of the sequence length ends in an unscored padding tail', () => {
    const rng = new Rng(10);
    const task = createAddingTask(rng, T);
    const seq = task.generate('A', 3 * T + 7, rng);
    check('sum', seq);
    expect(seq.reset[3 * T]).toBe(1);
    for (let t = 3 * T; t < seq.length; t++) {
      expect(seq.errorMask[t]).toBe(0);
      expect(seq.x[t * 2 + 1]).toBe(0);
      expect(seq.y[t]).toBe(0);
    }
  });
});
