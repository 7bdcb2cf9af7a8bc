/**
 * What the two unbiased factored estimators, UORO (P ≈ s θ̃ᵀ) and KF-RTRL (P ≈ u ⊗ A), share: each step
 * folds a sum of two factor products back into one with random signs, scaling each product's factors by
 * the balance that minimises the estimate's variance; the estimate's norm is its factors' norms'
 * product; and the estimator sees the model only through its Jacobian view, drawing from the noise stream.
 */
import type { ModelKind, RecurrentModel } from '../models';
import type { Floats } from '../precision';
import type { Rng } from '../rng';
import { everyModel, fixedLabel, norm2, type GradientEstimator, type MethodRecord } from './method';

/** Keeps a balance finite when a norm is zero (the first step, or a dead unit); small against real norms. */
const EPS = 1e-7;

/** √((‖a‖ + ε)/(‖b‖ + ε)): a multiplied by 1/ρ and b by ρ leaves a ⊗ b and gives both factors one norm. */
export function balance(normA: number, normB: number): number {
  return Math.sqrt((normA + EPS) / (normB + EPS));
}

/** ‖x ⊗ y‖ = ‖x‖·‖y‖, the sensitivity norm of a factored estimate. */
export function factoredNorm(x: Floats, y: Floats): number {
  return norm2(x) * norm2(y);
}

/** What a factored method's record says of its own: the rest follows (its label is its kind; one estimator serves every model). */
export interface FactoredMethodSpec<K extends string> {
  kind: K;
  describe: string;
  cost: MethodRecord<{ readonly kind: K }>['cost'];
  /** built per arm from the model and the run's noise stream */
  Estimator: new (model: RecurrentModel, noise: Rng) => GradientEstimator;
  gpu: readonly ModelKind[];
}

/** The record of a factored method. */
export function factoredMethod<K extends string>({ kind, describe, cost, Estimator, gpu }: FactoredMethodSpec<K>): MethodRecord<{ readonly kind: K }> {
  return {
    kind,
    form: kind,
    describe,
    ...fixedLabel(kind),
    cost,
    estimators: everyModel((model, _method, streams) => new Estimator(model, streams.noise)),
    gpu,
  };
}
