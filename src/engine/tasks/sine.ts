/**
 * Sine drift: x_t = s_t, target s_{t+h} (h = SINE_HORIZON), with s a sum of two sines.
 * Regime A: ω = (0.10, 0.23) rad/step; regime B (the drift): ω = (0.15, 0.31); amplitudes (0.6, 0.3) in both.
 */
import type { Rng } from '../rng';
import { allocateSequence, type Regime, type Sequence, type Task } from './task';

export const SINE_AMPLITUDES: readonly number[] = [0.6, 0.3];
export const SINE_FREQUENCIES: Readonly<Record<Regime, readonly number[]>> = {
  A: [0.1, 0.23],
  B: [0.15, 0.31],
};

const TWO_PI = 2 * Math.PI;

/** Prediction horizon in steps [choice]: far enough ahead that the frequency matters. */
export const SINE_HORIZON = 10;

export function createSineTask(rng: Rng, horizon = SINE_HORIZON): Task {
  // Each component keeps its own running phase, advanced by its regime's ω every step. Switching ω then
  // changes only the slope, never the value, so the stream stays continuous across the drift.
  const phase = SINE_AMPLITUDES.map(() => rng.uniform() * TWO_PI);

  const signal = (p: readonly number[]): number => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += SINE_AMPLITUDES[i] * Math.sin(p[i]);
    return s;
  };
  // Values already generated but not yet consumed as inputs: future[0] is the next x, future[h] its target.
  const future: number[] = [signal(phase)];

  return {
    name: 'sine',
    inputSize: 1,
    outputSize: 1,
    description: `Sum of two sines, amplitudes (0.6, 0.3); ω (0.10, 0.23) -> (0.15, 0.31) rad/step; predict s_{t+${horizon}}`,
    // The process is deterministic once its phases are drawn, so the per-call rng is not needed.
    generate(regime: Regime, length: number, _rng: Rng): Sequence {
      const seq = allocateSequence(length, 1, 1);
      const omega = SINE_FREQUENCIES[regime];
      for (let t = 0; t < length; t++) {
        while (future.length <= horizon) {
          for (let i = 0; i < phase.length; i++) {
            // Wrapping keeps the float64 phase small so a long run loses no precision.
            phase[i] = (phase[i] + omega[i]) % TWO_PI;
          }
          future.push(signal(phase));
        }
        seq.x[t] = future[0];
        seq.y[t] = future[horizon];
        future.shift();
      }
      return seq;
    },
  };
}
