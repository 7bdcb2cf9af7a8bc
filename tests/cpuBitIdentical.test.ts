/**
 * The CPU engine's results, bit for bit: a fixed small experiment (RNN with every arm kind, LSTM with a
 * few) run through `runExperiment` must reproduce the committed numbers exactly (float64 `===`, via JSON's
 * round-trip-exact number printing). It guards refactors of the engine's layout: moving code between
 * files or behind an interface must not change a single rounding. Every config field is spelled out so a
 * change of defaults elsewhere does not move these numbers.
 *
 * Regenerate (only when a change of results is intended, and say so in the commit):
 *   BIT_IDENTICAL_WRITE=1 npx vitest run tests/cpuBitIdentical.test.ts --project node
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../src/engine/config';
import { runExperiment, type ExperimentResult } from '../src/engine/experiment';
import type { LearningMethod } from '../src/engine/methods';
import { MODELS } from '../src/engine/models';
import { lstmBpttGradient } from '../src/engine/models/bptt';
import type { LstmParams } from '../src/engine/models/lstm';
import { pretrain, pretrainModel, pretrainWith } from '../src/engine/pretrain';
import { Rng } from '../src/engine/rng';
import { createTask } from '../src/engine/tasks';

const FIXTURE = new URL('./fixtures/cpu-bit-identical.json', import.meta.url);

function sparse(k: number, strategy: 'random' | 'top-k', refreshEvery: number, rescale: boolean): LearningMethod {
  return { kind: 'sparse', k, strategy, refreshEvery, rescale };
}

const RNN_ARMS: LearningMethod[] = [
  { kind: 'frozen' },
  { kind: 'full' },
  sparse(0, 'random', 0, false),
  sparse(2, 'random', 0, false),
  sparse(3, 'top-k', 25, true),
  { kind: 'uoro' },
  { kind: 'kf' },
  { kind: 'snap1' },
  { kind: 'tbptt', truncation: 5 },
];

const LSTM_ARMS: LearningMethod[] = [
  { kind: 'frozen' },
  { kind: 'full' },
  sparse(2, 'random', 0, false),
  { kind: 'uoro' },
  { kind: 'kf' },
  { kind: 'snap1' },
  { kind: 'tbptt', truncation: 4 },
];

/** Every field spelled out (no defaults read from elsewhere); the cases below change a few. */
const RNN: ExperimentConfig = {
  task: 'sine',
  model: 'rnn',
  n: 10,
  arms: RNN_ARMS,
  optimizer: { kind: 'adam', lr: 1e-3, clipNorm: 0 },
  leak: 0.3,
  gain: 1.2,
  seeds: [1, 2],
  pretrain: { steps: 300, chunk: 32, lr: 3e-3, clipNorm: 1, epochs: 2 },
  adaptSteps: 120,
  window: 'all',
  metricsEvery: 30,
  fidelity: true,
};

const CASES: Record<string, ExperimentConfig> = {
  rnn: RNN,
  rnnSgdLorenz: {
    ...RNN,
    task: 'lorenz',
    n: 8,
    arms: [{ kind: 'frozen' }, { kind: 'full' }, sparse(1, 'random', 0, false), { kind: 'snap1' }],
    optimizer: { kind: 'sgd', lr: 1e-2, clipNorm: 1 },
    leak: 1,
    gain: 0.9,
    seeds: [3],
    pretrain: { steps: 200, chunk: 25, lr: 3e-3, clipNorm: 1, epochs: 2 },
    adaptSteps: 80,
    window: 'last-quarter',
    metricsEvery: 0,
    fidelity: false,
  },
  lstm: {
    ...RNN,
    model: 'lstm',
    n: 8,
    arms: LSTM_ARMS,
    leak: 1,
    gain: 1,
    pretrain: { steps: 200, chunk: 32, lr: 3e-3, clipNorm: 1, epochs: 2 },
    adaptSteps: 80,
    metricsEvery: 20,
    fidelity: false,
  },
};

/** Every 10th loss of a curve, as float64 numbers. */
function samples(curve: Float32Array): number[] {
  const out: number[] = [];
  for (let t = 0; t < curve.length; t += 10) out.push(curve[t]);
  out.push(curve[curve.length - 1]);
  return out;
}

/** What the fixture records of one experiment: numbers only, no timings. */
function digest(r: ExperimentResult) {
  return r.seeds.map((s) => ({
    seed: s.seed,
    paramCount: s.paramCount,
    pretrainLoss: s.pretrainLoss,
    arms: s.arms.map((a, i) => ({
      label: a.label,
      meanLoss: a.meanLoss,
      recovery: a.recovery,
      divergedAt: a.divergedAt,
      curve: samples(s.losses[i]),
      sensitivityNorm: s.sensitivityNorm[i],
    })),
    jacobianCondition: s.jacobianCondition,
    sensitivityCondition: s.sensitivityCondition,
    gradientCosine: s.gradientCosine,
  }));
}

/** JSON has no NaN: write it as a string so the round trip stays exact. */
function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1);
}
function decode(text: string): unknown {
  return JSON.parse(text, (_k, v) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v));
}

const actual: Record<string, unknown> = {};
for (const [name, config] of Object.entries(CASES)) actual[name] = decode(encode(digest(runExperiment(config))));

if (process.env.BIT_IDENTICAL_WRITE === '1') writeFileSync(FIXTURE, encode(actual) + '\n');
const expected = decode(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;

describe('CPU results are bit-identical to the committed fixture', () => {
  for (const name of Object.keys(CASES)) {
    it(name, () => {
      // toStrictEqual compares numbers with Object.is: exact, and NaN equals NaN
      expect(actual[name]).toStrictEqual(expected[name]);
    });
  }

  it('pretraining through the model registry is the per-model pretraining, bit for bit', () => {
    const shape = { n: 6, m: 1, o: 1, leak: 0.5 };
    const seq = createTask('sine', new Rng(5)).generate('A', 150, new Rng(6));
    const options = { chunk: 20, lr: 3e-3, clipNorm: 1, epochs: 2 };
    const rnnA = MODELS.rnn.init(shape, new Rng(7), 1.1);
    const rnnB = MODELS.rnn.init(shape, new Rng(7), 1.1);
    expect(pretrainModel('rnn', rnnA, seq, options)).toStrictEqual(pretrain(rnnB, seq, options));
    expect(rnnA.theta).toStrictEqual(rnnB.theta);
    const lstmA = MODELS.lstm.init(shape, new Rng(7), 1.1);
    const lstmB: LstmParams = MODELS.lstm.init(shape, new Rng(7), 1.1);
    const a = pretrainModel('lstm', lstmA, seq, options);
    expect(a).toStrictEqual(pretrainWith(lstmB, seq, options, lstmBpttGradient, 2 * shape.n));
    expect(a.hEnd).toHaveLength(2 * shape.n);
    expect(lstmA.theta).toStrictEqual(lstmB.theta);
  });

  it('the fixture holds real, distinct numbers (a guard against an empty or degenerate fixture)', () => {
    const rnn = expected.rnn as { arms: { meanLoss: number }[] }[];
    expect(rnn).toHaveLength(2);
    const losses = rnn[0].arms.map((a) => a.meanLoss);
    expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    expect(new Set(losses).size).toBe(losses.length);
  });
});
