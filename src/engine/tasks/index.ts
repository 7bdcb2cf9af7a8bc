/** The task registry: one name, one seeded generator. */
import type { Rng } from '../rng';
import { createAddingTask } from './adding';
import { createDelayTask } from './delay';
import { createLorenzTask } from './lorenz';
import { createNeuralDecodingTask } from './neuralDecoding';
import { createSineTask } from './sine';
import type { Task, TaskName } from './task';

export type { Regime, Sequence, Task, TaskName } from './task';
export { TASK_NAMES, allocateSequence } from './task';
export { createAddingTask } from './adding';
export { createDelayTask, DELAY_STEPS } from './delay';
export { createLorenzTask, LORENZ_A_STATS, simulateLorenz } from './lorenz';
export { createNeuralDecodingTask } from './neuralDecoding';
export { createSineTask } from './sine';

export function createTask(name: TaskName, rng: Rng): Task {
  switch (name) {
    case 'sine':
      return createSineTask(rng);
    case 'lorenz':
      return createLorenzTask(rng);
    case 'neural':
      return createNeuralDecodingTask(rng);
    case 'adding':
      return createAddingTask(rng);
    case 'delay':
      return createDelayTask(rng);
    default: {
      const unknown: never = name;
      throw new Error(`unknown task: ${String(unknown)}`);
    }
  }
}
