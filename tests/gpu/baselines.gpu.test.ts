/**
 * The baselines on the GPU against the CPU engine's estimators. UORO and KF-RTRL (uoro*.wgsl, kf*.wgsl;
 * their signs drawn on the host from the same noise streams as the CPU learners'): step by step, loss, h,
 * θ, readout and the factors (s, θ̃ / u, Aᵀ) within 1e-4 (h, θ, readout) and 1e-3 (factors) of the largest
 * CPU entry, and losses within 1e-3 relative + 1e-6 over 22 steps (observed: 3.5e-5, 3.8e-6, 2.8e-6);
 * two lanes with their own streams must differ, so the draws reach the result; snapshot()/restore()
 * carries them over bit for bit. TBPTT(τ) (tbptt.wgsl, one workgroup per
 * lane backpropagating through its window) beside the RTRL lanes, per-step losses within the same
 * tolerance as below. SnAp-1 (a sparse lane with each unit's own path, src/gpu/batch.ts laneTransport)
 * against methods/snap1.ts: the loss curves of a run with Adam, error-free steps
 * and a reset agree per step. Tolerance as property.gpu.test.ts (1e-3 relative + 1e-6 absolute per step):
 * the GPU computes (1-α)e + (d_i W_ii) e where the CPU computes ((1-α) + d_i W_ii) e, and float32
 * rounding over 24 steps stays near 1e-5; a wrong path or index is off by far more. The same run with
 * the arm as a plain sparse arm of k = 1 (a random path per unit) must differ, so the test can fail.
 */
import { expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { OnlineLearner } from '../../src/engine/learner';
import type { LearningMethod } from '../../src/engine/methods';
import { KfRtrlEstimator } from '../../src/engine/methods/kfRtrl';
import { UoroEstimator } from '../../src/engine/methods/uoro';
import { initRnn, RnnModel, type RnnParams } from '../../src/engine/models/rnn';
import type { OptimizerConfig } from '../../src/engine/optimizer';
import type { Sequence } from '../../src/engine/tasks/task';
import { Rng } from '../../src/engine/rng';
import { selectPaths } from '../../src/engine/transportMask';
import { GpuBatch, type GpuContext } from '../../src/gpu/batch';
import { kfRecord, uoroRecord } from '../../src/gpu/layout';
import { checkSequence } from '../../src/gpu/verify';
import { expectCarryOver } from './compare';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

/**
 * One case: an RNN with weights from `seed`, and a check stream from `seed + 1` with an error-free step every
 * `gap` steps and a reset at `resetAt`. `r` is the stream's generator, which the test draws on further.
 */
function checkCase(c: {
  n: number;
  m: number;
  leak: number;
  gain: number;
  seed: number;
  steps: number;
  target: (t: number) => number;
  gap: number;
  resetAt: number;
}) {
  const shape = { n: c.n, m: c.m, o: 1, leak: c.leak };
  const params = initRnn(shape, new Rng(c.seed), { gain: c.gain, inputScale: 1 });
  const r = new Rng(c.seed + 1);
  const seq = checkSequence(c.steps, c.m, r, c.target);
  for (let t = 0; t < c.steps; t++) seq.errorMask[t] = t % c.gap === c.gap - 1 ? 0 : 1;
  seq.reset[c.resetAt] = 1;
  return { shape, params, r, seq };
}

it('SnAp-1 lanes give the CPU SnAp-1 learner’s losses (Adam, gaps in the error signal, a reset)', async () => {
  const steps = 24;
  const { shape, params, r, seq } = checkCase({ n: 6, m: 1, leak: 0.6, gain: 1.4, seed: 71, steps, target: (t) => Math.sin(0.4 * t), gap: 4, resetAt: 13 });
  const optimizer = { kind: 'adam' as const, lr: 2e-2, clipNorm: 0 };
  const k1 = sparseArm(1, 'random');
  const methods: LearningMethod[] = [{ kind: 'snap1' }, k1, { kind: 'frozen' }, { kind: 'snap1' }];
  const src = new Int32Array(shape.n);
  selectPaths('random', params.theta, shape.n, 1, new Rng(73), src);
  const hInit = Float32Array.from({ length: shape.n }, () => r.normal() * 0.3);
  const batch = await GpuBatch.create(
    ctx,
    shape,
    [seq],
    methods.map((method) => ({ method, params, hInit, sources: method.kind === 'sparse' ? src : undefined, stream: 0 })),
    { optimizer, readbackEvery: 7, label: 'snap1' },
  );
  try {
    await batch.advance(steps);
    const cpu = new OnlineLearner(new RnnModel(params, hInit), { kind: 'snap1' }, { optimizer, selectionRng: new Rng(74) });
    const want = Array.from({ length: steps }, (_, t) => cpu.step(seq, t));
    for (const lane of [0, 3]) {
      for (let t = 0; t < steps; t++) {
        const got = batch.losses[lane][t];
        expect(Math.abs(got - want[t]), `lane ${lane} step ${t}: GPU ${got}, CPU ${want[t]}`).toBeLessThanOrEqual(1e-3 * Math.abs(want[t]) + 1e-6);
      }
    }
    // a random single path is not SnAp-1: the curves part once the weights have moved
    const worst = Math.max(...want.map((w, t) => Math.abs(batch.losses[1][t] - w) / Math.max(1e-6, Math.abs(w))));
    expect(worst).toBeGreaterThan(1e-3);
  } finally {
    batch.destroy();
  }
});

/**
 * Every lane of `methods` (the batch's lanes, in order) but those of `skip`'s kinds against its CPU learner,
 * step by step over the batch's steps: |GPU − CPU| ≤ 1e-3 |CPU| + 1e-6. Returns the worst relative difference.
 */
function expectCpuLosses(
  batch: GpuBatch,
  methods: LearningMethod[],
  params: RnnParams,
  seq: Sequence,
  optimizer: OptimizerConfig,
  skip: string[] = [],
): number {
  let worst = 0;
  for (const [lane, method] of methods.entries()) {
    if (skip.includes(method.kind)) continue;
    const cpu = new OnlineLearner(new RnnModel(params), method, { optimizer, selectionRng: new Rng(84) });
    for (let t = 0; t < batch.steps; t++) {
      const want = cpu.step(seq, t);
      const got = batch.losses[lane][t];
      worst = Math.max(worst, Math.abs(got - want) / Math.max(1e-6, Math.abs(want)));
      expect(Math.abs(got - want), `${method.kind} lane ${lane} step ${t}: GPU ${got}, CPU ${want}`).toBeLessThanOrEqual(1e-3 * Math.abs(want) + 1e-6);
    }
  }
  return worst;
}

it('TBPTT(τ) lanes give the CPU TBPTT learner’s losses (τ = 1, 4, 30; beside full, sparse and SnAp-1 lanes)', async () => {
  const steps = 26;
  const { shape, params, seq } = checkCase({ n: 7, m: 2, leak: 0.5, gain: 1.3, seed: 81, steps, target: (t) => Math.cos(0.3 * t), gap: 5, resetAt: 17 });
  const optimizer = { kind: 'adam' as const, lr: 2e-2, clipNorm: 0.5 };
  const tb = (truncation: number): LearningMethod => ({ kind: 'tbptt', truncation });
  const src = new Int32Array(shape.n * 2);
  selectPaths('random', params.theta, shape.n, 2, new Rng(83), src);
  const methods: LearningMethod[] = [tb(4), { kind: 'full' }, tb(1), sparseArm(2, 'random'), { kind: 'frozen' }, tb(30), { kind: 'snap1' }];
  const batch = await GpuBatch.create(
    ctx,
    shape,
    [seq],
    methods.map((method) => ({ method, params, sources: method.kind === 'sparse' ? src : undefined, stream: 0 })),
    { optimizer, readbackEvery: 6, label: 'tbptt' },
  );
  try {
    await batch.advance(steps);
    expectCpuLosses(batch, methods, params, seq, optimizer, ['sparse']);
    // τ = 1 and τ = 30 differ from each other (the window's reach matters), so a kernel that ignored τ would fail
    const differ = batch.losses[2].some((x, t) => Math.abs(x - batch.losses[5][t]) > 1e-3 * Math.abs(x) + 1e-6);
    expect(differ).toBe(true);
  } finally {
    batch.destroy();
  }
});

it('TBPTT(τ) lanes whose gradient spans many workgroups (n = 40: 1,720 θ entries, 7 workgroups) give the CPU’s losses, SGD and a binding clip', async () => {
  const steps = 20;
  const { shape, params, seq } = checkCase({ n: 40, m: 2, leak: 0.4, gain: 1.2, seed: 61, steps, target: (t) => Math.sin(0.2 * t), gap: 6, resetAt: 11 });
  // SGD steps by the clipped gradient itself, so a wrong entry or a lost partial of Σg² moves the losses
  const optimizer = { kind: 'sgd' as const, lr: 5e-2, clipNorm: 0.05 };
  const methods: LearningMethod[] = [
    { kind: 'tbptt', truncation: 5 },
    { kind: 'tbptt', truncation: 12 },
  ];
  const batch = await GpuBatch.create(
    ctx,
    shape,
    [seq],
    methods.map((method) => ({ method, params, stream: 0 })),
    { optimizer, readbackEvery: 7, label: 'tbptt n=40' },
  );
  try {
    await batch.advance(steps);
    const worst = expectCpuLosses(batch, methods, params, seq, optimizer);
    console.log(`TBPTT n = 40 GPU vs CPU: worst relative loss ${worst.toExponential(2)}`);
    // the two windows learn differently, so the window's reach is in the result
    expect(batch.losses[0].some((x, t) => Math.abs(x - batch.losses[1][t]) > 1e-3 * Math.abs(x) + 1e-6)).toBe(true);
  } finally {
    batch.destroy();
  }
});

/** max |a - b| over the entries, against max |b| */
function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): { abs: number; scale: number } {
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { abs, scale };
}

