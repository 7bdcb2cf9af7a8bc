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

/**
 * A random stream cut into segments of `period` steps: a reset at the start of each segment after the first
 * and an error only at each segment's last step, so a gradient must stop at every reset.
 */
export function segmentedSequence(length: number, m: number, o: number, seed: number, period: number): Sequence {
  const seq = randomSequence(length, m, o, seed);
  for (let t = period; t < length; t += period) seq.reset[t] = 1;
  for (let t = 0; t < length; t++) seq.errorMask[t] = t % period === period - 1 ? 1 : 0;
  return seq;
}
