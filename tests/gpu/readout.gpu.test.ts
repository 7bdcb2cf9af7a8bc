/**
 * The readout-only arm on the GPU (methods/readout.ts: θ frozen at the pretrained values, V and c adapting
 * with their exact gradient and the arm's optimizer). Its lanes run the forward pass, the readout gradient,
 * the clip over the readout alone and the readout's part of the update (src/gpu/stepKernels.ts
 * `updateReadout`), and keep a gradient and moments for V and c only (layout.ts gradRecord).
 *
 * Against the CPU learner (OnlineLearner with { kind: 'readout' }): every step's loss within 1e-3 relative
 * + 1e-6 absolute, the tolerance of the other lanes (baselines.gpu.test.ts); with Adam and with SGD, a
 * clip that binds, error-free steps and a reset. θ on the GPU stays the pretrained weights bit for bit,
 * while V and c move and follow the CPU's. A batch mixing readout lanes with frozen, full, sparse and TBPTT
 * lanes gives every lane the CPU's losses, and carries over through snapshot()/restore() bit for bit.
 */
import { expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { OnlineLearner } from '../../src/engine/learner';
import type { LearningMethod } from '../../src/engine/methods';
import { initRnn, RnnModel } from '../../src/engine/models/rnn';
import type { OptimizerConfig } from '../../src/engine/optimizer';
import { Rng } from '../../src/engine/rng';
import { GpuBatch, type GpuContext } from '../../src/gpu/batch';
import { checkSequence } from '../../src/gpu/verify';
import { expectCarryOver } from './compare';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

/** An RNN from `seed` and a check stream with an error-free step every `gap` steps and a reset at `resetAt`. */
function checkCase(c: { n: number; m: number; seed: number; steps: number; gap: number; resetAt: number }) {
  const shape = { n: c.n, m: c.m, o: 1, leak: 0.5 };
  const params = initRnn(shape, new Rng(c.seed), { gain: 1.3, inputScale: 1 });
  const r = new Rng(c.seed + 1);
  const seq = checkSequence(c.steps, c.m, r, (t) => Math.sin(0.35 * t) + 0.5);
  for (let t = 0; t < c.steps; t++) seq.errorMask[t] = t % c.gap === c.gap - 1 ? 0 : 1;
  seq.reset[c.resetAt] = 1;
  const hInit = Float32Array.from({ length: c.n }, () => r.normal() * 0.3);
  return { shape, params, seq, hInit };
}

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

function expectLosses(got: Float32Array, want: ArrayLike<number>, what: string): number {
  let worst = 0;
  for (let t = 0; t < want.length; t++) {
    worst = Math.max(worst, Math.abs(got[t] - want[t]) / Math.max(1e-6, Math.abs(want[t])));
    expect(Math.abs(got[t] - want[t]), `${what} step ${t}: GPU ${got[t]}, CPU ${want[t]}`).toBeLessThanOrEqual(1e-3 * Math.abs(want[t]) + 1e-6);
  }
  return worst;
}

for (const optimizer of [
  { kind: 'adam', lr: 2e-2, clipNorm: 0.3 },
  { kind: 'sgd', lr: 5e-2, clipNorm: 0.3 },
] as const satisfies readonly OptimizerConfig[]) {
  it(`readout lanes (${optimizer.kind}) give the CPU readout learner's losses; θ keeps the pretrained bits, V and c adapt`, async () => {
    const steps = 60;
    const { shape, params, seq, hInit } = checkCase({ n: 6, m: 2, seed: 131, steps, gap: 5, resetAt: 23 });
    const methods: LearningMethod[] = [{ kind: 'frozen' }, { kind: 'readout' }];
    const batch = await GpuBatch.create(
      ctx,
      shape,
      [seq],
      methods.map((method) => ({ method, params, hInit, stream: 0 })),
      { optimizer, readbackEvery: 16, label: `readout ${optimizer.kind}` },
    );
    try {
      await batch.advance(steps);
      const cpu = new OnlineLearner(new RnnModel(params, hInit), { kind: 'readout' }, { optimizer, selectionRng: new Rng(132) });
      const want = Array.from({ length: steps }, (_, t) => cpu.step(seq, t));
      const worst = expectLosses(batch.losses[1], want, `readout (${optimizer.kind})`);
      expect(batch.divergedAt[1]).toBe(-1);

      // the clip binds: the same learner without it gives other losses
      const unclipped = new OnlineLearner(
        new RnnModel(params, hInit),
        { kind: 'readout' },
        { optimizer: { ...optimizer, clipNorm: 0 }, selectionRng: new Rng(132) },
      );
      const free = Array.from({ length: steps }, (_, t) => unclipped.step(seq, t));
      expect(free.some((x, t) => Math.abs(x - want[t]) > 1e-3 * Math.abs(x) + 1e-6)).toBe(true);
      // the readout adapts: the loss leaves the frozen arm's
      expect(batch.losses[1].some((x, t) => Math.abs(x - batch.losses[0][t]) > 1e-3 * Math.abs(x) + 1e-6)).toBe(true);

      const snap = await batch.snapshot();
      const lane = snap.lanes[1];
      // θ: the pretrained weights, bit for bit, in the snapshot and in the parameter buffer itself
      expect(bits(lane.theta)).toEqual(bits(params.theta));
      const stored = await batch.read('params');
      const i = batch.laneIndex(1);
      const { p, stride } = batch.layout;
      expect(bits(stored.subarray(i * stride, i * stride + p))).toEqual(bits(params.theta));
      // V and c moved, as the CPU's did
      expect(lane.readout.some((x, j) => x !== Math.fround(params.readout[j]))).toBe(true);
      const scale = Math.max(...Array.from(cpu.params.readout, Math.abs));
      lane.readout.forEach((x, j) => expect(Math.abs(x - cpu.params.readout[j]), `readout entry ${j}`).toBeLessThanOrEqual(1e-4 * scale + 1e-6));
      // optimizer updates counted on the steps with an error signal, as the CPU's Adam counts them
      expect(lane.updates).toBe(Array.from(seq.errorMask).filter((x) => x === 1).length);
      if (optimizer.kind === 'adam') {
        // no θ moments are kept: the snapshot's are zero over θ, not over V and c
        expect(lane.moments!.m.subarray(0, p).every((x) => x === 0)).toBe(true);
        expect(lane.moments!.v.subarray(p).some((x) => x > 0)).toBe(true);
      } else {
        expect(lane.moments).toBeNull();
      }
      console.log(`readout lane (${optimizer.kind}) GPU vs CPU over ${steps} steps: worst relative loss ${worst.toExponential(2)}`);
    } finally {
      batch.destroy();
    }
  });
}

it('a batch mixing readout lanes with frozen, full, sparse and TBPTT lanes gives every lane the CPU’s losses; the readout lanes hold no θ gradient', async () => {
  const steps = 30;
  const { shape, params, seq, hInit } = checkCase({ n: 7, m: 1, seed: 141, steps, gap: 4, resetAt: 17 });
  const optimizer = { kind: 'adam' as const, lr: 2e-2, clipNorm: 0.5 };
  // external order scrambled against the internal one (sparse, full, TBPTT, readout, frozen)
  const methods: LearningMethod[] = [
    { kind: 'readout' },
    { kind: 'full' },
    { kind: 'frozen' },
    sparseArm(2, 'random'),
    { kind: 'readout' },
    { kind: 'tbptt', truncation: 3 },
  ];
  // the sparse lane takes the CPU learner's selection
  const cpu = methods.map((method) => new OnlineLearner(new RnnModel(params, hInit), method, { optimizer, selectionRng: new Rng(144) }));
  const batch = await GpuBatch.create(
    ctx,
    shape,
    [seq],
    methods.map((method, a) => ({ method, params, hInit, sources: cpu[a].sources, stream: 0 })),
    { optimizer, readbackEvery: 7, label: 'readout mixed' },
  );
  try {
    expect([batch.R, batch.L, batch.B]).toEqual([2, 5, 6]);
    await batch.advance(steps);
    let worst = 0;
    methods.forEach((method, lane) => {
      const want = Array.from({ length: steps }, (_, t) => cpu[lane].step(seq, t));
      worst = Math.max(worst, expectLosses(batch.losses[lane], want, `${method.kind} lane ${lane}`));
    });
    // the two readout lanes agree with each other exactly (same weights, same stream)
    expect(Array.from(batch.losses[4])).toEqual(Array.from(batch.losses[0]));
    // gradient records: [g_θ; g_V, g_c] for the three θ lanes, [g_V, g_c] for the two readout lanes
    const { stride, nr } = batch.layout;
    expect((await batch.read('grad')).length).toBe(3 * stride + 2 * nr);
    expect((await batch.read('moments')).length).toBe(2 * (3 * stride + 2 * nr));
    const snap = await batch.snapshot();
    for (const lane of [0, 4]) expect(bits(snap.lanes[lane].theta)).toEqual(bits(params.theta));
    console.log(`mixed batch with readout lanes GPU vs CPU: worst relative loss ${worst.toExponential(2)}`);
  } finally {
    batch.destroy();
  }
});

it('readout lanes carry over: 8 steps, snapshot, restore, 6 more give one 14-step batch’s losses and weights bit for bit', async () => {
  const { shape, params, seq, hInit } = checkCase({ n: 5, m: 1, seed: 151, steps: 14, gap: 3, resetAt: 10 });
  const optimizer = { kind: 'adam' as const, lr: 2e-2, clipNorm: 0 };
  const methods: LearningMethod[] = [{ kind: 'readout' }, { kind: 'full' }, { kind: 'frozen' }, { kind: 'readout' }];
  const specs = () => methods.map((method) => ({ method, params, hInit, stream: 0 }));
  await expectCarryOver(seq, 8, (part, label) => GpuBatch.create(ctx, shape, [part], specs(), { optimizer, readbackEvery: 5, label }), {
    atEnd: async (whole, second) => {
      const [a, b] = [await whole.snapshot(), await second.snapshot()];
      for (const lane of [0, 3]) {
        expect(Array.from(b.lanes[lane].readout)).toEqual(Array.from(a.lanes[lane].readout));
        expect(Array.from(b.lanes[lane].moments!.m)).toEqual(Array.from(a.lanes[lane].moments!.m));
        expect(Array.from(b.lanes[lane].moments!.v)).toEqual(Array.from(a.lanes[lane].moments!.v));
      }
    },
  });
});