it('UORO and KF-RTRL lanes follow the CPU learners step by step (loss, h, θ, readout, factors), noise from the same streams', async () => {
  const steps = 22;
  const stepwise = 9;
  const { shape, params, r, seq } = checkCase({ n: 6, m: 2, leak: 0.5, gain: 1.3, seed: 91, steps, target: (t) => Math.sin(0.5 * t), gap: 4, resetAt: 6 });
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 1 };
  const methods: LearningMethod[] = [
    { kind: 'uoro' },
    { kind: 'kf' },
    { kind: 'full' },
    { kind: 'frozen' },
    { kind: 'uoro' },
    { kind: 'tbptt', truncation: 3 },
    { kind: 'kf' },
  ];
  const noise = (a: number) => Rng.forLabel(91, `noise ${a}`);
  const hInit = Float32Array.from({ length: shape.n }, () => r.normal() * 0.3);
  // readbackEvery 4: the later chunks of 4 steps go round the noise ring
  const batch = await GpuBatch.create(
    ctx,
    shape,
    [seq],
    methods.map((method, a) => ({ method, params, hInit, noiseRng: noise(a), stream: 0 })),
    { optimizer, readbackEvery: 4, label: 'uoro-kf' },
  );
  const cpu = methods.map((method, a) => new OnlineLearner(new RnnModel(params, hInit), method, { optimizer, selectionRng: new Rng(92), noiseRng: noise(a) }));
  const layout = batch.layout;
  const worst = { loss: 0, state: 0, factors: 0 };
  const check = (what: string, got: ArrayLike<number>, want: ArrayLike<number>, rel: number, key: keyof typeof worst) => {
    const d = worstDiff(got, want);
    worst[key] = Math.max(worst[key], d.abs / Math.max(d.scale, 1e-6));
    expect(d.abs, `${what}: worst |GPU - CPU| ${d.abs} against max |CPU| ${d.scale}`).toBeLessThanOrEqual(rel * d.scale + 1e-6);
  };
  try {
    const want = methods.map(() => new Float64Array(steps));
    for (let t = 0; t < stepwise; t++) {
      await batch.advance(1);
      const snap = await batch.snapshot();
      methods.forEach((method, a) => {
        want[a][t] = cpu[a].step(seq, t);
        if (method.kind !== 'uoro' && method.kind !== 'kf') return;
        const lane = snap.lanes[a];
        const at = `${method.kind} lane ${a} after step ${t}`;
        check(`${at} h`, lane.h, cpu[a].state.h, 1e-4, 'state');
        check(`${at} θ`, lane.theta, cpu[a].params.theta, 1e-4, 'state');
        check(`${at} readout`, lane.readout, cpu[a].params.readout, 1e-4, 'state');
        if (method.kind === 'uoro') {
          const est = cpu[a].estimator as UoroEstimator;
          const rec = uoroRecord(layout);
          check(`${at} s`, lane.factors!.subarray(rec.s, rec.s + shape.n), est.s, 1e-3, 'factors');
          check(`${at} θ̃`, lane.factors!.subarray(rec.tt, rec.tt + layout.p), est.thetaTilde, 1e-3, 'factors');
        } else {
          const est = cpu[a].estimator as KfRtrlEstimator;
          const rec = kfRecord(layout);
          check(`${at} u`, lane.factors!.subarray(rec.u, rec.u + layout.n + layout.m + 1), est.u, 1e-3, 'factors');
          check(`${at} Aᵀ`, lane.factors!.subarray(rec.a, rec.a + shape.n * shape.n), est.aT, 1e-3, 'factors');
        }
      });
    }
    await batch.advance(steps - stepwise);
    for (let t = stepwise; t < steps; t++) methods.forEach((_, a) => (want[a][t] = cpu[a].step(seq, t)));
    methods.forEach((method, a) => {
      for (let t = 0; t < steps; t++) {
        const got = batch.losses[a][t];
        worst.loss = Math.max(worst.loss, Math.abs(got - want[a][t]) / Math.max(1e-6, Math.abs(want[a][t])));
        expect(Math.abs(got - want[a][t]), `${method.kind} lane ${a} step ${t}: GPU ${got}, CPU ${want[a][t]}`).toBeLessThanOrEqual(
          1e-3 * Math.abs(want[a][t]) + 1e-6,
        );
      }
    });
    // two UORO lanes (and two KF lanes) with their own streams differ: the draws reach the result
    for (const [x, y] of [
      [0, 4],
      [1, 6],
    ])
      expect(batch.losses[x].some((v, t) => Math.abs(v - batch.losses[y][t]) > 1e-3 * Math.abs(v) + 1e-6)).toBe(true);
    console.log(
      `UORO/KF-RTRL GPU vs CPU: worst relative loss ${worst.loss.toExponential(2)}, h/θ ${worst.state.toExponential(2)}, factors ${worst.factors.toExponential(2)}`,
    );
  } finally {
    batch.destroy();
  }
});

it('UORO and KF-RTRL lanes carry over: 6 steps, snapshot, restore, 4 more give one 10-step batch’s losses bit for bit', async () => {
  const { shape, params, seq } = checkCase({ n: 5, m: 1, leak: 0.6, gain: 1.2, seed: 111, steps: 10, target: (t) => Math.cos(0.4 * t), gap: 3, resetAt: 8 });
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  const methods: LearningMethod[] = [{ kind: 'kf' }, { kind: 'frozen' }, { kind: 'uoro' }];
  // the second batch reuses the first's lane specs: the noise streams carry on
  const specs = () => methods.map((method, a) => ({ method, params, noiseRng: Rng.forLabel(112, `noise ${a}`), stream: 0 }));
  const carried = specs();
  await expectCarryOver(
    seq,
    6,
    (part, label) => GpuBatch.create(ctx, shape, [part], label === 'whole' ? specs() : carried, { optimizer, readbackEvery: 4, label }),
    {
      onSnapshot: (snap) => {
        expect(snap.lanes[0].factors).not.toBeNull();
        expect(snap.lanes[1].factors).toBeNull();
      },
    },
  );
});
