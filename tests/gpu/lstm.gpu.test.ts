/**
 * The LSTM lanes of the WebGPU engine against the CPU engine, in Node through Dawn: every step's loss,
 * h_t, c_t, P^h_t, P^c_t, gradient and updated weights of frozen, full, k = 0, k = 2 and k = 3 (top-k,
 * rescaled, redrawn) lanes, within lstmCompare.ts's stated tolerance (2e-5 · (1 + |cpu|)).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { initLstm } from '../../src/engine/models/lstm';
import { Rng } from '../../src/engine/rng';
import { allocateSequence } from '../../src/engine/tasks/task';
import type { GpuContext } from '../../src/gpu/batch';
import { LstmBatch } from '../../src/gpu/lstmBatch';
import { LSTM_SHADER_NAMES, LstmKernels } from '../../src/gpu/lstmKernels';
import { nodeContext } from './gpuHarness';
import { compareLstmWithCpu, LSTM_TOL } from './lstmCompare';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await nodeContext();
});
afterAll(() => ctx?.device.destroy());

describe('LSTM kernels (Dawn)', () => {
  it('lstm*.wgsl compile with no errors or warnings', async () => {
    const kernels = await LstmKernels.of(ctx.device);
    for (const name of LSTM_SHADER_NAMES) expect((await kernels.messages(name)).filter((m) => m.type !== 'info'), `${name}.wgsl`).toEqual([]);
  });

  it('frozen, full, k = 0, 2, 3 lanes: h, c, P^h, P^c, g, weights and loss match the CPU learner every step', async () => {
    const r = await compareLstmWithCpu(ctx, { steps: 8 });
    console.log(`LSTM GPU vs CPU over ${r.steps} steps, worst relative difference: ${Object.entries(r.worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
    for (const v of Object.values(r.worst)) expect(v).toBeLessThanOrEqual(LSTM_TOL);
  });

  it('the comparison can fail: a lane whose k differs from its CPU twin is caught', async () => {
    // the GPU lane runs k = 2 while the CPU runs k = 3: P_{-1} = 0 at step 0, so P differs from step 1
    await expect(compareLstmWithCpu(ctx, { steps: 2, methods: [sparseArm(3, 'random')], mutate: (lanes) => (lanes[0].method = sparseArm(2, 'random')) })).rejects.toThrow(/step 1 (Ph|Pc)\[/);
  });

  it('refuses the arms it does not run, in one line', async () => {
    const shape = { n: 3, m: 1, o: 1 };
    const params = initLstm(shape, new Rng(1));
    const seq = allocateSequence(4, 1, 1);
    await expect(LstmBatch.create(ctx, shape, [seq], [{ method: { kind: 'snap1' }, params, stream: 0 }], { optimizer: { kind: 'sgd', lr: 0.1, clipNorm: 0 } })).rejects.toThrow(
      /'snap1' does not run on the GPU engine for the LSTM/,
    );
  });
});
