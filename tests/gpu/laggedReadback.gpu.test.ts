/**
 * The app's frame loop on the GPU (GpuLiveRun.advanceLagged, what the worker calls each frame): on a
 * device whose readbacks land only when the test lets them (every MAP_READ buffer's mapAsync is held until
 * released, as a GPU slower than the display would hold them), a frame hands out the steps the frame
 * before submitted and never waits for the readbacks of its own; the numbers are advance()'s, step for
 * step, and a live change applies from the first step not yet submitted, where its marker says.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/batch';
import { GpuLiveRun } from '../../src/app/worker/gpuLiveRun';
import { DEFAULT_PARAMS, type LabParams } from '../../src/app/labParams';
import type { StepTrace } from '../../src/app/worker/liveEngine';
import { LEAD_IN_STEPS } from '../../src/app/worker/liveRun';
import { deviceForFile, nodeContext } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

const OPTIONS = { pretrainSteps: 400, pretrainEpochs: 2, includeFull: true };
const params = (o: Partial<LabParams> = {}): LabParams => ({ ...DEFAULT_PARAMS, n: 8, k: 2, model: 'rnn', ...o });
const FRAME = 30;
/** a frame that has not settled by then is waiting for a readback that is held until it settles: a deadlock */
const DEADLOCK_MS = 60_000;

/** Holds every readback of `device` (mapAsync of its MAP_READ buffers) until `release()`; `holding = false` lets them through. */
class HeldReadbacks {
  holding = true;
  private held: { mapped: Promise<void>; open: () => void }[] = [];

  constructor(device: GPUDevice) {
    const create = device.createBuffer.bind(device);
    device.createBuffer = (desc: GPUBufferDescriptor) => {
      const buffer = create(desc);
      if (desc.usage & GPUBufferUsage.MAP_READ) {
        const map = buffer.mapAsync.bind(buffer);
        buffer.mapAsync = (mode: GPUMapModeFlags, offset?: number, size?: number) => {
          const mapped = map(mode, offset, size);
          if (!this.holding) return mapped;
          let open!: () => void;
          const gate = new Promise<void>((r) => (open = r));
          this.held.push({ mapped: mapped.catch(() => undefined), open });
          return Promise.all([mapped, gate]).then(() => undefined);
        };
      }
      return buffer;
    };
  }

  /** readbacks submitted and not yet let through */
  get count(): number {
    return this.held.length;
  }

  /** The readbacks held now, to be released later (`release(them)`). */
  take(): HeldReadbacks['held'] {
    return this.held.splice(0);
  }

  /** The GPU finishes what was submitted (by default, everything so far): those held readbacks land. */
  async release(them = this.take()): Promise<void> {
    await Promise.all(them.map((h) => h.mapped));
    for (const h of them) h.open();
  }
}

interface Frames {
  losses: Float32Array[];
  trace: StepTrace;
}

function framesOf(run: GpuLiveRun, total: number): Frames {
  return {
    losses: run.arms.map(() => new Float32Array(total)),
    trace: { input: new Float32Array(total), target: new Float32Array(total), prediction: run.arms.map(() => new Float32Array(total)) },
  };
}

/**
 * One frame of the worker's loop: the readbacks of the steps submitted before it land during the frame
 * (after it started: it must wait for those it draws, a chunk that runs past the frame's last step too);
 * advanceLagged must settle while the readbacks of the steps it submits itself are held.
 */
async function frame(run: GpuLiveRun, held: HeldReadbacks, into: Frames): Promise<void> {
  const from = run.drawnStep;
  const part = (x: Float32Array) => x.subarray(from, from + FRAME);
  const trace = { input: part(into.trace.input), target: part(into.trace.target), prediction: into.trace.prediction.map(part) };
  const before = held.take();
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<'stalled'>((r) => (watchdog = setTimeout(() => r('stalled'), DEADLOCK_MS)));
  const advanced = run.advanceLagged(FRAME, into.losses.map(part), { trace }).then(() => 'settled' as const);
  await new Promise((r) => setTimeout(r, 0));
  await held.release(before);
  const settled = await Promise.race([advanced, stalled]);
  clearTimeout(watchdog);
  expect(settled, `the frame from step ${from} waited for a readback of its own steps`).toBe('settled');
  expect(run.drawnStep).toBe(from + FRAME);
  if (run.step > LEAD_IN_STEPS) {
    // the GPU runs a frame ahead: the steps submitted now are in flight, their readbacks held
    expect(run.step - run.drawnStep).toBe(FRAME);
    expect(held.count).toBeGreaterThan(0);
  }
}

