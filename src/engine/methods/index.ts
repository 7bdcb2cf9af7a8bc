/**
 * The method registry: every learning method an arm can use, one record each (method.ts). What an arm
 * does is a `LearningMethod`, parsed from and printed to the short labels the CLI and tables use:
 * `frozen`, `readout`, `full`, `k=4`, `uoro`, `kf`, `snap1`, `tbptt:20`. Adding a method is its file (the record
 * and its estimators) plus one line in `METHODS`; its type joins `LearningMethod` from there.
 */
import { MODELS, type ModelKind, type ModelTypes, type RecurrentModel } from '../models';
import { frozen } from './frozen';
import { kf } from './kfRtrl';
import type { EstimatorFactory, EstimatorStreams, GradientEstimator, MethodCost, MethodRecord, SparseDefaults } from './method';
import { readout } from './readout';
import { full, sparse } from './rtrl';
import { snap1 } from './snap1';
import { tbptt } from './tbptt';
import { uoro } from './uoro';

/** Every method, in the order the usage text lists them. */
export const METHODS = [frozen, readout, full, sparse, uoro, kf, snap1, tbptt] as const;

type MethodOf<R> = R extends MethodRecord<infer M> ? M : never;
/** What an arm of the experiment does with its gradient transport. */
export type LearningMethod = MethodOf<(typeof METHODS)[number]>;
export type MethodKind = LearningMethod['kind'];

export const METHOD_KINDS: readonly MethodKind[] = METHODS.map((r) => r.kind);

/** The label forms, for usage texts and error messages: `frozen, full, k=K, uoro, kf, snap1, tbptt:T`. */
export const METHOD_FORMS: readonly string[] = METHODS.map((r) => r.form);

/** One line per method: its label form and what it does. */
export function methodUsage(): string[] {
  return METHODS.map((r) => `${r.form}: ${r.describe}`);
}

/** The record of a method kind. */
export function methodRecord<K extends MethodKind>(kind: K): MethodRecord<Extract<LearningMethod, { kind: K }>> {
  const record = METHODS.find((r) => r.kind === kind);
  if (!record) throw new Error(`unknown learning method: ${kind}`);
  return record as unknown as MethodRecord<Extract<LearningMethod, { kind: K }>>;
}

/** The loose view of a record that any method fits (the registry has checked the pairing). */
function recordOf(method: LearningMethod): MethodRecord<LearningMethod> {
  return methodRecord(method.kind) as unknown as MethodRecord<LearningMethod>;
}

export function methodLabel(method: LearningMethod): string {
  return recordOf(method).label(method);
}

/**
 * The inverse of methodLabel for the CLI's --arms list. Sparse arms take their strategy, refresh and
 * rescale from `sparseDefaults`. Returns null for an unknown label; ranges (k ≤ n, τ ≥ 1) are
 * validateConfig's job.
 */
export function parseMethodLabel(label: string, sparseDefaults: SparseDefaults): LearningMethod | null {
  const s = label.trim();
  for (const record of METHODS) {
    const method = record.parse(s, sparseDefaults);
    if (method) return method;
  }
  return null;
}

/**
 * Theoretical work of one step's gradient estimate: multiply-adds and bytes moved (science.md §3-§5).
 * `p` is the recurrent parameter count (columns of P).
 */
export function methodCost(method: LearningMethod, n: number, p: number, bytesPerFloat = 4, model: ModelKind = 'rnn'): MethodCost {
  const rows = MODELS[model].rowsPerUnit * n; // R: preactivation rows (n, or 4n gates)
  return recordOf(method).cost(method, {
    model,
    n,
    p,
    rows,
    states: MODELS[model].statesPerUnit * n, // S: state entries ([h; c] for the LSTM)
    hHat: p / rows, // L = n + m + 1, the length of ĥ_t = [h_{t-1}; x_t; 1]
    jvp: rows * n, // J_t v: one pass over W_h
    bytesPerFloat,
  });
}

/** Checks a method's own settings (its record's `validate`); throws a ConfigError naming the setting. */
export function validateMethod(method: LearningMethod, run: { n: number }, prefix = ''): void {
  recordOf(method).validate?.(method, run, prefix);
}

/** The gradient estimator of `method` for `model` (null for an arm that does not learn). */
export function createEstimator(model: RecurrentModel, method: LearningMethod, streams: EstimatorStreams): GradientEstimator | null {
  const kind = model.kind as ModelKind;
  const factory = recordOf(method).estimators[kind] as EstimatorFactory<LearningMethod, ModelTypes[ModelKind]> | undefined;
  if (!factory) throw new RangeError(`${methodLabel(method)} has no estimator for the ${kind} model`);
  return factory(model as ModelTypes[ModelKind], method, streams);
}

/** Whether the GPU engine (src/gpu) runs this method for this model; the rest run on the CPU engine. */
export function runsOnGpu(method: LearningMethod, model: ModelKind = 'rnn'): boolean {
  return recordOf(method).gpu.includes(model);
}

/** The method kinds the GPU engine runs for a model, in registry order. */
export function gpuMethodKinds(model: ModelKind = 'rnn'): MethodKind[] {
  return METHODS.filter((r) => r.gpu.includes(model)).map((r) => r.kind);
}

export type { EstimatorStreams, GradientEstimator, MethodCost, MethodRecord, SparseDefaults } from './method';
export type { FrozenMethod } from './frozen';
export type { ReadoutMethod } from './readout';
export type { FullMethod, RtrlMethod, SparseMethod } from './rtrl';
export type { UoroMethod } from './uoro';
export type { KfMethod } from './kfRtrl';
export type { Snap1Method } from './snap1';
export type { TbpttMethod } from './tbptt';
