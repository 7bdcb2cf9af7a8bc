/**
 * The whole protocol on the GPU against the CPU engine: identical starts (protocol.ts vs SeedRun, bit for
 * bit), then a whole experiment (pretrained weights, 300 adaptation steps, 5 arms, 2 seeds, batched).
 *
 * Tolerances: the two engines round differently (float32 sums on the GPU, float64 sums stored to float32
 * on the CPU), and the difference feeds back through 300 Adam updates. Observed on SwiftShader: mean
 * losses within 3.3e-6 relative, recovery within 0.001 points; per-step losses mostly within 1e-4
 * relative, the worst 1.04e-2 relative at a step whose loss is near zero (an absolute difference of
 * ~1e-7). Stated: each step's loss within 2e-2 relative + 1e-5 absolute, mean loss within 1e-3 relative,
 * recovery within 1 percentage point, divergence steps identical.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, sparseArm, type ExperimentConfig } from '../../src/engine/config';
import { SeedRun } from '../../src/engine/experiment';
import type { GpuContext } from '../../src/gpu/batch';
import { checkGpuArms, runExperimentGpu } from '../../src/gpu/experimentGpu';
import { laneBytes, planMemory } from '../../src/gpu/memoryPlan';
import { prepareSeed, laneFor } from '../../src/gpu/protocol';
import { expectGpuExperiment, expectSeedRunInPieces } from './compare';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

function config(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  const d = defaultConfig();
  return {
    ...d,
    n: 8,
    arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(0, 'random'), sparseArm(2, 'random'), sparseArm(3, 'top-k', 100)],
    seeds: [1, 2],
    pretrain: { ...d.pretrain, steps: 400 },
    adaptSteps: 300,
    metricsEvery: 100,
    ...overrides,
  };
}

describe('protocol: GPU lanes start where the CPU arms start', () => {
  it('pretrained weights, initial h, stream and selections equal SeedRun’s, bit for bit', () => {
    const c = config({ adaptSteps: 50 });
    const cpu = new SeedRun(c, 3);
    const gpu = prepareSeed(c, 3);
    expect(Array.from(gpu.pretrained.theta)).toEqual(Array.from(cpu.pretrained.theta));
    expect(Array.from(gpu.pretrained.readout)).toEqual(Array.from(cpu.pretrained.readout));
    expect(Array.from(gpu.hStart!)).toEqual(Array.from(cpu.learners[0].state.h));
    expect(Array.from(gpu.stream.x)).toEqual(Array.from(cpu.stream.x));
    expect(Array.from(gpu.stream.y)).toEqual(Array.from(cpu.stream.y));
    expect(gpu.pretrainLoss).toEqual(cpu.pretrainLoss);
    c.arms.forEach((arm, a) => {
      if (arm.kind !== 'sparse') return;
      expect(Array.from(laneFor(gpu, arm, 0).sources!)).toEqual(Array.from(cpu.learners[a].sources));
    });
  });
});

describe('a whole experiment, GPU vs CPU', () => {
  it('300 steps, 5 arms x 2 seeds in one batch: loss curves, mean losses, recovery and metrics agree', async () => {
    const { cpu, gpu } = await expectGpuExperiment('experiment', ctx, config());
    // the spectra: same samples, to a few percent (eigen-decompositions of nearly equal matrices)
    cpu.seeds.forEach((cs, s) => {
      const gs = gpu.seeds[s];
      expect(gs.jacobianCondition.length).toBe(cs.jacobianCondition.length);
      expect(gs.sensitivityCondition.length).toBe(cs.sensitivityCondition.length);
      cs.jacobianCondition.forEach((x, j) => expect(Math.abs(gs.jacobianCondition[j] - x) / x).toBeLessThan(1e-2));
      cs.sensitivityCondition.forEach((x, j) => expect(Math.abs(gs.sensitivityCondition[j] - x) / x).toBeLessThan(5e-2));
    });
  });

  it('waves: a budget too small for both seeds runs them one after the other, with the same numbers', async () => {
    const c = config({ adaptSteps: 60, arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(2, 'random')] });
    const oneBatch = await runExperimentGpu(ctx, c);
    const waves = await runExperimentGpu(ctx, c, undefined, { budgetBytes: 20_000 });
    expect(waves.plan.waves.length).toBeGreaterThan(1);
    waves.seeds.forEach((s, i) => s.losses.forEach((curve, a) => expect(Array.from(curve)).toEqual(Array.from(oneBatch.seeds[i].losses[a]))));
  });

  it('GpuSeedRun advanced in uneven pieces gives SeedRun’s result', async () => {
    const c = config({ adaptSteps: 70, arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(1, 'self-first', 20)], metricsEvery: 30 });
    const { got, want } = await expectSeedRunInPieces(ctx, c, 4, [1, 9, 25, 35]);
    expect(got.arms.map((a) => a.label)).toEqual(want.arms.map((a) => a.label));
    expect(got.sensitivityNorm[1]).toHaveLength(want.sensitivityNorm[1].length);
  });
});

/**
 * The LSTM (GpuBatch lanes of the LSTM's GPU record) against the CPU engine's LSTM, with the RNN's stated tolerances above. Observed
 * on SwiftShader (n = 6, 200 Adam steps, 5 arms x 2 seeds): mean losses within 1.6e-5 relative, recovery
 * within 0.22 points (the sparse arms' recovery divides by the small frozen-full gap), ‖P‖ within 1.2e-5;
 * per-step losses mostly within 1e-4 relative, the worst 5.4e-2 relative at a step whose loss is near zero
 * (inside the 1e-5 absolute term). The kernels' per-step agreement is tests/gpu/lstm.gpu.test.ts's.
 */
