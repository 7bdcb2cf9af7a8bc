/**
 * The adding problems, the scope condition: the error arrives only at the end of each sequence, so learning
 * has to carry credit back over the whole sequence rather than a step or two.
 *
 * Input per step: (value ~ U[0, 1], marker), the marker 1 at exactly two distinct random positions of each
 * sequence of T steps; the target, at the last step only, is a function of the two marked values.
 * - `adding` (variant 'sum'): the standard adding problem (Hochreiter & Schmidhuber's construction, the one
 *   the paper's scope claim used): the target is the sum in both regimes, so regime B continues regime A
 *   (no drift; run it with `--pretrain 0` to learn online from scratch as in the paper's table). The best
 *   constant predictor outputs 1 and has MSE Var(a + b) = 2/12 ≈ 0.167 (ADDING_TRIVIAL_MSE).
 * - `adding-difference` (variant 'difference'): the lab's drift variant: regime A the sum, regime B the
 *   difference, first marked minus second marked in time order [choice: same inputs, a new readout rule,
 *   and B's targets are centred on 0 where A's are centred on 1]. Its constant predictor also has MSE 2/12.
 * Targets elsewhere are 0 and masked out.
 */
import type { Rng } from '../rng';
import { allocateSequence, type Regime, type Sequence, type Task } from './task';

/** MSE of the best constant predictor: Var(a ± b) for a, b ~ U[0, 1] independent = 2/12. */
export const ADDING_TRIVIAL_MSE = 2 / 12;

export type AddingVariant = 'sum' | 'difference';

export function createAddingTask(_rng: Rng, sequenceLength = 30, variant: AddingVariant = 'sum'): Task {
  if (!Number.isInteger(sequenceLength) || sequenceLength < 2) {
    throw new Error(`adding task: sequenceLength must be an integer >= 2, got ${sequenceLength}`);
  }
  const T = sequenceLength;
  const marks = new Int32Array(2);
  const scratch = new Int32Array(T);
  const difference = variant === 'difference';

  return {
    name: difference ? 'adding-difference' : 'adding',
    inputSize: 2,
    outputSize: 1,
    // the lab's loss is ½‖e‖², so the constant predictor's loss is half its MSE
    trivialLoss: ADDING_TRIVIAL_MSE / 2,
    description: difference
      ? `Adding task (drift variant), sequences of ${T}, error only at the end; target sum -> difference of the two marked values`
      : `Adding problem (standard), sequences of ${T}, error only at the end; target the sum of the two marked values, no drift; constant predictor MSE 0.167`,
    // Sequences are independent, so all randomness comes from the per-call rng and nothing carries over
    // between calls (the creation rng is unused). Each call starts at a sequence boundary. When `length` is
    // not a multiple of the sequence length, the leftover tail is padding: a reset at its start, values
    // without markers, target 0 and no error signal; the next call starts a fresh sequence.
    generate(regime: Regime, length: number, rng: Rng): Sequence {
      const seq = allocateSequence(length, 2, 1);
      seq.errorMask.fill(0);
      const whole = Math.floor(length / T);
      for (let s = 0; s < whole; s++) {
        const start = s * T;
        seq.reset[start] = 1;
        for (let i = 0; i < T; i++) seq.x[(start + i) * 2] = rng.uniform();
        rng.sampleDistinct(T, 2, marks, 0, scratch);
        const first = Math.min(marks[0], marks[1]);
        const second = Math.max(marks[0], marks[1]);
        seq.x[(start + first) * 2 + 1] = 1;
        seq.x[(start + second) * 2 + 1] = 1;
        // Read the values back from the Float32 input so the target is exact in what the learner sees.
        const a = seq.x[(start + first) * 2];
        const b = seq.x[(start + second) * 2];
        const end = start + T - 1;
        seq.y[end] = difference && regime === 'B' ? a - b : a + b;
        seq.errorMask[end] = 1;
      }
      const tail = whole * T;
      if (tail < length) {
        seq.reset[tail] = 1;
        for (let t = tail; t < length; t++) seq.x[t * 2] = rng.uniform();
      }
      return seq;
    },
  };
}
