/**
 * The LSTM lanes of the WebGPU engine against the CPU engine, in Node through Dawn: every step's loss,
 * h_t, c_t, P^h_t, P^c_t, gradient and updated weights of frozen, full, k = 0, k = 2, k = 3 (top-k,
 * rescaled, redrawn) and k = n lanes, within lstmCompare.ts's stated tolerance (2e-5 · (1 + |cpu|)).
 */
import { describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { OnlineLearner } from '../../src/engine/learner';
import type { LearningMethod } from '../../src/engine/methods';
import { initLstm, LstmModel } from '../../src/engine/models/lstm';
import { Rng } from '../../src/engine/rng';
import { allocateSequence } from '../../src/engine/tasks/task';
import { GpuBatch, type GpuContext } from '../../src/gpu/batch';
import { chooseLstmFullTransport, LSTM_SHADER_NAMES, lstmPathWeights } from '../../src/gpu/lstmGpu';
import { verifyAgainstCpu } from '../../src/gpu/verify';
import { deviceForFile, expectCleanCompile } from './gpuHarness';
import { compareLstmWithCpu, LSTM_TOL } from './lstmCompare';
import { expectCarryOver, expectOutputs, outputsStream } from './compare';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

describe('LSTM kernels (Dawn)', () => {
  it('lstm*.wgsl compile with no errors or warnings', async () => {
    await expectCleanCompile(ctx, LSTM_SHADER_NAMES);
  });

  for (const fullTransport of ['tiled', 'gather'] as const)
    it(`frozen, full (${fullTransport}), k = 0, 2, 3, n lanes: h, c, P^h, P^c, g, weights and loss match the CPU learner every step`, async () => {
      const r = await compareLstmWithCpu(ctx, { steps: 8, fullTransport });
      console.log(
        `LSTM GPU vs CPU (full: ${fullTransport}) over ${r.steps} steps, worst relative difference: ${Object.entries(r.worst)
          .map(([k, v]) => `${k} ${v.toExponential(1)}`)
          .join(', ')}`,
      );
      for (const v of Object.values(r.worst)) expect(v).toBeLessThanOrEqual(LSTM_TOL);
    });

  it('n = 34 (more than one 32-wide tile of units and sources): full (tiled) and k = 3 lanes match the CPU learner', async () => {
    const r = await compareLstmWithCpu(ctx, { n: 34, m: 1, o: 1, steps: 3, methods: [{ kind: 'full' }, sparseArm(3, 'random')], fullTransport: 'tiled' });
    for (const v of Object.values(r.worst)) expect(v).toBeLessThanOrEqual(LSTM_TOL);
  });

  it("n = 70 (three 32-unit chunks of the forward kernel's partial sums): frozen and k = 1 lanes match the CPU learner", async () => {
    const r = await compareLstmWithCpu(ctx, { n: 70, m: 1, o: 1, steps: 3, methods: [{ kind: 'frozen' }, sparseArm(1, 'random')] });
    for (const v of Object.values(r.worst)) expect(v).toBeLessThanOrEqual(LSTM_TOL);
  });

  it('full lanes: the gather on a software adapter, the tiled kernel on a hardware one, with the reason', () => {
    expect(chooseLstmFullTransport(true)).toMatchObject({ gather: true, reason: expect.stringMatching(/software adapter/) });
    expect(chooseLstmFullTransport(false)).toMatchObject({ gather: false, reason: expect.stringMatching(/tiled kernel \(hardware adapter\)/) });
    expect(chooseLstmFullTransport(true, 'tiled').gather).toBe(false);
  });

  it('the comparison can fail: a lane whose k differs from its CPU twin is caught', async () => {
    // the GPU lane runs k = 2 while the CPU runs k = 3: P_{-1} = 0 at step 0, so P differs from step 1
    await expect(
      compareLstmWithCpu(ctx, { steps: 2, methods: [sparseArm(3, 'random')], mutate: (lanes) => (lanes[0].method = sparseArm(2, 'random')) }),
    ).rejects.toThrow(/step 1 (Ph|Pc)\[/);
  });

  it('snapshot() then restore() in a new batch continues every lane exactly (the live run\u2019s carry-over)', async () => {
    const shape = { n: 5, m: 1, o: 1 };
    const params = initLstm(shape, new Rng(3));
    const seq = allocateSequence(12, 1, 1);
    const r = new Rng(4);
    for (let t = 0; t < 12; t++) {
      seq.x[t] = r.normal();
      seq.y[t] = r.normal();
      seq.errorMask[t] = 1;
    }
    const methods = [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(2, 'random')] as const;
    const lanes = methods.map((method) => ({ method, params, sources: Int32Array.from({ length: 10 }, (_, i) => (i * 3) % 5), stream: 0 }));
    const options = { model: 'lstm', optimizer: { kind: 'adam', lr: 1e-2, clipNorm: 0 } as const, readbackEvery: 3, timing: false } as const;
    await expectCarryOver(seq, 5, (part) => GpuBatch.create(ctx, shape, [part], lanes, options), {
      atEnd: async (whole, second) => expect((await second.snapshot()).lanes[1].ph).toEqual((await whole.snapshot()).lanes[1].ph),
    });
  });

  it('the step record: each lane\u2019s first output per step is the CPU learner\u2019s y_t[0] (steps without an error signal and a reset too)', async () => {
    const shape = { n: 5, m: 2, o: 2 };
    const seq = outputsStream(13, shape.m, shape.o, new Rng(41), (t, j) => Math.cos(0.4 * t + j), 4, 7);
    const methods: LearningMethod[] = [{ kind: 'full' }, sparseArm(0, 'random'), { kind: 'frozen' }];
    const optimizer = { kind: 'adam', lr: 3e-2, clipNorm: 0 } as const;
    const paramsOf = () => initLstm(shape, new Rng(42), 1.2);
    const batch = await GpuBatch.create(
      ctx,
      shape,
      [seq],
      methods.map((method) => ({ method, params: paramsOf(), stream: 0 })),
      { model: 'lstm', optimizer, readbackEvery: 5, timing: false, label: 'lstm outputs' },
    );
    try {
      await batch.advance(seq.length);
      expectOutputs(batch, seq, (a) => new OnlineLearner(new LstmModel(paramsOf()), methods[a], { optimizer, selectionRng: new Rng(43) }));
      expect(Math.abs(batch.outputs[0][seq.length - 1] - batch.outputs[2][seq.length - 1])).toBeGreaterThan(1e-4);
    } finally {
      batch.destroy();
    }
  });

  it('the LSTM start-up verification passes on this device', async () => {
    const r = await verifyAgainstCpu(ctx, 'lstm');
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.maxRelativeError).toBeLessThan(1e-3);
  });

  it('lstmPathWeights is LstmModel.pathWeights (what the selections are ranked by)', () => {
    const params = initLstm({ n: 4, m: 2, o: 1 }, new Rng(6));
    expect(Array.from(lstmPathWeights({ n: 4, m: 2, o: 1 }, params.theta))).toEqual(Array.from(new LstmModel(params).pathWeights()));
  });

  it('refuses the arms it does not run, in one line', async () => {
    const shape = { n: 3, m: 1, o: 1 };
    const params = initLstm(shape, new Rng(1));
    const seq = allocateSequence(4, 1, 1);
    await expect(
      GpuBatch.create(ctx, shape, [seq], [{ method: { kind: 'snap1' }, params, stream: 0 }], {
        model: 'lstm',
        optimizer: { kind: 'sgd', lr: 0.1, clipNorm: 0 },
      }),
    ).rejects.toThrow(/'snap1' does not run on the GPU engine for the LSTM/);
  });
});
