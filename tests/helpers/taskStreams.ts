import { Rng } from '../../src/engine/rng';
import { createTask } from '../../src/engine/tasks';
import type { Sequence, TaskName, TaskOptions } from '../../src/engine/tasks/task';

/** A task's regime A and regime B streams of `length` steps, the task and both streams drawn from one generator seeded with `seed`. */
export function regimeStreams(name: TaskName, seed: number, length: number, options: TaskOptions = {}): [Sequence, Sequence] {
  const rng = new Rng(seed);
  const task = createTask(name, rng, options);
  return [task.generate('A', length, rng), task.generate('B', length, rng)];
}
