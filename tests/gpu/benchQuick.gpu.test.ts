/**
 * `npm run bench:gpu -- --quick --json` runs to the end on whatever adapter is present (SwiftShader here)
 * and prints every figure the GPU benchmark promises: the RNN's arms (one arm and a batch) with the kernels
 * against the copy and matmul yardsticks, the LSTM's lanes, the baselines' lanes, the CPU engine, TF.js, and
 * the hardware targets with the entries they apply to. Only the shape is checked (a missing entry fails):
 * speed is never a test.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Timed {
  arm: string;
  stepsPerSecond: number;
  gpuMsPerStep: number | null;
  kernels: { name: string; ms: number }[];
  target: { id?: string; none?: string };
}

/** An entry's figures from the kernels' own counts: every kernel of its step modelled, bytes against the floor, FLOPs against the peak. */
function expectCosted(e: Record<string, unknown>, peakKnown: boolean) {
  expect(e.unmodelledKernels, `unmodelled kernels in ${String(e.arm ?? 'a batch')}`).toBeUndefined();
  expect(e.bytesOverFloor).toBeGreaterThanOrEqual(1);
  expect(e.flopsPerStep).toBeGreaterThan(0);
  if (peakKnown) expect(e.flopFractionOfPeak).toBeGreaterThan(0);
  else expect(e.flopFractionOfPeak).toBeNull();
}

/** One arm's or a batch's entry: a speed, the per-kernel split where timestamps exist, and a target or why none. */
function expectTimed(e: Timed & { stepsPerSecondPerArm?: number }, timestamps: boolean) {
  expect(e.stepsPerSecond ?? e.stepsPerSecondPerArm).toBeGreaterThan(0);
  if (timestamps) {
    expect(e.gpuMsPerStep).toBeGreaterThan(0);
    expect(e.kernels.length).toBeGreaterThan(0);
    for (const k of e.kernels) expect(k.ms).toBeGreaterThanOrEqual(0);
  }
  expect(e.target).toBeTruthy();
  expect(typeof e.target.id === 'string' || typeof e.target.none === 'string').toBe(true);
}

describe('bench:gpu --quick --json', () => {
  it('completes and reports the RNN, LSTM and baseline lanes, the yardsticks, the CPU engine, TF.js and the targets', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-gpu.ts', '--quick', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.complete).toBe(true);
    expect(out.quick).toBe(true);
    expect(typeof out.adapter.description).toBe('string');
    expect(out.skippedForTime).toEqual([]);
    const timestamps = out.timing === 'timestamp-query';
    // Dawn's timestamp rounding is turned off; the peak is null unless the adapter is one whose peak is known
    expect(out.dawnFlags).toContain('disable-dawn-features=timestamp_quantization');
    expect(out.peakFlops === null || out.peakFlops > 0).toBe(true);
    // the RNN
    expect(out.sizes.length).toBeGreaterThan(0);
    for (const size of out.sizes) {
      expect(size.oneArm.map((a: Timed) => a.arm)).toEqual(['k=0', 'k=4', 'k=n', 'full']);
      for (const arm of size.oneArm) expectTimed(arm, timestamps);
      expectTimed(size.batch, timestamps);
      expect(size.batch.lanes).toBeGreaterThan(1);
      // the kernels' own counts: at most 4 dispatches per step for one RTRL lane, bytes against the floor, FLOPs against the peak
      for (const e of [...size.oneArm, size.batch]) {
        expect(Number.isInteger(e.dispatchesPerStep) && e.dispatchesPerStep > 0).toBe(true);
        expect(e.bytesOverFloor).toBeGreaterThanOrEqual(1);
        expect('flopFractionOfPeak' in e).toBe(true);
        if (out.peakFlops === null) expect(e.flopFractionOfPeak).toBeNull();
      }
      for (const arm of size.oneArm) expect(arm.dispatchesPerStep).toBeLessThanOrEqual(4);
      // sparse k = 4 moves at most 1.3× the floor (one pass over P, the gradient from its row-block partials)
      if (size === out.sizes[out.sizes.length - 1]) expect(size.oneArm[1].bytesOverFloor).toBeLessThanOrEqual(1.3);
      // one sparse lane at k = n/8 gathered and on the masked dense tile, each timed (the route's evidence); its kernel time where timestamps exist
      expect(size.sparseRoutes.k).toBe(Math.ceil(size.n / 8));
      for (const r of [size.sparseRoutes.gather, size.sparseRoutes.dense]) {
        expect(r.wallMsPerStep).toBeGreaterThan(0);
        if (timestamps) expect(r.transportMs).toBeGreaterThan(0);
      }
      // the steps/s targets are for one lane; a batch is reported beside them with none
      expect(size.batch.target.none).toMatch(/batches are reported separately/);
      expect(size.kernels.copy.gbPerSecond).toBeGreaterThan(0);
      expect(size.kernels.matmul.gflopPerSecond).toBeGreaterThan(0);
      for (const k of [size.kernels.sparseK4, size.kernels.sparseKn, size.kernels.dense]) expect(k.target.id).toMatch(/vs-(copy|matmul)/);
      if (timestamps) {
        expect(size.kernels.sparseK4.bytesVsCopy).toBeGreaterThan(0);
        expect(size.kernels.dense.flopsVsMatmul).toBeGreaterThan(0);
        expect(typeof size.kernels.sparseK4.target.met).toBe('boolean');
      }
      expect(size.cpu.length).toBe(4);
    }
    // the LSTM's lanes: full and sparse k = 4, one arm and a batch
    expect(out.lstm.length).toBeGreaterThan(0);
    for (const size of out.lstm) {
      expect(size.oneArm.map((a: Timed) => a.arm)).toEqual(['full', 'k=4']);
      for (const arm of size.oneArm) expectTimed(arm, timestamps);
      expectTimed(size.batch, timestamps);
      for (const e of [...size.oneArm, size.batch]) expectCosted(e, out.peakFlops !== null);
      if (timestamps) expect(size.oneArm[0].kernels.map((k: { name: string }) => k.name)).toContain('lstmForward');
    }
    // the baselines' lanes: UORO, KF-RTRL, SnAp-1, TBPTT(20)
    expect(out.baselines.length).toBeGreaterThan(0);
    for (const size of out.baselines) {
      expect(size.oneArm.map((a: Timed) => a.arm)).toEqual(['uoro', 'kf', 'snap1', 'tbptt:20']);
      for (const arm of size.oneArm) expectTimed(arm, timestamps);
      expectTimed(size.batch, timestamps);
      for (const e of [...size.oneArm, size.batch]) expectCosted(e, out.peakFlops !== null);
      if (timestamps) {
        const names = (i: number) => size.oneArm[i].kernels.map((k: { name: string }) => k.name);
        expect(names(0)).toContain('uoroState');
        expect(names(1)).toContain('kfTransport');
        expect(names(3)).toContain('tbptt');
        expect(names(3)).toContain('tbpttGradient');
      }
    }
    // the targets: all four, each with the entries it applies to (the kernel ratios at every size)
    expect(out.targets.map((t: { id: string }) => t.id)).toEqual(['full-n256-steps', 'sparse-k4-n256-steps', 'sparse-vs-copy-bytes', 'dense-vs-matmul-flops']);
    for (const t of out.targets) expect(t.hardware).toBe(!out.adapter.software);
    expect(out.targets[2].entries.length).toBe(2 * out.sizes.length);
    expect(out.targets[3].entries.length).toBe(out.sizes.length);
    expect(out.tfjs.sizes.length).toBeGreaterThan(0);
  }, 300_000);
});