describe('the LSTM on the GPU vs the CPU', () => {
  const lstmConfig = (overrides: Partial<ExperimentConfig> = {}) =>
    config({
      model: 'lstm',
      n: 6,
      arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(0, 'random'), sparseArm(2, 'random'), sparseArm(3, 'top-k', 50)],
      pretrain: { ...defaultConfig().pretrain, steps: 300 },
      adaptSteps: 200,
      optimizer: { kind: 'adam', lr: 3e-3, clipNorm: 1 },
      ...overrides,
    });

  it('LSTM lanes start where SeedRun’s LSTM arms start: weights, [h; c], stream, selections', () => {
    const c = lstmConfig({ adaptSteps: 20 });
    const cpu = new SeedRun(c, 3);
    const gpu = prepareSeed(c, 3);
    expect(gpu.model).toBe('lstm');
    expect(Array.from(gpu.pretrained.theta)).toEqual(Array.from(cpu.pretrained.theta));
    expect(Array.from(gpu.hStart!)).toEqual(Array.from(cpu.learners[0].model.runningState()));
    c.arms.forEach((arm, a) => {
      if (arm.kind !== 'sparse' || arm.k === 0) return;
      expect(Array.from(laneFor(gpu, arm, 0).sources!)).toEqual(Array.from(cpu.learners[a].sources));
    });
  });

  it('200 steps, 5 arms x 2 seeds: loss curves, mean losses, recovery, divergence and ‖P‖ agree', async () => {
    const { cpu, gpu } = await expectGpuExperiment('LSTM experiment', ctx, lstmConfig());
    cpu.seeds.forEach((cs, s) => {
      expect(gpu.seeds[s].paramCount).toBe(cs.paramCount);
      // J_t's spectrum of the LSTM comes from the CPU engine (its stateJacobian); the GPU's LSTM lanes
      // report ‖[P^h; P^c]‖ only
      expect(cs.jacobianCondition.length).toBeGreaterThan(0);
      expect(gpu.seeds[s].jacobianCondition).toEqual([]);
    });
  });

  it('GpuSeedRun of an LSTM seed, advanced in uneven pieces, gives SeedRun’s result', async () => {
    const c = lstmConfig({ adaptSteps: 60, arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(2, 'self-first', 20)], metricsEvery: 25 });
    await expectSeedRunInPieces(ctx, c, 4, [1, 9, 20, 30]);
  });

  it('the planner sizes LSTM lanes: P^h and P^c share the P binding', () => {
    const rnn = laneBytes(8, 1, 1, 'rnn');
    const lstm = laneBytes(8, 1, 1, 'lstm');
    expect(lstm.pBytes).toBe(2 * 4 * 8 * (4 * 8 * (8 + 1 + 1)));
    expect(lstm.learning).toBeGreaterThan(2 * lstm.pBytes);
    expect(rnn.pBytes).toBe(4 * 8 * (8 * 8 + 8 + 8));
    const limits = { maxStorageBufferBindingSize: lstm.pBytes - 4, maxBufferSize: 1 << 30 };
    expect(() => planMemory({ n: 8, m: 1, o: 1, model: 'lstm', arms: [{ kind: 'full' }], seedCount: 1, steps: 10, limits })).toThrow(
      /does not fit this device/,
    );
    expect(() => planMemory({ n: 8, m: 1, o: 1, model: 'rnn', arms: [{ kind: 'full' }], seedCount: 1, steps: 10, limits })).not.toThrow();
  });

  it('refuses in one line what the GPU does not run for the LSTM', () => {
    for (const arm of [{ kind: 'snap1' }, { kind: 'tbptt', truncation: 20 }, { kind: 'uoro' }, { kind: 'kf' }] as const) {
      expect(() => checkGpuArms([{ kind: 'frozen' }, { kind: 'full' }, arm], 'lstm')).toThrow(
        new RegExp(`^the GPU engine runs frozen, full, k=K arms only for the LSTM; '${arm.kind}' runs on the CPU engine \\(--backend cpu\\)$`),
      );
    }
    expect(() => checkGpuArms([{ kind: 'frozen' }, { kind: 'full' }, sparseArm(4, 'random')], 'lstm')).not.toThrow();
  });
});
