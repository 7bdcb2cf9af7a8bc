/**
 * The readout-only arm: θ = (W, U, b) frozen at the pretrained values, the readout (V, c) adapting with its
 * exact local gradient, the arm's optimizer and rate. Every learning arm adapts its readout the same way;
 * only θ depends on the transport. So this arm is the floor that separates "the readout adapts" from "the
 * transport carries credit" (docs/science.md, "What the transport adds"): recovery beyond the readout is
 * measured from it.
 */
import { everyModel, fixedLabel, type GradientEstimator, type MethodRecord } from './method';
import type { Floats } from '../precision';

export type ReadoutMethod = { readonly kind: 'readout' };

/** g_t for θ is zero and θ is never stepped: nothing is carried, nothing is transported. */
class ReadoutOnlyEstimator implements GradientEstimator {
  readonly freezesTheta = true;
  reset(): void {}
  step(_seq: unknown, _t: number, grad: Floats): void {
    grad.fill(0);
  }
  sensitivityNorm(): number {
    return NaN;
  }
}

export const readout: MethodRecord<ReadoutMethod> = {
  kind: 'readout',
  form: 'readout',
  describe: 'readout only: W, U, b frozen, V and c adapt (the floor that recovery beyond the readout is measured from)',
  ...fixedLabel('readout'),
  // the forward pass over W_h (as frozen) and the readout's gradient e_t [h_t; 1]ᵀ, per output
  cost: (_m, { rows, n, bytesPerFloat }) => ({ macs: rows * n + n + 1, bytes: (rows * n + 2 * (n + 1)) * bytesPerFloat, carried: 0 }),
  estimators: everyModel(() => new ReadoutOnlyEstimator()),
  gpu: ['rnn'],
};
