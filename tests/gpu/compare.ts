/**
 * Comparisons shared by the GPU tests: a whole experiment, or one seed advanced in pieces, against the CPU
 * engine's; a batch carried over through snapshot()/restore() against one uninterrupted batch; and each
 * lane's first output per step against its CPU learner's.
 */
import { expect } from 'vitest';
import type { ExperimentConfig } from '../../src/engine/config';
import { runExperiment, SeedRun, type ExperimentResult, type SeedResult } from '../../src/engine/experiment';
import type { Learner } from '../../src/engine/learner';
import type { Rng } from '../../src/engine/rng';
import { allocateSequence, type Sequence } from '../../src/engine/tasks/task';
import type { BatchSnapshot, GpuBatch, GpuContext } from '../../src/gpu/batch';
import { GpuSeedRun, runExperimentGpu, type GpuExperimentResult } from '../../src/gpu/experimentGpu';

/** The worst differences a comparison saw (relative, except recovery in percentage points). */
export interface Agreement {
  step: number;
  mean: number;
  recovery: number;
  norm: number;
}

/**
 * Expects a GPU experiment to give the CPU engine's (the tolerances of experiment.gpu.test.ts): every arm
 * and seed's loss at each of `adaptSteps` steps within 2e-2 relative + 1e-5 absolute, its mean loss within
 * 1e-3 relative, its recovery within 1 percentage point (per seed and averaged over seeds), the same
 * divergence step, and each ‖P‖ sample (or its stand-in) within 1e-3 relative, NaN where the CPU's is.
 * Logs and returns the worst differences.
 */
export function expectExperimentsAgree(label: string, cpu: ExperimentResult, gpu: ExperimentResult, adaptSteps: number): Agreement {
  const worst: Agreement = { step: 0, mean: 0, recovery: 0, norm: 0 };
  cpu.seeds.forEach((cs, s) => {
    const gs = gpu.seeds[s];
    cs.arms.forEach((cw, a) => {
      const want = cs.losses[a];
      const got = gs.losses[a];
      for (let t = 0; t < adaptSteps; t++) {
        const err = Math.abs(got[t] - want[t]);
        if (Number.isFinite(want[t])) worst.step = Math.max(worst.step, err / Math.abs(want[t]));
        expect(err, `seed ${s} ${cw.label} step ${t}: GPU ${got[t]} CPU ${want[t]}`).toBeLessThanOrEqual(2e-2 * Math.abs(want[t]) + 1e-5);
      }
      const gw = gs.arms[a];
      expect(gw.label).toBe(cw.label);
      expect(gw.divergedAt, `seed ${s} ${cw.label} divergence step`).toBe(cw.divergedAt);
      worst.mean = Math.max(worst.mean, Math.abs(gw.meanLoss - cw.meanLoss) / cw.meanLoss);
      expect(Math.abs(gw.meanLoss - cw.meanLoss), `seed ${s} ${cw.label} mean loss`).toBeLessThanOrEqual(1e-3 * cw.meanLoss);
      if (Number.isFinite(cw.recovery)) {
        worst.recovery = Math.max(worst.recovery, Math.abs(gw.recovery - cw.recovery));
        expect(Math.abs(gw.recovery - cw.recovery), `seed ${s} ${cw.label} recovery`).toBeLessThanOrEqual(1);
      }
    });
    cs.sensitivityNorm.forEach((norms, a) => {
      expect(gs.sensitivityNorm[a]).toHaveLength(norms.length);
      norms.forEach((x, j) => {
        const y = gs.sensitivityNorm[a][j];
        if (Number.isNaN(x)) return expect(y).toBeNaN();
        worst.norm = Math.max(worst.norm, Math.abs(y - x) / x);
        expect(Math.abs(y - x) / x, `seed ${s} arm ${a} ‖P‖ sample ${j}: GPU ${y} CPU ${x}`).toBeLessThan(1e-3);
      });
    });
  });
  cpu.arms.forEach((arm, a) => {
    if (Number.isFinite(arm.recovery.mean)) expect(Math.abs(gpu.arms[a].recovery.mean - arm.recovery.mean)).toBeLessThanOrEqual(1);
  });
  console.log(
    `${label} GPU vs CPU: worst per-step relative loss difference ${worst.step.toExponential(2)}, ` +
      `mean loss ${worst.mean.toExponential(2)}, recovery ${worst.recovery.toFixed(3)} points, ‖P‖ ${worst.norm.toExponential(2)}`,
  );
  return worst;
}

/** Runs `config` on both engines, the GPU's in one batch, and expects them to agree (expectExperimentsAgree). */
export async function expectGpuExperiment(
  label: string,
  ctx: GpuContext,
  config: ExperimentConfig,
): Promise<{ cpu: ExperimentResult; gpu: GpuExperimentResult }> {
  const cpu = runExperiment(config);
  const gpu = await runExperimentGpu(ctx, config);
  expect(gpu.plan.waves).toHaveLength(1);
  expectExperimentsAgree(label, cpu, gpu, config.adaptSteps);
  return { cpu, gpu };
}

