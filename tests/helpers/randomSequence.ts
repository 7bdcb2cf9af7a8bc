import { Rng } from '../../src/engine/rng';
import { allocateSequence, type Sequence } from '../../src/engine/tasks/task';

/** A random stream for the exactness tests: N(0,1) inputs and targets, an error at every step. */
export function randomSequence(length: number, m: number, o: number, seed: number): Sequence {
  const rng = new Rng(seed, 99);
  const seq = allocateSequence(length, m, o);
  for (let i = 0; i < seq.x.length; i++) seq.x[i] = rng.normal();
  for (let i = 0; i < seq.y.length; i++) seq.y[i] = 0.5 * rng.normal();
  return seq;
}
