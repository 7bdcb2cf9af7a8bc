/**
 * cos(g_k, g_full) on a shared trajectory (science.md §8): shadow sparse sensitivities ride along the
 * full-RTRL arm, transported with its D_t, W and ĥ_t, so the only difference from its exact gradient is
 * the mask. The recovery numbers compare arms on their own trajectories; this isolates the gradient.
 */
import type { OnlineLearner } from './learner';
import type { SparseMethod } from './methods';
import type { RnnModel } from './models/rnn';
import { cosine } from './metrics';
import { allocate, precisionOf, type Floats } from './precision';
import type { Rng } from './rng';
import { addImmediateTerm, Sensitivity } from './sensitivity';
import type { Sequence } from './tasks/task';
import { transport } from './transport';
import { selectPaths } from './transportMask';

interface Shadow {
  method: SparseMethod;
  sensitivity: Sensitivity;
  sources: Int32Array;
  coeffs: Floats;
  grad: Floats;
  rng: Rng;
  steps: number;
}

export class GradientFidelityProbe {
  private readonly shadows: Shadow[];
  /** cos(g_k, g_full) of the last step, one per sparse method (NaN when either gradient is zero) */
  readonly lastCosine: Float64Array;

  constructor(full: OnlineLearner<RnnModel>, methods: SparseMethod[], rngFor: (label: string) => Rng) {
    const shape = full.params.shape;
    const precision = precisionOf(full.params.theta);
    this.shadows = methods.map((method) => {
      const shadow: Shadow = {
        method,
        sensitivity: new Sensitivity(shape, precision),
        sources: new Int32Array(shape.n * method.k),
        coeffs: allocate(precision, shape.n * method.k),
        grad: allocate(precision, full.gradTheta.length),
        rng: rngFor(`fidelity k=${method.k}`),
        steps: 0,
      };
      selectPaths(method.strategy, full.params.theta, shape.n, method.k, shadow.rng, shadow.sources);
      return shadow;
    });
    this.lastCosine = new Float64Array(methods.length).fill(NaN);
  }

  /** Called by the full learner after its own transport, before its parameter update. */
  observe(full: OnlineLearner<RnnModel>, seq: Sequence, t: number): void {
    const shape = full.params.shape;
    const { n, m, leak } = shape;
    const W = full.params.theta;
    const { d, hPrev, dLdh } = full.state;
    this.shadows.forEach((s, index) => {
      const { k, refreshEvery, rescale, strategy } = s.method;
      if (refreshEvery > 0 && s.steps > 0 && s.steps % refreshEvery === 0) selectPaths(strategy, W, n, k, s.rng, s.sources);
      s.steps++;
      if (seq.reset[t]) s.sensitivity.clear();
      const scale = rescale && k > 0 ? n / k : 1;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < k; j++) s.coeffs[i * k + j] = scale * d[i] * W[i * n + s.sources[i * k + j]];
      }
      const P = s.sensitivity;
      transport(P.current, P.next, n, P.p, k, s.sources, s.coeffs, 1 - leak, dLdh, s.grad);
      addImmediateTerm(shape, P.next, d, hPrev, seq.x, t * m, dLdh, s.grad);
      P.swap();
      this.lastCosine[index] = cosine(s.grad, full.gradTheta);
    });
  }
}
