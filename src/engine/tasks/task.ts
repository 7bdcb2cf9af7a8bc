/**
 * A task is a seeded generator of input/target streams in two regimes: A (pretraining) and B (after the
 * drift). The whole stream is generated up front so every arm of an experiment sees the identical data.
 */
import type { Rng } from '../rng';
import type { CsvSeries } from './csv';

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
  /**
   * The loss of the best constant predictor on regime B (½·MSE, the lab's loss unit), where a task states
   * one: the reference line an arm must get under to have learned anything (the adding problem: ½·2/12).
   */
  readonly trivialLoss?: number;
  readonly inputSize: number;
  readonly outputSize: number;
  /** One line that says what regime A and regime B are, for tables and captions. */
  readonly description: string;
  /** `length` steps of the regime; consecutive calls continue the same underlying process. */
  generate(regime: Regime, length: number, rng: Rng): Sequence;
}

export type TaskName = 'sine' | 'lorenz' | 'neural' | 'adding' | 'adding-difference' | 'delay' | 'weather' | 'co2' | 'csv';
/** The tasks that run from their name alone (the csv task also needs its table: DATA_TASK_NAMES). */
export const TASK_NAMES: readonly BuiltInTaskName[] = ['sine', 'lorenz', 'neural', 'adding', 'adding-difference', 'delay', 'weather', 'co2'];
/** Tasks that stream a table handed over in TaskOptions (the CLI's --data), so a name alone cannot create them. */
export type DataTaskName = 'csv';
export const DATA_TASK_NAMES: readonly DataTaskName[] = ['csv'];
export type BuiltInTaskName = Exclude<TaskName, DataTaskName>;

/** A task's parameters: the delay task's τ before and after the drift, the adding problems' sequence length, the csv task's table. */
export interface TaskOptions {
  /** delayed recall: τ in regime A and in regime B (DELAY_BOUNDS) */
  delay?: { readonly A: number; readonly B: number };
  /** adding problems: steps per sequence (ADDING_LENGTH_BOUNDS) */
  length?: number;
  /** the csv task: the user's table, parsed and checked (csv.ts csvSeries) */
  csv?: CsvSeries;
}

/** τ of the delay task: 1 ≤ τ ≤ 64. */
export const DELAY_BOUNDS = { min: 1, max: 64, integer: true } as const;
/** T of the adding problems: 2 ≤ T ≤ 10000. */
export const ADDING_LENGTH_BOUNDS = { min: 2, max: 10_000, integer: true } as const;
/** The adding problems' default sequence length. */
export const DEFAULT_ADDING_LENGTH = 30;

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
