/** Shared by the exactness tests: a learner with θ held fixed, its gradients summed over a sequence, and the error measure. */
import { OnlineLearner } from '../../src/engine/learner';
import type { LearningMethod } from '../../src/engine/methods';
import type { RecurrentModel } from '../../src/engine/models';
import { Rng } from '../../src/engine/rng';
import type { Sequence } from '../../src/engine/tasks/task';

/** A learner that computes g_t but never moves θ (lr 0, frozen), with seeded selection and noise streams. */
export function frozenLearner<M extends RecurrentModel>(model: M, method: LearningMethod, noiseSeed = 1): OnlineLearner<M> {
  return new OnlineLearner(model, method, {
    optimizer: { kind: 'sgd', lr: 0, clipNorm: 0 },
    selectionRng: new Rng(1),
    noiseRng: new Rng(noiseSeed, 7),
    frozenParams: true,
  });
}

/** Σ_t g_t (recurrent and readout parts) and Σ_t L_t over the sequence, θ fixed, in float64. */
export function onlineGradientSum<M extends RecurrentModel>(
  learner: OnlineLearner<M>,
  seq: Sequence,
): { theta: Float64Array; readout: Float64Array; loss: number } {
  const theta = new Float64Array(learner.gradTheta.length);
  const readout = new Float64Array(learner.gradReadout.length);
  let loss = 0;
  for (let t = 0; t < seq.length; t++) {
    loss += learner.step(seq, t);
    for (let i = 0; i < theta.length; i++) theta[i] += learner.gradTheta[i];
    for (let i = 0; i < readout.length; i++) readout[i] += learner.gradReadout[i];
  }
  return { theta, readout, loss };
}

/** ‖a − b‖ / ‖b‖. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * Central differences (L(θ + h·e_i) − L(θ − h·e_i)) / 2h for i in [from, to), θ put back after each; the
 * entries outside the range stay 0. `loss` reads θ where it is, so the caller's arrays are the ones nudged.
 */
export function centralDifferences(
  theta: { [i: number]: number; readonly length: number },
  loss: () => number,
  h: number,
  from = 0,
  to = theta.length,
): Float64Array {
  const fd = new Float64Array(theta.length);
  for (let i = from; i < to; i++) {
    const keep = theta[i];
    theta[i] = keep + h;
    const up = loss();
    theta[i] = keep - h;
    const down = loss();
    theta[i] = keep;
    fd[i] = (up - down) / (2 * h);
  }
  return fd;
}
