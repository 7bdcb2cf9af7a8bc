/**
 * One online estimate of the recurrent-parameter gradient g_t ≈ ∂L_t/∂θ through everything that came
 * before, the part in which the arms of an experiment differ (science.md §2-§5). The learner runs the
 * forward pass and the readout, then asks its estimator for g_t; the estimator keeps whatever it carries
 * across steps (a sensitivity P, a rank-1 or Kronecker factor, a trace, a window of activations).
 * Implementations allocate everything in their constructor; `step` allocates nothing.
 */
import type { Floats } from './precision';
import type { Rng } from './rng';
import type { Sequence } from './tasks/task';

export interface GradientEstimator {
  /** A new sequence starts (after the model's state was reset): forget what was carried. */
  reset(): void;
  /**
   * Called on step t after the model's forward pass and readout (its state holds h_{t-1}, h_t, and
   * c_t = ∂L_t/∂h_t). Updates the carried quantity and writes g_t into `grad` (overwriting it).
   */
  step(seq: Sequence, t: number, grad: Floats): void;
  /** ‖P_t‖, or the norm of what stands in for it (NaN where nothing like P is kept). */
  sensitivityNorm(): number;
}

/** The random streams an estimator may draw from, each its own so arms never share draws. */
export interface EstimatorStreams {
  /** path selection of the sparse arms */
  selection: Rng;
  /** the noise of the unbiased estimators (UORO's ν, KF-RTRL's signs) */
  noise: Rng;
}

/** Frobenius norm of a vector or flattened matrix. */
export function norm2(a: Floats, length = a.length): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}
