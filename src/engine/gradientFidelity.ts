/**
 * cos(g_k, g_full) on a shared trajectory (science.md §8): shadow sparse-k estimators ride along the
 * full-RTRL arm, transported with its D_t, W and ĥ_t, so the only difference from its exact gradient is
 * the mask. The recovery numbers compare arms on their own trajectories; this isolates the gradient.
 * A shadow is the sparse arm's own estimator (methods/rtrl.ts) stepped on the full arm's model.
 */
import type { OnlineLearner } from './learner';
import { RnnRtrlEstimator, type SparseMethod } from './methods/rtrl';
import { cosine } from './metrics';
import type { RnnModel } from './models/rnn';
import { allocate, precisionOf, type Floats } from './precision';
import type { Rng } from './rng';
import type { Sequence } from './tasks/task';

interface Shadow {
  estimator: RnnRtrlEstimator;
  grad: Floats;
}

export class GradientFidelityProbe {
  private readonly shadows: Shadow[];
  /** cos(g_k, g_full) of the last step, one per sparse method (NaN when either gradient is zero) */
  readonly lastCosine: Float64Array;

  constructor(full: OnlineLearner<RnnModel>, methods: SparseMethod[], rngFor: (label: string) => Rng) {
    const precision = precisionOf(full.params.theta);
    this.shadows = methods.map((method) => ({
      estimator: new RnnRtrlEstimator(full.model, method, rngFor(`fidelity k=${method.k}`)),
      grad: allocate(precision, full.gradTheta.length),
    }));
    this.lastCosine = new Float64Array(methods.length).fill(NaN);
  }

  /** Called by the full learner after its own transport, before its parameter update. */
  observe(full: OnlineLearner<RnnModel>, seq: Sequence, t: number): void {
    this.shadows.forEach((s, index) => {
      if (seq.reset[t]) s.estimator.reset();
      s.estimator.step(seq, t, s.grad);
      this.lastCosine[index] = cosine(s.grad, full.gradTheta);
    });
  }
}
