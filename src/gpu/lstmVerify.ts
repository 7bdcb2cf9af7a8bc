/**
 * The LSTM's start-up check, like verify.ts's for the RNN: a small LSTM batch (n = 5; frozen, full, k = 2
 * and k = 0 lanes; 12 Adam steps with a reset) run on the device and on the CPU engine from the same
 * weights and stream. A device whose LSTM kernels disagree beyond the tolerance is not used for the LSTM.
 */
import { sparseArm } from '../engine/config';
import { OnlineLearner } from '../engine/learner';
import type { LearningMethod } from '../engine/methods';
import { initLstm, LstmModel } from '../engine/models/lstm';
import { Rng } from '../engine/rng';
import type { GpuContext } from './batch';
import { messageOf } from './device';
import { LstmBatch } from './lstmBatch';
import { checkSequence, VERIFY_TOLERANCE, type VerifyResult } from './verify';

export async function verifyLstmAgainstCpu(ctx: GpuContext): Promise<VerifyResult> {
  const shape = { n: 5, m: 1, o: 1 };
  const params = initLstm(shape, new Rng(7));
  const steps = 12;
  const seq = checkSequence(steps, 1, new Rng(8), (t) => Math.sin(0.3 * t));
  seq.reset[6] = 1;
  const methods: LearningMethod[] = [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(2, 'random'), sparseArm(0, 'random')];
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  const cpu = methods.map((m) => new OnlineLearner(new LstmModel(params), m, { optimizer, selectionRng: new Rng(9) }));
  let batch: LstmBatch | null = null;
  try {
    batch = await LstmBatch.create(
      ctx,
      shape,
      [seq],
      methods.map((method, a) => ({ method, params, stream: 0, sources: cpu[a].sources })),
      { optimizer, readbackEvery: steps, label: 'LSTM verification' },
    );
    await batch.advance(steps);
  } catch (e) {
    return { ok: false, reason: `LSTM verification dispatch failed: ${messageOf(e)}` };
  } finally {
    batch?.destroy();
  }
  let worst = 0;
  for (let a = 0; a < methods.length; a++) {
    for (let t = 0; t < steps; t++) {
      const want = cpu[a].step(seq, t);
      const got = batch.losses[a][t];
      const rel = Math.abs(got - want) / Math.max(1e-6, Math.abs(want));
      if (!(rel <= VERIFY_TOLERANCE)) {
        return { ok: false, reason: `LSTM verification mismatch: arm ${cpu[a].label}, step ${t}: GPU loss ${got}, CPU ${want} (tolerance ${VERIFY_TOLERANCE} relative)` };
      }
      worst = Math.max(worst, rel);
    }
  }
  return { ok: true, maxRelativeError: worst };
}
