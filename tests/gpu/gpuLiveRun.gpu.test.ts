/**
 * The app's GPU path (src/app/worker/gpuLiveRun.ts) against the CPU LiveRun: same pretraining and lead-in, then
 * the post-drift losses of every arm agree within experiment.gpu.test.ts's per-step tolerance (2e-2
 * relative + 1e-5 absolute). A live k change rebuilds the batch and keeps going; a lost device rejects
 * with a GpuError (the worker then falls back to the CPU).
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/batch';
import { GpuError } from '../../src/gpu/errors';
import { GpuLiveRun } from '../../src/app/worker/gpuLiveRun';
import { DEFAULT_PARAMS, type LabParams } from '../../src/app/labParams';
import type { LiveEngine, StepTrace } from '../../src/app/worker/liveEngine';
import { LEAD_IN_STEPS, LiveRun } from '../../src/app/worker/liveRun';
import { TRACE_WINDOW } from '../../src/app/page/lossSeries';
import { backendHint, gpuRefusal } from '../../src/app/gpuSupport';
import { runsOnGpu } from '../../src/engine/methods';
import { deviceForFile, nodeContext } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

const OPTIONS = { pretrainSteps: 400, pretrainEpochs: 2, includeFull: true };
const params = (o: Partial<LabParams> = {}): LabParams => ({ ...DEFAULT_PARAMS, n: 8, k: 2, model: 'rnn', ...o });

/** Advances `run` by the given pieces, each with a task-strip trace as the worker asks; the losses and the trace, whole. */
async function traced(run: LiveEngine, pieces: number[]): Promise<{ losses: Float32Array[]; trace: StepTrace; scored: Uint8Array }> {
  const total = pieces.reduce((a, b) => a + b, 0);
  const losses = run.arms.map(() => new Float32Array(total));
  const scored = new Uint8Array(total);
  const trace: StepTrace = { input: new Float32Array(total), target: new Float32Array(total), prediction: run.arms.map(() => new Float32Array(total)) };
  let done = 0;
  for (const piece of pieces) {
    const part = (x: Float32Array) => x.subarray(done, done + piece);
    const trace1 = { input: part(trace.input), target: part(trace.target), prediction: trace.prediction.map(part) };
    await run.advance(piece, losses.map(part), { trace: trace1, scored: scored.subarray(done, done + piece) });
    done += piece;
  }
  return { losses, trace, scored };
}

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
      await gpu.advance(
        piece,
        got.map((g) => g.subarray(done, done + piece)),
      );
      done += piece;
    }
    expect(done).toBe(steps);
    expect(gpu.step).toBe(cpu.step);
    expect(gpu.arms.map((a) => a.id)).toEqual(['frozen', 'full', 'k0', 'k', 'readout']);
    for (let a = 0; a < cpu.arms.length; a++) {
      for (let t = 0; t < steps; t++) {
        expect(Math.abs(got[a][t] - want[a][t]), `arm ${cpu.arms[a].id} step ${t}: GPU ${got[a][t]} CPU ${want[a][t]}`).toBeLessThanOrEqual(
          2e-2 * Math.abs(want[a][t]) + 1e-5,
        );
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
    await gpu.advance(
      LEAD_IN_STEPS + 20,
      b.map((x) => x.subarray(0, LEAD_IN_STEPS + 20)),
    );
    await gpu.setSparse(4, 'random');
    expect(gpu.arms[3].label).toBe('k = 4');
    expect(gpu.markers.at(-1)?.label).toBe('k = 4');
    await gpu.advance(
      20,
      b.map((x) => x.subarray(LEAD_IN_STEPS + 20)),
    );
    // frozen, full and k = 0 do not see the change: the rebuild carried their state over exactly
    for (const arm of [0, 1, 2]) expect(Array.from(b[arm])).toEqual(Array.from(a[arm]));
    expect(b[3].every(Number.isFinite)).toBe(true);
    expect(gpu.keptPaths()?.sources.length).toBe(8 * 4);
    ref.dispose();
    gpu.dispose();
  });

  it('fills the task strip as the CPU does: input, target and each arm’s prediction at every step (the lanes’ recorded outputs)', async () => {
    const cpu = new LiveRun(params(), OPTIONS);
    const gpu = GpuLiveRun.create(ctx, params(), OPTIONS);
    expect(gpu.traces).toBe(true);
    // the lead-in, across the drift, single steps, a long piece while the drift is in the strip's window,
    // and a long one past it: every step has each arm's prediction (the forward kernel records y_t[0])
    const long = 24;
    const inWindow = TRACE_WINDOW - 50;
    const pieces = [100, 70, 1, 29, inWindow, long];
    const want = await traced(cpu, pieces);
    const got = await traced(gpu, pieces);
    const total = want.trace.input.length;
    expect(Array.from(got.trace.input)).toEqual(Array.from(want.trace.input));
    expect(Array.from(got.trace.target)).toEqual(Array.from(want.trace.target));
    expect(total).toBe(LEAD_IN_STEPS + TRACE_WINDOW + long);
    for (let a = 0; a < cpu.arms.length; a++) {
      for (let t = 0; t < total; t++) {
        const g = got.trace.prediction[a][t];
        const w = want.trace.prediction[a][t];
        expect(Math.abs(g - w), `arm ${cpu.arms[a].id} step ${t}: GPU ${g} CPU ${w}`).toBeLessThanOrEqual(1e-3 + 1e-3 * Math.abs(w));
      }
    }
    // after the drift the arms part ways: the strip shows more than one line
    const last = total - 1;
    expect(new Set(got.trace.prediction.map((p) => p[last].toFixed(6))).size).toBeGreaterThan(1);
    gpu.dispose();
  });

  it('traces steps without an error signal too (the adding task): the output the step computed', async () => {
    const p = { task: 'adding' as const, lr: 3e-3 };
    const cpu = new LiveRun(params(p), OPTIONS);
    const gpu = GpuLiveRun.create(ctx, params(p), OPTIONS);
    const pieces = [LEAD_IN_STEPS, 30];
    const want = await traced(cpu, pieces);
    const got = await traced(gpu, pieces);
    expect(gpu.sparseError).toBe(true);
    let unscored = 0;
    for (let t = LEAD_IN_STEPS; t < LEAD_IN_STEPS + 30; t++) {
      for (let a = 0; a < cpu.arms.length; a++) {
        const w = want.trace.prediction[a][t];
        expect(Math.abs(got.trace.prediction[a][t] - w), `arm ${a} step ${t}`).toBeLessThanOrEqual(1e-3 + 1e-3 * Math.abs(w));
      }
      if (got.scored[t] === 0) unscored++;
    }
    expect(Array.from(got.scored)).toEqual(Array.from(want.scored));
    // most steps of a sequence carry no error signal: their outputs are recorded as well
    expect(unscored).toBeGreaterThan(10);
    gpu.dispose();
  });

  it('k = 0 set after the drift renames the arm as the CPU does, keyed by arm id, shown once', async () => {
    const cpu = new LiveRun(params(), OPTIONS);
    const gpu = GpuLiveRun.create(ctx, params(), OPTIONS);
    const pre = LEAD_IN_STEPS + 10;
    await cpu.advance(
      pre,
      cpu.arms.map(() => new Float32Array(pre)),
    );
    await gpu.advance(
      pre,
      gpu.arms.map(() => new Float32Array(pre)),
    );
    cpu.setSparse(0, 'random');
    await gpu.setSparse(0, 'random');
    expect(gpu.arms).toEqual(cpu.arms);
    expect(gpu.arms[3]).toEqual({ id: 'k', label: `k = 0 since step ${pre}` });
    expect(new Set(gpu.arms.map((a) => a.id)).size).toBe(gpu.arms.length);
    expect(gpu.arms.filter((a) => a.label === 'k = 0')).toHaveLength(1);
    // k = n: the same, named apart from full RTRL
    cpu.setSparse(8, 'random');
    await gpu.setSparse(8, 'random');
    expect(gpu.arms[3]).toEqual({ id: 'k', label: `k = 8 since step ${pre}` });
    expect(gpu.arms).toEqual(cpu.arms);
    gpu.dispose();
  });

  it('a k arm that starts as a twin (k = 0) is no lane of its own; a k change after the drift splits it off from its twin’s state, as on the CPU', async () => {
    const cpu = new LiveRun(params({ k: 0 }), OPTIONS);
    const gpu = GpuLiveRun.create(ctx, params({ k: 0 }), OPTIONS);
    expect(gpu.arms[3].sameAs).toBe('k0');
    const pre = LEAD_IN_STEPS + 20;
    const want = cpu.arms.map(() => new Float32Array(pre + 20));
    const got = gpu.arms.map(() => new Float32Array(pre + 20));
    cpu.advance(
      pre,
      want.map((x) => x.subarray(0, pre)),
    );
    await gpu.advance(
      pre,
      got.map((x) => x.subarray(0, pre)),
    );
    // the twin reads the k = 0 lane's losses, exactly
    expect(Array.from(got[3])).toEqual(Array.from(got[2]));
    cpu.setSparse(2, 'random');
    await gpu.setSparse(2, 'random');
    expect(gpu.arms[3]).toEqual({ id: 'k', label: 'k = 2' });
    cpu.advance(
      20,
      want.map((x) => x.subarray(pre)),
    );
    await gpu.advance(
      20,
      got.map((x) => x.subarray(pre)),
    );
    for (let a = 0; a < cpu.arms.length; a++) {
      for (let t = pre; t < pre + 20; t++) {
        expect(Math.abs(got[a][t] - want[a][t]), `arm ${cpu.arms[a].id} step ${t}: GPU ${got[a][t]} CPU ${want[a][t]}`).toBeLessThanOrEqual(
          2e-2 * Math.abs(want[a][t]) + 1e-5,
        );
      }
    }
    // the k arm now learns with its own mask: it leaves the k = 0 arm's curve
    expect(Array.from(got[3].subarray(pre))).not.toEqual(Array.from(got[2].subarray(pre)));
    expect(gpu.keptPaths()?.sources.length).toBe(8 * 2);
    gpu.dispose();
  });

  it('gives the cost meter its kernel timings and the badge its sparse kernel and timing source', async () => {
    const gpu = GpuLiveRun.create(ctx, params(), OPTIONS);
    const info = gpu.gpuInfo();
    expect(info.software).toBe(ctx.software);
    expect(info.adapter).toBe(ctx.description);
    // known before the first batch: the badge shows it from the start
    expect(info.sparseTransport).toMatch(ctx.software ? /^sparse transport: scalar, barrier-free \(software adapter/ : /^sparse transport: vec4/);
    expect(info.timingSource).toBe(ctx.device.features.has('timestamp-query') ? 'timestamp-query' : 'submit-to-done');
    expect(gpu.kernelTimings()).toBeNull();
    await gpu.advance(
      LEAD_IN_STEPS + 60,
      gpu.arms.map(() => new Float32Array(LEAD_IN_STEPS + 60)),
    );
    const t = gpu.kernelTimings()!;
    expect(t.source).toBe(info.timingSource);
    expect(t.steps).toBeGreaterThan(0);
    expect(t.msPerStep).toBeGreaterThan(0);
    if (t.source === 'timestamp-query') {
      expect(t.kernels.map((k) => k.name)).toContain('forward');
      expect(t.kernels.every((k) => k.ms >= 0)).toBe(true);
    } else {
      expect(t.kernels).toEqual([]);
    }
    expect(gpu.sparseTransport()).toBe(info.sparseTransport);
    gpu.dispose();
  });

  it('runs the LSTM on the GPU (its lanes in GpuBatch): losses and task strip as the CPU LiveRun, and a live k change as the CPU makes it', async () => {
    const p = params({ model: 'lstm', lr: 1e-3 });
    const cpu = new LiveRun({ ...p }, OPTIONS);
    const gpu = GpuLiveRun.create(ctx, { ...p }, OPTIONS);
    const before = gpu.sparseTransport();
    expect(before).toMatch(ctx.software ? /software adapter/ : /hardware adapter/);
    const pre = LEAD_IN_STEPS + 20;
    const want = await traced(cpu, [pre]);
    const got = await traced(gpu, [pre]);
    cpu.setSparse(4, 'random');
    await gpu.setSparse(4, 'random');
    expect(gpu.arms).toEqual(cpu.arms);
    const want2 = await traced(cpu, [20]);
    const got2 = await traced(gpu, [20]);
    for (const [w, g, from] of [
      [want, got, 0],
      [want2, got2, pre],
    ] as const) {
      for (let a = 0; a < cpu.arms.length; a++) {
        for (let t = 0; t < w.losses[a].length; t++) {
          const wl = w.losses[a][t];
          expect(Math.abs(g.losses[a][t] - wl), `arm ${cpu.arms[a].id} step ${from + t}: GPU ${g.losses[a][t]} CPU ${wl}`).toBeLessThanOrEqual(
            2e-2 * Math.abs(wl) + 1e-5,
          );
          const wp = w.trace.prediction[a][t];
          expect(Math.abs(g.trace.prediction[a][t] - wp), `prediction arm ${a} step ${from + t}`).toBeLessThanOrEqual(1e-3 + 1e-3 * Math.abs(wp));
        }
      }
    }
    expect(gpu.kernelTimings()?.steps).toBeGreaterThan(0);
    // the LSTM's kernels chosen by adapter, the same line before the first batch (the badge) and after it
    expect(gpu.sparseTransport()).toMatch(/^LSTM transport: sparse lanes run a fused cell\/output gather/);
    expect(gpu.sparseTransport()).toBe(before);
    expect(gpu.keptPaths()).toBeNull();
    gpu.dispose();
  });

  it('goes to the GPU for the models whose live arms the methods’ registry puts there, and says why not in one line', () => {
    const lstmOnGpu = [{ kind: 'frozen' }, { kind: 'full' }, { kind: 'sparse', k: 2, strategy: 'random', refreshEvery: 0, rescale: false }].every((m) =>
      runsOnGpu(m as never, 'lstm'),
    );
    expect(gpuRefusal(params())).toBeNull();
    expect(gpuRefusal(params({ model: 'lstm' })) === null).toBe(lstmOnGpu);
    expect(gpuRefusal(params({ model: 'transformer' }))).toMatch(/the transformer runs on the CPU engine/);
    expect(() => GpuLiveRun.create(ctx, params({ model: 'transformer' }), OPTIONS)).toThrow(GpuError);
    const hint = backendHint();
    expect(hint).toContain(lstmOnGpu ? 'for the RNN and the LSTM' : 'for the RNN (every arm); the LSTM');
    expect(hint).not.toMatch(/RNN only/);
  });

  it('runs the baselines a user adds as lanes beside the others: every arm as the CPU LiveRun; where the registry has no lane, it says so', async () => {
    for (const baselines of [['uoro', 'kf', 'tbptt'], ['snap1']] as LabParams['baselines'][]) {
      const p = params({ baselines, truncation: 3 });
      expect(gpuRefusal(p)).toBeNull();
      const cpu = new LiveRun(p, OPTIONS);
      const gpu = GpuLiveRun.create(ctx, p, OPTIONS);
      const steps = LEAD_IN_STEPS + 40;
      const want = cpu.arms.map(() => new Float32Array(steps));
      const got = gpu.arms.map(() => new Float32Array(steps));
      cpu.advance(steps, want);
      await gpu.advance(steps, got);
      expect(gpu.arms.map((a) => a.id)).toEqual(['frozen', 'full', 'k0', 'k', 'readout', ...baselines]);
      for (let a = 0; a < cpu.arms.length; a++) {
        for (let t = LEAD_IN_STEPS; t < steps; t++) {
          expect(Math.abs(got[a][t] - want[a][t]), `arm ${cpu.arms[a].id} step ${t}: GPU ${got[a][t]} CPU ${want[a][t]}`).toBeLessThanOrEqual(
            2e-2 * Math.abs(want[a][t]) + 1e-5,
          );
        }
      }
      // a baseline learns: by the end its loss is no longer frozen's
      expect(got[5][steps - 1]).not.toBe(got[0][steps - 1]);
      gpu.dispose();
    }
    // the registry puts no LSTM baseline on the GPU: the run stays on the CPU, and the line says which
    if (!runsOnGpu({ kind: 'uoro' }, 'lstm')) expect(gpuRefusal(params({ model: 'lstm', baselines: ['uoro'] }))).toMatch(/does not run uoro for the LSTM/);
  });

  it('a lost device rejects advance() with a GpuError', async () => {
    const own = await nodeContext();
    const gpu = GpuLiveRun.create(own, params(), OPTIONS);
    await gpu.advance(
      LEAD_IN_STEPS + 5,
      gpu.arms.map(() => new Float32Array(LEAD_IN_STEPS + 5)),
    );
    own.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await expect(
      gpu.advance(
        5,
        gpu.arms.map(() => new Float32Array(5)),
      ),
    ).rejects.toBeInstanceOf(GpuError);
    gpu.dispose();
  });
});
