/**
 * How many dispatches a step costs: the RNN's frozen, full and sparse lanes run at most 4 per step (forward,
 * a transport with the immediate term, the gradients, the clipped update), and a chunk adds one, its
 * settle. Counted on the commands the batch records (a wrapped command encoder), not taken from the
 * batch's own figure. And settling a step in the next forward kernel or at a chunk's end gives the same
 * run whatever the chunks are: divergence steps, update counts and losses.
 */
import { describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import type { LearningMethod } from '../../src/engine/methods';
import { initRnn, type RnnShape } from '../../src/engine/models/rnn';
import { Rng } from '../../src/engine/rng';
import { allocateSequence } from '../../src/engine/tasks/task';
import { selectPaths } from '../../src/engine/transportMask';
import { GpuBatch, type GpuContext } from '../../src/gpu/batch';
import type { SparseRoute } from '../../src/gpu/sparseVariant';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

const shape: RnnShape = { n: 8, m: 1, o: 1, leak: 0.7 };

function stream(steps: number) {
  const seq = allocateSequence(steps, shape.m, shape.o);
  const r = new Rng(71);
  for (let t = 0; t < steps; t++) {
    seq.x[t] = r.normal();
    seq.y[t] = Math.sin(0.4 * t);
  }
  seq.reset[7] = 1;
  return seq;
}

function specs(methods: LearningMethod[]) {
  const params = initRnn(shape, new Rng(72), { gain: 1.2, inputScale: 1 });
  return methods.map((method) => {
    const sources = method.kind === 'sparse' ? new Int32Array(shape.n * method.k) : undefined;
    if (sources && method.kind === 'sparse') selectPaths(method.strategy, params.theta, shape.n, method.k, new Rng(73), sources);
    return { method, params, sources, selectionRng: new Rng(74), stream: 0 };
  });
}

/** Runs `fn` while counting every dispatch recorded on ctx.device, by the label of the pipeline set before it. */
async function countDispatches(fn: () => Promise<void>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const device = ctx.device;
  const create = device.createCommandEncoder.bind(device);
  const wrapPass = (pass: GPUComputePassEncoder): GPUComputePassEncoder => {
    let label = '';
    return new Proxy(pass, {
      get(target, prop) {
        if (prop === 'setPipeline') return (p: GPUComputePipeline) => ((label = p.label), target.setPipeline(p));
        if (prop === 'dispatchWorkgroups')
          return (...d: [number, number?, number?]) => (counts.set(label, (counts.get(label) ?? 0) + 1), target.dispatchWorkgroups(...d));
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  device.createCommandEncoder = (d?: GPUCommandEncoderDescriptor) =>
    new Proxy(create(d), {
      get(target, prop) {
        if (prop === 'beginComputePass') return (pd: GPUComputePassDescriptor) => wrapPass(target.beginComputePass(pd));
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  try {
    await fn();
  } finally {
    device.createCommandEncoder = create;
  }
  return counts;
}

describe('dispatches per step (Dawn)', () => {
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 1 };
  const cases: [string, LearningMethod[], SparseRoute?][] = [
    ['frozen and full', [{ kind: 'frozen' }, { kind: 'full' }]],
    ['frozen and sparse k = 4', [{ kind: 'frozen' }, sparseArm(4, 'random'), sparseArm(2, 'top-k', 0, true)]],
    ['full alone', [{ kind: 'full' }]],
    ['sparse alone', [sparseArm(4, 'random')]],
    // sparse lanes routed to the masked dense tile share the full lanes' dispatch (gathered, this mix costs 5)
    ['full and sparse k = 4 on the masked dense tile', [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(4, 'random')], 'dense'],
  ];
  for (const [what, methods, sparseRoute] of cases) {
    it(`${what}: at most 4 per step, and one settle per chunk`, async () => {
      const steps = 12;
      const batch = await GpuBatch.create(ctx, shape, [stream(steps)], specs(methods), { optimizer, readbackEvery: 6, label: what, sparseRoute });
      try {
        const counts = await countDispatches(() => batch.advance(steps));
        const settles = [...counts].filter(([label]) => label.startsWith('stepEnd')).reduce((a, [, c]) => a + c, 0);
        const stepDispatches = [...counts].reduce((a, [, c]) => a + c, 0) - settles;
        expect(settles, 'one settle per chunk').toBe(2);
        expect(stepDispatches / steps, [...counts].map(([l, c]) => `${l}: ${c}`).join(', ')).toBeLessThanOrEqual(4);
        expect(stepDispatches / steps).toBe(batch.dispatchesPerStep);
      } finally {
        batch.destroy();
      }
    });
  }

  it('a step settled by the next forward kernel or at a chunk end: the same divergence steps, update counts and losses', async () => {
    const steps = 20;
    // SGD with lr 1e30 drives the learning lanes' weights past float32's range within a few steps; 0.02 keeps them alive
    const methods: LearningMethod[] = [{ kind: 'full' }, sparseArm(3, 'random'), { kind: 'frozen' }];
    const run = async (readbackEvery: number, lr: number) => {
      const batch = await GpuBatch.create(ctx, shape, [stream(steps)], specs(methods), {
        optimizer: { kind: lr > 1 ? 'sgd' : 'adam', lr, clipNorm: 0 },
        readbackEvery,
        label: `chunks of ${readbackEvery}`,
      });
      try {
        await batch.advance(steps);
        const snap = await batch.snapshot();
        return { divergedAt: [...batch.divergedAt], updates: snap.lanes.map((l) => l.updates), losses: batch.losses.map((l) => Array.from(l)) };
      } finally {
        batch.destroy();
      }
    };
    for (const lr of [1e30, 0.02]) {
      const [a, b, c] = await Promise.all([run(1, lr), run(3, lr), run(50, lr)]);
      if (lr > 1)
        expect(
          a.divergedAt.slice(0, 2).every((d) => d >= 0),
          `lr ${lr} diverges the learning lanes`,
        ).toBe(true);
      else expect(a.divergedAt).toEqual([-1, -1, -1]);
      for (const other of [b, c]) {
        expect(other.divergedAt).toEqual(a.divergedAt);
        expect(other.updates).toEqual(a.updates);
        expect(other.losses).toEqual(a.losses);
      }
    }
  });
});
