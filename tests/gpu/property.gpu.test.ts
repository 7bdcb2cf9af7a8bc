/**
 * Property: for random n, k, selection strategy, rescaling, leak, optimizer and seed, a GPU lane's loss
 * curve equals the CPU learner's. Sizes stay small (n ≤ 6, 12 steps, 6 cases): SwiftShader compiles a
 * pipeline set per n and runs on two cores. Tolerance 1e-3 relative + 1e-6 absolute per step: float32
 * rounding over 12 steps is ~1e-5 (see kernels.gpu.test.ts), a wrong mask or index is off by far more.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { OnlineLearner } from '../../src/engine/learner';
import type { LearningMethod } from '../../src/engine/methods';
import { initRnn, RnnModel } from '../../src/engine/models/rnn';
import { Rng } from '../../src/engine/rng';
import { allocateSequence } from '../../src/engine/tasks/task';
import { SELECTION_STRATEGIES, selectPaths } from '../../src/engine/transportMask';
import { GpuBatch, type GpuContext } from '../../src/gpu/batch';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

it('GPU and CPU agree over random n, k, strategy and seed', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 6 }).chain((n) =>
        fc.record({
          n: fc.constant(n),
          k: fc.integer({ min: 0, max: n }),
          strategy: fc.constantFrom(...SELECTION_STRATEGIES),
          rescale: fc.boolean(),
          refresh: fc.constantFrom(0, 5),
          leak: fc.constantFrom(0.3, 1),
          sgd: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
      ),
      async ({ n, k, strategy, rescale, refresh, leak, sgd, seed }) => {
        const shape = { n, m: 1, o: 1, leak };
        const params = initRnn(shape, new Rng(seed));
        const steps = 12;
        const seq = allocateSequence(steps, 1, 1);
        const r = new Rng(seed + 1);
        for (let t = 0; t < steps; t++) {
          seq.x[t] = r.normal();
          seq.y[t] = r.normal();
        }
        const optimizer = sgd ? { kind: 'sgd' as const, lr: 0.05, clipNorm: 1 } : { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
        const methods: LearningMethod[] = [sparseArm(k, strategy, refresh, rescale), { kind: 'full' }];
        const cpu = methods.map((method) => new OnlineLearner(new RnnModel(params), method, { optimizer, selectionRng: new Rng(seed, 9) }));
        // the GPU lane's selection stream continues where the initial draw left it, as the learner's does
        const gpuRng = new Rng(seed, 9);
        const sources = new Int32Array(n * k);
        selectPaths(strategy, params.theta, n, k, gpuRng, sources);
        expect(Array.from(sources)).toEqual(Array.from(cpu[0].sources));
        const batch = await GpuBatch.create(
          ctx,
          shape,
          [seq],
          methods.map((method, a) => ({ method, params, stream: 0, sources: a === 0 ? sources : undefined, selectionRng: gpuRng })),
          { optimizer, readbackEvery: 5, label: 'property' },
        );
        try {
          await batch.advance(steps);
        } finally {
          batch.destroy();
        }
        methods.forEach((_, a) => {
          for (let t = 0; t < steps; t++) {
            const want = cpu[a].step(seq, t);
            const got = batch.losses[a][t];
            expect(Math.abs(got - want), `${cpu[a].label} step ${t}`).toBeLessThanOrEqual(1e-3 * Math.abs(want) + 1e-6);
          }
        });
      },
    ),
    { numRuns: 6, seed: 20260315 },
  );
});
