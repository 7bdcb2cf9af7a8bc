/**
 * One seed of the experiment as a steppable run, whichever engine runs it: the CPU's SeedRun
 * (experiment.ts) steps every arm in lockstep on the CPU; the GPU's GpuSeedRun (gpu/experimentGpu.ts)
 * steps them as lanes of one batch. Both start from prepareSeed (the same weights, state, stream and
 * masks) and report through the same loss window (lossWindow.ts), so a caller (the CLI, the claims, a
 * test) drives either through this interface and compares their results field by field.
 */
import type { ExperimentConfig } from '../config';
import type { Learner } from '../learner';
import type { Sequence } from '../tasks/task';
import type { SeedResult } from './results';

export interface SeedRunner {
  readonly seed: number;
  readonly config: ExperimentConfig;
  /** adaptation steps done */
  readonly t: number;
  /** whether all config.adaptSteps steps are done */
  readonly done: boolean;
  /** per-arm loss per adaptation step, in config.arms order (NaN where not yet run or diverged) */
  readonly losses: Float32Array[];
  /** Advances every arm by up to `steps` steps in lockstep (the GPU's resolves when its batch is read back). */
  advance(steps: number): void | Promise<void>;
  /** Per-arm results of this seed; call when `done`. */
  result(): SeedResult;
}

/**
 * One adaptation step of every arm in lockstep on step t of the stream, whatever the model (SeedRun, the
 * transformer's TransformerSeedRun): each arm's loss into losses[a][t], its time into elapsedMs[a].
 */
export function stepArms(learners: readonly Learner[], stream: Sequence, t: number, losses: Float32Array[], elapsedMs: Float64Array): void {
  for (let a = 0; a < learners.length; a++) {
    const start = performance.now();
    losses[a][t] = learners[a].step(stream, t);
    elapsedMs[a] += performance.now() - start;
  }
}
