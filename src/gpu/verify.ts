/**
 * The start-up check: a small batch (n = 5; frozen, readout-only, full, k = 2, k = 0, SnAp-1, TBPTT(3), UORO
 * and KF-RTRL lanes; 12 steps with Adam) run on the device and on the CPU engine from the same weights and stream.
 * A device whose kernels disagree beyond the tolerance is not used: the caller falls back to the CPU with
 * the reason this returns.
 */
import { sparseArm } from '../engine/config';
import { OnlineLearner } from '../engine/learner';
import type { LearningMethod } from '../engine/methods';
import { initRnn, RnnModel } from '../engine/models/rnn';
import { Rng } from '../engine/rng';
import { allocateSequence, type Sequence } from '../engine/tasks/task';
import { GpuBatch, type GpuContext } from './batch';
import { messageOf } from './device';

/** Relative loss tolerance: float32 rounding over 12 steps stays near 1e-5; a wrong kernel is off by far more. */
export const VERIFY_TOLERANCE = 1e-3;
/**
 * Losses below this are compared against it (an absolute 1e-6, as the GPU tests allow): a lane whose
 * loss nears zero (the readout lane fits the target at step 11, L ≈ 1e-5) keeps the absolute rounding of
 * y (a few 1e-6 on SwiftShader, as for the other lanes), which relative to L alone passes 1e-3.
 */
const VERIFY_LOSS_FLOOR = 1e-3;

export type VerifyResult = { ok: true; maxRelativeError: number } | { ok: false; reason: string };

/** A check stream: m inputs per step drawn N(0,1) from `rng`, one output following `target(t)`. */
export function checkSequence(steps: number, m: number, rng: Rng, target: (t: number) => number): Sequence {
  const seq = allocateSequence(steps, m, 1);
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < m; j++) seq.x[m * t + j] = rng.normal();
    seq.y[t] = target(t);
  }
  return seq;
}

export async function verifyAgainstCpu(ctx: GpuContext): Promise<VerifyResult> {
  const shape = { n: 5, m: 1, o: 1, leak: 0.5 };
  const params = initRnn(shape, new Rng(7));
  const steps = 12;
  const seq = checkSequence(steps, 1, new Rng(8), (t) => Math.sin(0.3 * t));
  seq.reset[6] = 1;
  // every lane kind the batch runs, so no kernel starts unchecked (UORO and KF-RTRL draw from a noise stream:
  // the CPU learner and the GPU lane each get their own copy of the same stream)
  const methods: LearningMethod[] = [
    { kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, sparseArm(2, 'random'), sparseArm(0, 'random'),
    { kind: 'snap1' }, { kind: 'tbptt', truncation: 3 }, { kind: 'uoro' }, { kind: 'kf' },
  ];
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  const noise = (a: number) => new Rng(100 + a);
  const cpu = methods.map((m, a) => new OnlineLearner(new RnnModel(params), m, { optimizer, selectionRng: new Rng(9), noiseRng: noise(a) }));
  let batch: GpuBatch | null = null;
  try {
    batch = await GpuBatch.create(
      ctx,
      shape,
      [seq],
      methods.map((method, a) => ({ method, params, stream: 0, sources: cpu[a].sources, noiseRng: noise(a) })),
      { optimizer, readbackEvery: steps, label: 'verification' },
    );
    await batch.advance(steps);
  } catch (e) {
    return { ok: false, reason: `verification dispatch failed: ${messageOf(e)}` };
  } finally {
    batch?.destroy();
  }
  let worst = 0;
  for (let a = 0; a < methods.length; a++) {
    for (let t = 0; t < steps; t++) {
      const want = cpu[a].step(seq, t);
      const got = batch.losses[a][t];
      const rel = Math.abs(got - want) / Math.max(VERIFY_LOSS_FLOOR, Math.abs(want));
      if (!(rel <= VERIFY_TOLERANCE)) {
        return { ok: false, reason: `verification mismatch: arm ${cpu[a].label}, step ${t}: GPU loss ${got}, CPU ${want} (tolerance ${VERIFY_TOLERANCE} relative, ${VERIFY_TOLERANCE * VERIFY_LOSS_FLOOR} absolute below a loss of ${VERIFY_LOSS_FLOOR})` };
      }
      worst = Math.max(worst, rel);
    }
  }
  return { ok: true, maxRelativeError: worst };
}
