/**
 * The readout-only arm on the app's GPU path: a lane where the methods' registry runs it on the GPU, else
 * stepped on the CPU beside the lanes (gpuSupport.ts); either way its losses and both recoveries agree
 * with the CPU LiveRun's, and a learning-rate change reaches it.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/batch';
import { GpuLiveRun } from '../../src/app/worker/gpuLiveRun';
import { DEFAULT_PARAMS, type LabParams } from '../../src/app/labParams';
import { LEAD_IN_STEPS, LiveRun } from '../../src/app/worker/liveRun';
import { gpuHostArms } from '../../src/app/gpuSupport';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

const OPTIONS = { pretrainSteps: 300, pretrainEpochs: 2, includeFull: true };

describe('GpuLiveRun readout-only', () => {
  for (const model of ['rnn', 'lstm'] as const) {
    it(`${model}: the readout arm's losses and both recoveries match the CPU's`, async () => {
      const p: LabParams = { ...DEFAULT_PARAMS, model, n: 8, k: 2 };
      const cpu = new LiveRun({ ...p }, OPTIONS);
      const gpu = GpuLiveRun.create(ctx, { ...p }, OPTIONS);
      const r = gpu.arms.findIndex((a) => a.id === 'readout');
      expect(r).toBe(gpu.arms.length - 1);
      const steps = LEAD_IN_STEPS + 40;
      const want = cpu.arms.map(() => new Float32Array(steps));
      const got = gpu.arms.map(() => new Float32Array(steps));
      cpu.advance(
        LEAD_IN_STEPS + 20,
        want.map((w) => w.subarray(0, LEAD_IN_STEPS + 20)),
      );
      await gpu.advance(
        LEAD_IN_STEPS + 20,
        got.map((g) => g.subarray(0, LEAD_IN_STEPS + 20)),
      );
      // a rate change mid-run reaches the readout arm on both engines
      cpu.setLearningRate(p.lr * 3);
      gpu.setLearningRate(p.lr * 3);
      cpu.advance(
        20,
        want.map((w) => w.subarray(LEAD_IN_STEPS + 20)),
      );
      await gpu.advance(
        20,
        got.map((g) => g.subarray(LEAD_IN_STEPS + 20)),
      );
      for (let t = 0; t < steps; t++)
        expect(Math.abs(got[r][t] - want[r][t]), `${gpuHostArms(p).length ? 'host' : 'lane'} step ${t}`).toBeLessThanOrEqual(
          2e-2 * Math.abs(want[r][t]) + 1e-5,
        );
      const cb = cpu.recoveryBeyondReadout();
      const gb = gpu.recoveryBeyondReadout();
      expect(gb[r]).toBeCloseTo(0, 9);
      expect(gb[1]).toBeCloseTo(100, 9);
      expect(gb.length).toBe(cb.length);
      expect(gpu.divergedAt()[r]).toBe(-1);
      expect(gpu.metrics().sensitivityNorm[r]).toBeNull();
      gpu.dispose();
    });
  }
});
