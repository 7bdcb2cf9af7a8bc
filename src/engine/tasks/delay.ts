/**
 * Delayed recall: x_t uniform on [-1, 1], i.i.d.; target y*_t = x_{t-τ}, an error signal at every step.
 * Regime A: τ = DELAY_STEPS.A; regime B (the drift): τ = DELAY_STEPS.B. The target at step t depends on an
 * input τ steps back, so the gradient must carry credit across time: the immediate term alone (k = 0)
 * only sees how x_t moves h_t, which says nothing about x_{t-τ}. This is the task where propagation
 * through W should matter under a continuous error signal.
 */
import type { Rng } from '../rng';
import { allocateSequence, type Regime, type Sequence, type Task } from './task';

/** τ per regime [choice]: short enough that n = 64 can hold it, a drift that changes what must be held. */
export const DELAY_STEPS: Readonly<Record<Regime, number>> = { A: 4, B: 8 };

export function createDelayTask(rng: Rng, delays: Readonly<Record<Regime, number>> = DELAY_STEPS): Task {
  // The last max(τ) + 1 inputs (x_{t-max τ} … x_t), newest last, so the target is defined from the first
  // step and the stream is continuous across the drift (the history carries over).
  const depth = Math.max(delays.A, delays.B) + 1;
  const history: number[] = Array.from({ length: depth }, () => 2 * rng.uniform() - 1);
  return {
    name: 'delay',
    inputSize: 1,
    outputSize: 1,
    description: `Delayed recall: x_t uniform on [-1, 1]; target x_{t-τ}, τ ${delays.A} -> ${delays.B} steps`,
    generate(regime: Regime, length: number, streamRng: Rng): Sequence {
      const seq = allocateSequence(length, 1, 1);
      const tau = delays[regime];
      for (let t = 0; t < length; t++) {
        const x = 2 * streamRng.uniform() - 1;
        history.push(x);
        history.shift();
        seq.x[t] = x;
        // history holds x_{t-depth+1} … x_t; x_{t-τ} sits τ places before the end
        seq.y[t] = history[history.length - 1 - tau];
      }
      return seq;
    },
  };
}
