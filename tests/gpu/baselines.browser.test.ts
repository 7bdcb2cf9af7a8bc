/**
 * The baselines' kernels in a real browser (Chromium, SwiftShader WebGPU): UORO, KF-RTRL, SnAp-1 and
 * TBPTT(4) lanes of one batch give the CPU learners' per-step losses (Adam, an error-free step every 4, a
 * reset), the UORO and KF-RTRL signs drawn from the same noise streams as the CPU's. Tolerance as
 * tests/gpu/baselines.gpu.test.ts: 1e-3 relative + 1e-6 absolute per step (float32 rounding only).
 */
import { expect, it } from 'vitest';
import { OnlineLearner } from '../../src/engine/learner';
import type { LearningMethod } from '../../src/engine/methods';
import { initRnn, RnnModel } from '../../src/engine/models/rnn';
import { Rng } from '../../src/engine/rng';
import { GpuBatch, type GpuContext } from '../../src/gpu/batch';
import { checkSequence } from '../../src/gpu/verify';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile(
  (c) => (ctx = c),
  () => navigator.gpu,
);

it('UORO, KF-RTRL, SnAp-1 and TBPTT lanes give the CPU learners’ losses in Chromium', async () => {
  const shape = { n: 5, m: 1, o: 1, leak: 0.5 };
  const params = initRnn(shape, new Rng(101), { gain: 1.3, inputScale: 1 });
  const steps = 14;
  const seq = checkSequence(steps, 1, new Rng(102), (t) => Math.sin(0.4 * t));
  for (let t = 0; t < steps; t++) seq.errorMask[t] = t % 4 === 3 ? 0 : 1;
  seq.reset[8] = 1;
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  const methods: LearningMethod[] = [{ kind: 'uoro' }, { kind: 'kf' }, { kind: 'snap1' }, { kind: 'tbptt', truncation: 4 }];
  const noise = (a: number) => Rng.forLabel(103, `noise ${a}`);
  const batch = await GpuBatch.create(
    ctx,
    shape,
    [seq],
    methods.map((method, a) => ({ method, params, noiseRng: noise(a), stream: 0 })),
    { optimizer, readbackEvery: 5, label: 'baselines' },
  );
  try {
    await batch.advance(steps);
    methods.forEach((method, a) => {
      const cpu = new OnlineLearner(new RnnModel(params), method, { optimizer, selectionRng: new Rng(104), noiseRng: noise(a) });
      for (let t = 0; t < steps; t++) {
        const want = cpu.step(seq, t);
        const got = batch.losses[a][t];
        expect(Math.abs(got - want), `${method.kind} step ${t}: GPU ${got}, CPU ${want}`).toBeLessThanOrEqual(1e-3 * Math.abs(want) + 1e-6);
      }
    });
  } finally {
    batch.destroy();
  }
});