describe('GpuLiveRun.advanceLagged: the GPU busy across frames', () => {
  it('a frame draws the frame before’s steps without waiting for its own readbacks; the numbers are advance()’s', async () => {
    const own = await nodeContext();
    const held = new HeldReadbacks(own.device);
    const lagged = GpuLiveRun.create(own, params(), OPTIONS, 10);
    const plain = GpuLiveRun.create(ctx, params(), OPTIONS, 10);
    const frames = Math.ceil(LEAD_IN_STEPS / FRAME) + 6;
    const total = frames * FRAME;
    const got = framesOf(lagged, total);
    for (let f = 0; f < frames; f++) await frame(lagged, held, got);
    const want = framesOf(plain, total);
    await plain.advance(total, want.losses, { trace: want.trace });
    for (let a = 0; a < plain.arms.length; a++) {
      expect(Array.from(got.losses[a]), `arm ${plain.arms[a].id}`).toEqual(Array.from(want.losses[a]));
      expect(Array.from(got.trace.prediction[a]), `prediction of arm ${plain.arms[a].id}`).toEqual(Array.from(want.trace.prediction[a]));
    }
    expect(Array.from(got.trace.input)).toEqual(Array.from(want.trace.input));
    expect(lagged.adaptedSteps).toBe(plain.adaptedSteps);
    expect(lagged.meanLoss()).toEqual(plain.meanLoss());
    expect(lagged.divergedAt()).toEqual(plain.divergedAt());
    // the metrics are of a step handed out (a sample after step t is drawn with step t)
    expect(lagged.metrics().step).toBeLessThanOrEqual(lagged.drawnStep);
    expect(lagged.metrics().sensitivityNorm[1]).toBeGreaterThan(0);
    lagged.dispose();
    plain.dispose();
    own.device.destroy();
  });

  it('a learning-rate or k change between frames applies from the first step not yet submitted, and its marker says that step', async () => {
    const own = await nodeContext();
    const held = new HeldReadbacks(own.device);
    // no metric steps: chunks of 50 steps, so frames of 30 draw parts of chunks
    const lagged = GpuLiveRun.create(own, params(), OPTIONS);
    const plain = GpuLiveRun.create(ctx, params(), OPTIONS);
    const frames = Math.ceil(LEAD_IN_STEPS / FRAME) + 6;
    const total = frames * FRAME;
    const got = framesOf(lagged, total);
    const want = framesOf(plain, total);
    const lrAt = frames - 4;
    const kAt = frames - 2;
    const changes: number[] = [];
    for (let f = 0; f < frames; f++) {
      if (f === lrAt) {
        changes.push(lagged.step);
        lagged.setLearningRate(3 * lagged.params.lr);
        expect(lagged.markers.at(-1)).toEqual({ step: lagged.step, label: `lr ${lagged.params.lr}` });
      }
      if (f === kAt) {
        changes.push(lagged.step);
        // a k change rebuilds the batch from the lanes' state, read back: that wait is the change's own
        await held.release();
        held.holding = false;
        await lagged.setSparse(4, 'random');
        held.holding = true;
        expect(lagged.markers.at(-1)).toEqual({ step: lagged.step, label: 'k = 4' });
      }
      await frame(lagged, held, got);
    }
    // the changes were made ahead of the steps drawn: they apply from the step after the submitted ones
    expect(changes.every((s, i) => s > [lrAt, kAt][i] * FRAME)).toBe(true);
    // the reference: advance() to each change's step, the change, and on
    let done = 0;
    const to = async (step: number) => {
      const part = (x: Float32Array) => x.subarray(done, step);
      await plain.advance(step - done, want.losses.map(part), {
        trace: { input: part(want.trace.input), target: part(want.trace.target), prediction: want.trace.prediction.map(part) },
      });
      done = step;
    };
    await to(changes[0]);
    plain.setLearningRate(3 * plain.params.lr);
    await to(changes[1]);
    await plain.setSparse(4, 'random');
    await to(total);
    expect(lagged.markers).toEqual(plain.markers);
    for (let a = 0; a < plain.arms.length; a++) expect(Array.from(got.losses[a]), `arm ${plain.arms[a].id}`).toEqual(Array.from(want.losses[a]));
    // the k arm learns with its new mask after the change
    expect(Array.from(got.losses[3].subarray(changes[1]))).not.toEqual(Array.from(got.losses[2].subarray(changes[1])));
    lagged.dispose();
    plain.dispose();
    own.device.destroy();
  });
});
