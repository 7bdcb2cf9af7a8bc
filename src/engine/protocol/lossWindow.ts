/**
 * Protocol steps 4-5 (science.md §6): the loss window and recovery, written once. An arm's loss is its mean
 * per-step loss over the window, counting only steps that carry an error signal (the adding task scores
 * the end of each sequence only); recovery_arm = (L̄_frozen − L̄_arm) / (L̄_frozen − L̄_full) × 100 %
 * against the same seed's frozen and full arms (metrics.ts recoveryPercent).
 *
 * A fixed-length run (the CLI, the claims, the GPU seed runs) reads its curves once at the end
 * (`windowMeanLoss`); the live app's endless run keeps running sums (`RunningLoss`) over the whole
 * adaptation so far.
 */
import type { ExperimentConfig } from '../config';
import { recoveryPercent } from '../metrics';
import { methodLabel, type LearningMethod } from '../methods';
import type { ArmSeedResult } from './results';

/** The first adaptation step of the loss window: 0, or the start of the last quarter. */
export function windowStart(config: Pick<ExperimentConfig, 'adaptSteps' | 'window'>): number {
  return config.window === 'last-quarter' ? Math.floor((config.adaptSteps * 3) / 4) : 0;
}

/** Mean loss per arm over steps [from, to) of its curve that carry an error signal (errorMask = 1). */
export function windowMeanLoss(curves: readonly Float32Array[], errorMask: Uint8Array, from: number, to: number): number[] {
  return curves.map((curve) => {
    let sum = 0;
    let count = 0;
    for (let t = from; t < to; t++) {
      if (errorMask[t] !== 1) continue;
      sum += curve[t];
      count++;
    }
    return sum / count;
  });
}

/** Where the reference arms of recovery sit in an arm list (-1 when absent): frozen, full and readout-only. */
export function referenceArms(arms: readonly LearningMethod[]): { frozen: number; full: number; readout: number } {
  return {
    frozen: arms.findIndex((a) => a.kind === 'frozen'),
    full: arms.findIndex((a) => a.kind === 'full'),
    readout: arms.findIndex((a) => a.kind === 'readout'),
  };
}

/** Recovery per arm from the arms' mean losses, against the arms at `frozen` and `full`. */
export function recoveries(meanLoss: readonly number[], frozen: number, full: number): number[] {
  return meanLoss.map((l) => recoveryPercent(meanLoss[frozen], l, meanLoss[full]));
}

/** Each arm's result of one seed (config order): its window's mean loss and recovery, divergence and time. */
export function armSeedResults(
  config: ExperimentConfig,
  curves: readonly Float32Array[],
  errorMask: Uint8Array,
  stepsDone: number,
  divergedAt: (a: number) => number,
  msPerStep: (a: number) => number,
): ArmSeedResult[] {
  return seedArmResults(config.arms.map(methodLabel), referenceArms(config.arms), curves, errorMask, windowStart(config), stepsDone, divergedAt, msPerStep);
}

/**
 * Each arm's result of one seed over steps [from, to) of its curve, whatever the model: its window's mean
 * loss, recovery against the arms at `ref.frozen` and `ref.full` (the reference: full RTRL, the
 * transformer's dense arm) and beyond the readout against `ref.readout` (NaN without one), divergence and time.
 */
export function seedArmResults(
  labels: readonly string[],
  ref: { frozen: number; full: number; readout: number },
  curves: readonly Float32Array[],
  errorMask: Uint8Array,
  from: number,
  to: number,
  divergedAt: (a: number) => number,
  msPerStep: (a: number) => number,
): ArmSeedResult[] {
  const meanLoss = windowMeanLoss(curves, errorMask, from, to);
  const recovery = recoveries(meanLoss, ref.frozen, ref.full);
  const beyond = ref.readout >= 0 ? recoveries(meanLoss, ref.readout, ref.full) : meanLoss.map(() => NaN);
  return labels.map((label, a) => ({
    label,
    meanLoss: meanLoss[a],
    recovery: recovery[a],
    recoveryBeyondReadout: beyond[a],
    divergedAt: divergedAt(a),
    msPerStep: msPerStep(a),
  }));
}

/**
 * The live run's window: every adaptation step so far with an error signal. An arm's non-finite loss
 * (it diverged) adds nothing; the count of scored steps is shared by every arm.
 */
export class RunningLoss {
  private readonly sums: Float64Array;
  private scored = 0;

  constructor(arms: number) {
    this.sums = new Float64Array(arms);
  }

  /** Adds arm a's loss of a step (call `countStep` once per step as well). */
  add(a: number, loss: number, hasError: boolean): void {
    if (Number.isFinite(loss) && hasError) this.sums[a] += loss;
  }

  /** One adaptation step taken; it counts if it carried an error signal. */
  countStep(hasError: boolean): void {
    if (hasError) this.scored++;
  }

  /** Adaptation steps with an error signal so far. */
  get steps(): number {
    return this.scored;
  }

  /** Mean loss per arm so far, NaN before the first scored step. */
  meanLoss(): number[] {
    return Array.from(this.sums, (s) => (this.scored > 0 ? s / this.scored : NaN));
  }

  /**
   * Recovery so far per arm against the arms at `frozen` and `full`; null for every arm without a full
   * arm or before the first scored step, and for an arm that `diverged`.
   */
  recovery(frozen: number, full: number, diverged: (a: number) => boolean): (number | null)[] {
    if (full < 0 || this.scored === 0) return Array.from(this.sums, () => null);
    const mean = (a: number) => this.sums[a] / this.scored;
    return Array.from(this.sums, (_, a) => (diverged(a) ? null : recoveryPercent(mean(frozen), mean(a), mean(full))));
  }
}
