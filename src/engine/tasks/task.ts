/**
 * A task is a seeded generator of input/target streams in two regimes: A (pretraining) and B (after the
 * drift). The whole stream is generated up front so every arm of an experiment sees the identical data.
 */
import type { Rng } from '../rng';

export type Regime = 'A' | 'B';

/** One generated stream, stored step-major: x[t*m + j], y[t*o + j]. */
export interface Sequence {
  readonly length: number;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** 1 where an error signal arrives at step t (every step for most tasks; the adding task only at the end). */
  readonly errorMask: Uint8Array;
  /** 1 where a new sequence starts at step t: the learner resets its hidden state and sensitivity first. */
  readonly reset: Uint8Array;
}

export interface Task {
  readonly name: TaskName;
  readonly inputSize: number;
  readonly outputSize: number;
  /** One line that says what regime A and regime B are, for tables and captions. */
  readonly description: string;
  /** `length` steps of the regime; consecutive calls continue the same underlying process. */
  generate(regime: Regime, length: number, rng: Rng): Sequence;
}

export type TaskName = 'sine' | 'lorenz' | 'neural' | 'adding' | 'delay';
export const TASK_NAMES: readonly TaskName[] = ['sine', 'lorenz', 'neural', 'adding', 'delay'];

export function allocateSequence(length: number, inputSize: number, outputSize: number): Sequence {
  return {
    length,
    inputSize,
    outputSize,
    x: new Float32Array(length * inputSize),
    y: new Float32Array(length * outputSize),
    errorMask: new Uint8Array(length).fill(1),
    reset: new Uint8Array(length),
  };
}
