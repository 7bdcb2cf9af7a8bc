/**
 * The same kernels in a real browser (Chromium, SwiftShader WebGPU): every shader compiles without
 * errors or warnings, the start-up verification (every step kernel, all lane kinds, against the CPU
 * engine) passes, and a short batched experiment's losses match the CPU engine's (tolerances as in
 * tests/gpu/experiment.gpu.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { runExperiment } from '../../src/engine/experiment';
import type { GpuContext } from '../../src/gpu/batch';
import { runExperimentGpu } from '../../src/gpu/experimentGpu';
import { SHADER_NAMES } from '../../src/gpu/shaderSources';
import { verifyAgainstCpu } from '../../src/gpu/verify';
import { shortConfig } from '../helpers/seedRun';
import { contextOf } from './gpuHarness';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await contextOf(navigator.gpu);
});
afterAll(() => ctx?.device.destroy());

describe('WebGPU kernels in Chromium', () => {
  it('every .wgsl compiles with no errors or warnings', async () => {
    for (const name of SHADER_NAMES) {
      const messages = await ctx.kernels.messages(name);
      expect(messages.filter((m) => m.type !== 'info'), `${name}.wgsl`).toEqual([]);
    }
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
});
