/**
 * The same kernels in a real browser (Chromium, SwiftShader WebGPU): every shader compiles without
 * errors or warnings, the start-up verification (every step kernel, all lane kinds, against the CPU
 * engine) passes, and a short batched experiment's losses match the CPU engine's (tolerances as in
 * tests/gpu/experiment.gpu.test.ts). The LSTM lanes pass the step-by-step check of
 * tests/gpu/lstm.gpu.test.ts (frozen, full, k = 0, 2, 3 lanes: h, c, P^h, P^c, g, weights and loss against
 * the CPU learner, 2e-5 · (1 + |cpu|)).
 */
import { describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { runExperiment } from '../../src/engine/experiment';
import type { GpuContext } from '../../src/gpu/batch';
import { runExperimentGpu } from '../../src/gpu/experimentGpu';
import { SHADER_NAMES } from '../../src/gpu/shaderSources';
import { verifyAgainstCpu } from '../../src/gpu/verify';
import { shortConfig } from '../helpers/seedRun';
import { deviceForFile, expectCleanCompile } from './gpuHarness';
import { compareLstmWithCpu, LSTM_TOL } from './lstmCompare';

let ctx: GpuContext;
deviceForFile(
  (c) => (ctx = c),
  () => navigator.gpu,
);

describe('WebGPU kernels in Chromium', () => {
  it('every .wgsl compiles with no errors or warnings', async () => {
    await expectCleanCompile(ctx, SHADER_NAMES);
  });

  it('the start-up verification against the CPU engine passes', async () => {
    expect(await verifyAgainstCpu(ctx)).toMatchObject({ ok: true });
  });

  for (const sparseKernel of ['auto', 'vec4'] as const)
    it(`a short experiment (4 arms, 2 seeds, 80 steps) matches the CPU engine (sparse kernel: ${sparseKernel})`, async () => {
      const config = shortConfig(200, {
        // n = 6 with the sine task's m = 1: p = 48, a multiple of 4, so 'vec4' runs sparseTransportVec4.wgsl
        n: 6,
        arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(0, 'random'), sparseArm(2, 'bottom-k')],
        seeds: [1, 2],
        adaptSteps: 80,
        metricsEvery: 40,
      });
      const cpu = runExperiment(config);
      const gpu = await runExperimentGpu(ctx, config, undefined, { sparseKernel });
      cpu.seeds.forEach((seed, s) =>
        seed.losses.forEach((curve, a) => {
          for (let t = 0; t < config.adaptSteps; t++) {
            expect(Math.abs(gpu.seeds[s].losses[a][t] - curve[t])).toBeLessThanOrEqual(2e-2 * Math.abs(curve[t]) + 1e-5);
          }
          expect(Math.abs(gpu.seeds[s].arms[a].meanLoss - seed.arms[a].meanLoss)).toBeLessThanOrEqual(1e-3 * seed.arms[a].meanLoss);
        }),
      );
    });

  it('P stored as f16: the kernels that run with it compile cleanly, and a short experiment stays within the same bounds of the CPU engine', async () => {
    await expectCleanCompile(ctx, ['sparseTransportVec4', 'denseTransport', 'gradient', 'sumSquares', 'gram'], 'f16');
    const config = shortConfig(200, {
      n: 8,
      arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(4, 'random')],
      seeds: [1],
      adaptSteps: 80,
      metricsEvery: 40,
    });
    // the CPU engine here stores P as f32 (no environment to set in the page): half precision's effect on
    // the loss is about 1e-4 of it (tests/gpu/pStorage.gpu.test.ts compares with the f16 emulation in Node),
    // far inside these bounds, so this checks that the packed kernels run in Chromium, not the rounding
    const cpu = runExperiment(config);
    const gpu = await runExperimentGpu(ctx, config, undefined, { pStorage: 'f16' });
    cpu.seeds[0].losses.forEach((curve, a) => {
      for (let t = 0; t < config.adaptSteps; t++) expect(Math.abs(gpu.seeds[0].losses[a][t] - curve[t])).toBeLessThanOrEqual(2e-2 * Math.abs(curve[t]) + 1e-5);
    });
  });
});

describe('LSTM kernels in Chromium', () => {
  // lstm*.wgsl compile in the check of every .wgsl above
  it('LSTM lanes match the CPU learner step by step', async () => {
    const r = await compareLstmWithCpu(ctx, { steps: 6 });
    for (const v of Object.values(r.worst)) expect(v).toBeLessThanOrEqual(LSTM_TOL);
  });
});
