/** The task registry: one name, one seeded generator. */
import type { Rng } from '../rng';
import { createAddingTask } from './adding';
import { createDelayTask } from './delay';
import { createLorenzTask } from './lorenz';
import { createNeuralDecodingTask } from './neuralDecoding';
import { createSineTask } from './sine';
import { DEFAULT_ADDING_LENGTH, type Task, type TaskName, type TaskOptions } from './task';

export type { Regime, Sequence, Task, TaskName, TaskOptions } from './task';
export { ADDING_LENGTH_BOUNDS, DEFAULT_ADDING_LENGTH, DELAY_BOUNDS, TASK_NAMES, allocateSequence } from './task';
export { ADDING_TRIVIAL_MSE, createAddingTask } from './adding';
export { createDelayTask, DELAY_STEPS } from './delay';
export { createLorenzTask, LORENZ_A_STATS, simulateLorenz } from './lorenz';
export { createNeuralDecodingTask } from './neuralDecoding';
export { createSineTask } from './sine';

/** A task by name; `options` sets the parameters the task has (the others ignore them). */
export function createTask(name: TaskName, rng: Rng, options: TaskOptions = {}): Task {
  const length = options.length ?? DEFAULT_ADDING_LENGTH;
  switch (name) {
    case 'sine':
      return createSineTask(rng);
    case 'lorenz':
      return createLorenzTask(rng);
    case 'neural':
      return createNeuralDecodingTask(rng);
    case 'adding':
      return createAddingTask(rng, length, 'sum');
    case 'adding-difference':
      return createAddingTask(rng, length, 'difference');
    case 'delay':
      return createDelayTask(rng, options.delay);
    default: {
      const unknown: never = name;
      throw new Error(`unknown task: ${String(unknown)}`);
    }
  }
}
