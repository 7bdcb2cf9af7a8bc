/**
 * The app's GPU path (src/app/worker/gpuLiveRun.ts) against the CPU LiveRun: same pretraining and lead-in, then
 * the post-drift losses of every arm agree within experiment.gpu.test.ts's per-step tolerance (2e-2
 * relative + 1e-5 absolute). A live k change rebuilds the batch and keeps going; a lost device rejects
 * with a GpuError (the worker then falls back to the CPU).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/batch';
import { GpuError } from '../../src/gpu/errors';
import { GpuLiveRun } from '../../src/app/worker/gpuLiveRun';
import { DEFAULT_PARAMS, type LabParams } from '../../src/app/labParams';
import { LEAD_IN_STEPS, LiveRun } from '../../src/app/worker/liveRun';
import { nodeContext } from './gpuHarness';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await nodeContext();
});
afterAll(() => ctx?.device.destroy());

const OPTIONS = { pretrainSteps: 400, pretrainEpochs: 2, includeFull: true };
const params = (o: Partial<LabParams> = {}): LabParams => ({ ...DEFAULT_PARAMS, n: 8, k: 2, model: 'rnn', ...o });

describe('GpuLiveRun', () => {
  it('matches the CPU LiveRun through the lead-in and 50 steps after the drift', async () => {
    const cpu = new LiveRun(params(), OPTIONS);
    const gpu = GpuLiveRun.create(ctx, params(), OPTIONS, 10);
    const steps = LEAD_IN_STEPS + 50;
    const want = cpu.arms.map(() => new Float32Array(steps));
    const got = gpu.arms.map(() => new Float32Array(steps));
    cpu.advance(steps, want);
    // uneven pieces, one of them across the drift
    let done = 0;
    for (const piece of [100, 70, 1, 29]) {
      await gpu.advance(piece, got.map((g) => g.subarray(done, done + piece)));
      done += piece;
    }
    expect(done).toBe(steps);
    expect(gpu.step).toBe(cpu.step);
    expect(gpu.arms.map((a) => a.id)).toEqual(['frozen', 'full', 'k0', 'k']);
    for (let a = 0; a < cpu.arms.length; a++) {
      for (let t = 0; t < steps; t++) {
        expect(Math.abs(got[a][t] - want[a][t]), `arm ${cpu.arms[a].id} step ${t}: GPU ${got[a][t]} CPU ${want[a][t]}`).toBeLessThanOrEqual(2e-2 * Math.abs(want[a][t]) + 1e-5);
      }
    }
    const gm = gpu.meanLoss();
    cpu.meanLoss().forEach((m, a) => expect(Math.abs(gm[a] - m)).toBeLessThanOrEqual(1e-3 * m));
    expect(gpu.adaptedSteps).toBe(cpu.adaptedSteps);
    expect(gpu.recovery()[1]).toBeCloseTo(100, 6);
    expect(gpu.divergedAt()).toEqual(cpu.divergedAt());
    const metrics = gpu.metrics();
    expect(metrics.sensitivityNorm[1]).toBeGreaterThan(0);
    expect(metrics.jacobian?.condition).toBeGreaterThan(0);
    gpu.dispose();
  });

  it('a live k change rebuilds the batch from the arms’ state; the other arms carry on unchanged', async () => {
    const ref = GpuLiveRun.create(ctx, params(), OPTIONS);
    const gpu = GpuLiveRun.create(ctx, params(), OPTIONS);
    const steps = LEAD_IN_STEPS + 40;
    const a = ref.arms.map(() => new Float32Array(steps));
    const b = gpu.arms.map(() => new Float32Array(steps));
    await ref.advance(steps, a);
    await gpu.advance(LEAD_IN_STEPS + 20, b.map((x) => x.subarray(0, LEAD_IN_STEPS + 20)));
    await gpu.setSparse(4, 'random');
    expect(gpu.arms[3].label).toBe('k = 4');
    expect(gpu.markers.at(-1)?.label).toBe('k = 4');
    await gpu.advance(20, b.map((x) => x.subarray(LEAD_IN_STEPS + 20)));
    // frozen, full and k = 0 do not see the change: the rebuild carried their state over exactly
    for (const arm of [0, 1, 2]) expect(Array.from(b[arm])).toEqual(Array.from(a[arm]));
    expect(b[3].every(Number.isFinite)).toBe(true);
    expect(gpu.keptPaths()?.sources.length).toBe(8 * 4);
    ref.dispose();
    gpu.dispose();
  });

  it('a lost device rejects advance() with a GpuError', async () => {
    const own = await nodeContext();
    const gpu = GpuLiveRun.create(own, params(), OPTIONS);
    await gpu.advance(LEAD_IN_STEPS + 5, gpu.arms.map(() => new Float32Array(LEAD_IN_STEPS + 5)));
    own.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await expect(gpu.advance(5, gpu.arms.map(() => new Float32Array(5)))).rejects.toBeInstanceOf(GpuError);
    gpu.dispose();
  });
});
