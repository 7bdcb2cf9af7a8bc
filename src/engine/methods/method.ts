/**
 * What a learning method is, stated once. A method (frozen, full RTRL, sparse-k, UORO, …) is one record
 * (`MethodRecord`): its label and how to parse it, its cost per step, an estimator per model, and the
 * models the GPU engine runs it for. The registry (index.ts) lists the records.
 *
 * An estimator is one online estimate of the recurrent-parameter gradient g_t ≈ ∂L_t/∂θ through
 * everything that came before, the part in which the arms of an experiment differ (science.md §2-§5).
 * The learner runs the forward pass and the readout, then asks its estimator for g_t; the estimator
 * keeps whatever it carries across steps (a sensitivity P, a rank-1 or Kronecker factor, a trace, a
 * window of activations). Implementations allocate everything in their constructor; `step` allocates
 * nothing.
 */
import { MODEL_KINDS, type ModelKind, type ModelTypes, type RecurrentModel } from '../models';
import type { Floats } from '../precision';
import type { Rng } from '../rng';
import type { Sensitivity } from '../sensitivity';
import type { Sequence } from '../tasks/task';
import type { SelectionStrategy } from '../transportMask';

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
  /** the estimators that keep paths: kept sources per unit, n·k indices (n·n for full RTRL) */
  readonly sources?: Int32Array;
  /** …and how many times that mask was (re)drawn */
  readonly selectionsDrawn?: number;
  /** the RNN's exact or masked sensitivity P_t (n × p), where one is kept */
  readonly sensitivity?: Sensitivity;
  /** true: θ is never stepped (the readout-only arm); only the readout adapts */
  readonly freezesTheta?: boolean;
}

/** The random streams an estimator may draw from, each its own so arms never share draws. */
export interface EstimatorStreams {
  /** path selection of the sparse arms */
  selection: Rng;
  /** the noise of the unbiased estimators (UORO's ν, KF-RTRL's signs) */
  noise: Rng;
}

/** What a sparse label (`k=4`) does not say: the run's selection settings. */
export interface SparseDefaults {
  strategy: SelectionStrategy;
  refreshEvery: number;
  rescale: boolean;
}

/**
 * The sizes a method's cost is stated in (science.md §3-§5): n hidden units, p recurrent parameters,
 * R = rows preactivation rows, S = states state entries, L = hHat = p / R, one pass over W_h = jvp.
 */
export interface CostDims {
  model: ModelKind;
  n: number;
  p: number;
  rows: number;
  states: number;
  hHat: number;
  jvp: number;
  bytesPerFloat: number;
}

/** Theoretical work of one step's gradient estimate. */
export interface MethodCost {
  macs: number;
  bytes: number;
  /**
   * floats the arm carries from step to step for its gradient: P (n·p for the RNN), or what stands in for
   * it (UORO's s and θ̃, KF-RTRL's u and A, SnAp-1's traces, TBPTT's window); 0 for frozen and readout-only
   */
  carried: number;
}

/** Builds the estimator of one method for one model (null: the arm learns nothing, e.g. frozen). */
export type EstimatorFactory<M, Model> = (model: Model, method: M, streams: EstimatorStreams) => GradientEstimator | null;

export interface MethodRecord<M extends { readonly kind: string }> {
  readonly kind: M['kind'];
  /** the label's form for usage texts (`k=K`, `tbptt:T`) */
  readonly form: string;
  /** what the method does, in one line */
  readonly describe: string;
  /** the short label the CLI, tables and charts use (`k=4`, `tbptt:20`) */
  label(method: M): string;
  /** the inverse of `label`; null when `label` is not this method's (ranges are validateConfig's job) */
  parse(label: string, sparse: SparseDefaults): M | null;
  cost(method: M, dims: CostDims): MethodCost;
  /**
   * Checks the method's own settings against the run (k ≤ n, τ ≥ 1, …); throws a ConfigError naming the
   * setting, prefixed by `prefix` (e.g. the CLI's `--arms k=99: `). Absent: nothing to check.
   */
  validate?(method: M, run: { n: number }, prefix?: string): void;
  /** an estimator per model; a model without one cannot run this method */
  readonly estimators: { readonly [K in ModelKind]?: EstimatorFactory<M, ModelTypes[K]> };
  /** the models the GPU engine (src/gpu) runs this method for */
  readonly gpu: readonly ModelKind[];
}

/** label and parse of a method whose label is its kind (`frozen`, `full`, `uoro`, …) */
export function fixedLabel<K extends string>(kind: K): { label: () => K; parse: (label: string) => { kind: K } | null } {
  return { label: () => kind, parse: (label) => (label === kind ? { kind } : null) };
}

/** One estimator for every model: those that see a model only through its Jacobian view (UORO, KF-RTRL). */
export function everyModel<M>(create: EstimatorFactory<M, RecurrentModel>): { readonly [K in ModelKind]: EstimatorFactory<M, ModelTypes[K]> } {
  return Object.fromEntries(MODEL_KINDS.map((kind) => [kind, create])) as unknown as { [K in ModelKind]: EstimatorFactory<M, ModelTypes[K]> };
}

/** Number(s) but NaN for '' and whitespace, so 'k=' is rejected rather than read as k = 0. */
export function strictNumber(s: string): number {
  return s.trim() === '' ? NaN : Number(s);
}

/** Frobenius norm of a vector or flattened matrix. */
export function norm2(a: Floats, length = a.length): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}