/**
 * Advances a GpuSeedRun of `seed` in `pieces` (uneven, to its end) and expects SeedRun's result: each arm's
 * mean loss within 1e-3 relative, and each sparse arm's count of selections drawn. Returns both results.
 */
export async function expectSeedRunInPieces(
  ctx: GpuContext,
  config: ExperimentConfig,
  seed: number,
  pieces: number[],
): Promise<{ got: SeedResult; want: SeedResult }> {
  const run = await GpuSeedRun.create(ctx, config, seed, { readbackEvery: 16 });
  try {
    for (const piece of pieces) await run.advance(piece);
    expect(run.done).toBe(true);
    const cpu = new SeedRun(config, seed);
    while (!cpu.done) cpu.step();
    const want = cpu.result();
    const got = run.result();
    got.arms.forEach((a, i) => expect(Math.abs(a.meanLoss - want.arms[i].meanLoss)).toBeLessThanOrEqual(1e-3 * want.arms[i].meanLoss));
    config.arms.forEach((arm, a) => {
      if (arm.kind === 'sparse') expect(run.batch.selectionsDrawn[a]).toBe(cpu.learners[a].selectionsDrawn);
    });
    return { got, want };
  } finally {
    run.destroy();
  }
}

/** Steps `from` to `to` of `seq` as a sequence of their own (the stream a carried-over batch continues on). */
export function sliceSequence(seq: Sequence, from: number, to: number): Sequence {
  const { inputSize: m, outputSize: o } = seq;
  const s = allocateSequence(to - from, m, o);
  s.x.set(seq.x.subarray(from * m, to * m));
  s.y.set(seq.y.subarray(from * o, to * o));
  s.errorMask.set(seq.errorMask.subarray(from, to));
  s.reset.set(seq.reset.subarray(from, to));
  return s;
}

/**
 * Carry-over: runs `seq` in one batch ('whole') and in two, the first `cut` steps ('first'), then a batch
 * ('second') restored from first's snapshot for the rest, and expects every lane's losses to be the whole
 * batch's, bit for bit. `make` builds each batch on its part of the stream; `onSnapshot` checks first's
 * snapshot, `atEnd` the whole and second batches after the run.
 */
export async function expectCarryOver(
  seq: Sequence,
  cut: number,
  make: (part: Sequence, label: 'whole' | 'first' | 'second') => Promise<GpuBatch>,
  { onSnapshot, atEnd }: { onSnapshot?: (snap: BatchSnapshot, first: GpuBatch) => void; atEnd?: (whole: GpuBatch, second: GpuBatch) => Promise<void> } = {},
): Promise<void> {
  const whole = await make(seq, 'whole');
  const first = await make(sliceSequence(seq, 0, cut), 'first');
  let second: GpuBatch | undefined;
  try {
    await whole.advance(seq.length);
    await first.advance(cut);
    const snap = await first.snapshot();
    onSnapshot?.(snap, first);
    second = await make(sliceSequence(seq, cut, seq.length), 'second');
    second.restore(snap);
    await second.advance(seq.length - cut);
    whole.losses.forEach((losses, a) => {
      expect(Array.from(first.losses[a]), `lane ${a} first part`).toEqual(Array.from(losses.subarray(0, cut)));
      expect(Array.from(second!.losses[a]), `lane ${a} second part`).toEqual(Array.from(losses.subarray(cut)));
    });
    await atEnd?.(whole, second);
  } finally {
    whole.destroy();
    first.destroy();
    second?.destroy();
  }
}

/**
 * A stream for the step record's check: x ~ N(0, 1) from `r`, y_t[j] = target(t, j), an error-free step
 * every `gap` steps and a reset at `resetAt`.
 */
export function outputsStream(steps: number, m: number, o: number, r: Rng, target: (t: number, j: number) => number, gap: number, resetAt: number): Sequence {
  const seq = allocateSequence(steps, m, o);
  for (let t = 0; t < steps; t++) {
    for (let l = 0; l < m; l++) seq.x[t * m + l] = r.normal();
    for (let j = 0; j < o; j++) seq.y[t * o + j] = target(t, j);
    seq.errorMask[t] = t % gap === gap - 1 ? 0 : 1;
  }
  seq.reset[resetAt] = 1;
  return seq;
}

/**
 * Expects each lane's first output per step, read back with the losses (batch.outputs), to be its CPU
 * learner's y_t[0] within 1e-4 · (1 + |y|); `learner(a)` makes lane a's twin, which is stepped through `seq`.
 */
export function expectOutputs(batch: GpuBatch, seq: Sequence, learner: (a: number) => Learner): void {
  batch.outputs.forEach((outputs, a) => {
    const cpu = learner(a);
    for (let t = 0; t < seq.length; t++) {
      cpu.step(seq, t);
      const want = cpu.output();
      const got = outputs[t];
      expect(Math.abs(got - want), `lane ${a} step ${t}: GPU ${got}, CPU ${want}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want)));
    }
  });
}
