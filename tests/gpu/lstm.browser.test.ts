/**
 * The LSTM kernels in a real browser (Chromium, SwiftShader WebGPU): lstm*.wgsl compile without errors or
 * warnings, and the step-by-step check of tests/gpu/lstm.gpu.test.ts passes (frozen, full, k = 0, 2, 3
 * lanes: h, c, P^h, P^c, g, weights and loss against the CPU learner, 2e-5 · (1 + |cpu|)).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/batch';
import { LSTM_SHADER_NAMES } from '../../src/gpu/lstmGpu';
import { compareLstmWithCpu, LSTM_TOL } from './lstmCompare';
import { contextOf } from './gpuHarness';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await contextOf(navigator.gpu);
});
afterAll(() => ctx?.device.destroy());

describe('LSTM kernels in Chromium', () => {
  it('lstm*.wgsl compile with no errors or warnings', async () => {
    const kernels = ctx.kernels;
    for (const name of LSTM_SHADER_NAMES) expect((await kernels.messages(name)).filter((m) => m.type !== 'info'), `${name}.wgsl`).toEqual([]);
  });

  it('LSTM lanes match the CPU learner step by step', async () => {
    const r = await compareLstmWithCpu(ctx, { steps: 6 });
    for (const v of Object.values(r.worst)) expect(v).toBeLessThanOrEqual(LSTM_TOL);
  });
});
