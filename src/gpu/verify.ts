/**
 * The start-up check, for any model: a small batch (n = 5; every lane kind the GPU runs for the model,
 * with the arms its record names (laneKinds.ts `checks`): for the RNN frozen, readout-only, full, k = 2,
 * k = 0, SnAp-1, TBPTT(3), UORO and KF-RTRL; for the LSTM frozen, full, k = 2 and k = 0; 12 steps with
 * Adam and a reset) run on the device and on the CPU engine from the same weights and stream. A device
 * whose kernels disagree beyond the tolerance is not used for that model: the caller falls back to the
 * CPU with the reason this returns.
 */
import { OnlineLearner } from '../engine/learner';
import type { LearningMethod } from '../engine/methods';
import { MODELS, type ModelKind } from '../engine/models';
import { DEFAULT_INIT } from '../engine/models/rnn';
import { Rng } from '../engine/rng';
import { allocateSequence, type Sequence } from '../engine/tasks/task';
import { GpuBatch, type GpuContext } from './batch';
import { messageOf } from './device';
import { gpuModel } from './gpuModels';
import { LANE_KINDS } from './laneKinds';

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

/** Checks `model`'s lanes on this device (default the RNN's). */
export async function verifyAgainstCpu(ctx: GpuContext, model: ModelKind = 'rnn'): Promise<VerifyResult> {
  const shape = { n: 5, m: 1, o: 1, leak: 0.5 };
  const params = MODELS[model].init(shape, new Rng(7), DEFAULT_INIT.gain);
  const steps = 12;
  const seq = checkSequence(steps, 1, new Rng(8), (t) => Math.sin(0.3 * t));
  seq.reset[6] = 1;
  // every lane kind the batch runs for the model, so no kernel starts unchecked (UORO and KF-RTRL draw from
  // a noise stream: the CPU learner and the GPU lane each get their own copy of the same stream)
  const methods: LearningMethod[] = LANE_KINDS.filter((k) => k.models.includes(model)).flatMap((k) => k.checks);
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  const noise = (a: number) => new Rng(100 + a);
  const cpu = methods.map((m, a) => new OnlineLearner(MODELS[model].create(params as never), m, { optimizer, selectionRng: new Rng(9), noiseRng: noise(a) }));
  const what = `${gpuModel(model).name} verification`;
  let batch: GpuBatch | null = null;
  try {
    batch = await GpuBatch.create(
      ctx,
      shape,
      [seq],
      methods.map((method, a) => ({ method, params, stream: 0, sources: cpu[a].sources, noiseRng: noise(a) })),
      { optimizer, model, readbackEvery: steps, label: what },
    );
    await batch.advance(steps);
  } catch (e) {
    return { ok: false, reason: `${what} dispatch failed: ${messageOf(e)}` };
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
        return {
          ok: false,
          reason: `${what} mismatch: arm ${cpu[a].label}, step ${t}: GPU loss ${got}, CPU ${want} (tolerance ${VERIFY_TOLERANCE} relative, ${VERIFY_TOLERANCE * VERIFY_LOSS_FLOOR} absolute below a loss of ${VERIFY_LOSS_FLOOR})`,
        };
      }
      worst = Math.max(worst, rel);
    }
  }
  return { ok: true, maxRelativeError: worst };
}
