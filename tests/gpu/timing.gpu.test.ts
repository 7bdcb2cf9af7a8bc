/**
 * Kernel timing (src/gpu/timing.ts): a batch reports per-kernel GPU times where the device has timestamp
 * queries (one timed step per chunk, or per `timeEvery` chunks), else submit-to-done wall time per step; timing a step (a pass per
 * kernel) leaves the numbers unchanged. No thresholds on the times themselves: only that they are figures.
 */
import { expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { initRnn } from '../../src/engine/models/rnn';
import { Rng } from '../../src/engine/rng';
import { allocateSequence } from '../../src/engine/tasks/task';
import { selectPaths } from '../../src/engine/transportMask';
import { GpuBatch, type GpuContext, type LaneSpec } from '../../src/gpu/batch';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

const shape = { n: 5, m: 1, o: 1, leak: 0.8 };

function lanes(): LaneSpec[] {
  const params = initRnn(shape, new Rng(1));
  const sources = new Int32Array(shape.n * 2);
  selectPaths('random', params.theta, shape.n, 2, new Rng(2), sources);
  return [
    { method: { kind: 'full' }, params, stream: 0 },
    { method: sparseArm(2, 'random'), params, sources, stream: 0 },
    { method: { kind: 'frozen' }, params, stream: 0 },
  ];
}

it('timings(): per kernel with timestamps, else per step; timing does not change the losses', async () => {
  const seq = allocateSequence(12, 1, 1);
  const r = new Rng(3);
  for (let t = 0; t < 12; t++) {
    seq.x[t] = r.normal();
    seq.y[t] = r.normal();
  }
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  const timed = await GpuBatch.create(ctx, shape, [seq], lanes(), { optimizer, readbackEvery: 4, label: 'timed' });
  const plain = await GpuBatch.create(ctx, shape, [seq], lanes(), { optimizer, readbackEvery: 4, label: 'plain', timing: false });
  try {
    await timed.advance(12);
    await plain.advance(12);
    for (let a = 0; a < 3; a++) expect(Array.from(timed.losses[a])).toEqual(Array.from(plain.losses[a]));
    const t = timed.timings();
    console.log(`kernel timing on this adapter (${ctx.description}): ${t.source}, ${t.msPerStep.toFixed(3)} ms/step`);
    expect(Number.isFinite(t.msPerStep) && t.msPerStep >= 0).toBe(true);
    if (ctx.device.features.has('timestamp-query')) {
      expect(t.source).toBe('timestamp-query');
      expect(t.kernels.map((k) => k.name)).toEqual(['forward', 'sparse', 'dense', 'gradient', 'update']);
      // one timed step per chunk of 4
      for (const k of t.kernels) expect(k.samples).toBe(3);
      expect(t.steps).toBe(3);
    } else {
      expect(t.source).toBe('submit-to-done');
      expect(t.kernels).toEqual([]);
      expect(t.steps).toBe(12);
    }
    expect(plain.timings().source).toBe('submit-to-done');
  } finally {
    timed.destroy();
    plain.destroy();
  }
});

it('timeEvery: timestamps on one chunk in that many (the live app times 1 in 16); the losses unchanged', async () => {
  const T = 40;
  const seq = allocateSequence(T, 1, 1);
  const r = new Rng(4);
  for (let t = 0; t < T; t++) {
    seq.x[t] = r.normal();
    seq.y[t] = r.normal();
  }
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  // chunks of one step: 40 chunks, of which 0, 16 and 32 are timed
  const sparse = await GpuBatch.create(ctx, shape, [seq], lanes(), { optimizer, readbackEvery: 1, timeEvery: 16, label: 'timed 1 in 16' });
  const every = await GpuBatch.create(ctx, shape, [seq], lanes(), { optimizer, readbackEvery: 1, label: 'timed every chunk' });
  try {
    await sparse.advance(T);
    await every.advance(T);
    for (let a = 0; a < 3; a++) expect(Array.from(sparse.losses[a])).toEqual(Array.from(every.losses[a]));
    if (ctx.device.features.has('timestamp-query')) {
      for (const k of sparse.timings().kernels) expect(k.samples).toBe(3);
      for (const k of every.timings().kernels) expect(k.samples).toBe(T);
    } else {
      expect(sparse.timings().steps).toBe(T);
    }
  } finally {
    sparse.destroy();
    every.destroy();
  }
});
