/**
 * What a model contributes to the GPU engine, one record per model (rnnGpu.ts, lstmGpu.ts): its layout
 * extension, its preamble extension, the kernels of its forward pass and transports, and its choice of
 * transport kernel by adapter. One batch (batch.ts) runs any model's lanes through its record and the
 * lane kinds (laneKinds.ts); one compile path (kernels.ts) builds every kernel of every record.
 */
import type { ModelKind } from '../engine/models';
import type { Floats } from '../engine/precision';
import { GpuError } from './errors';
import type { BatchLayout, GpuShape } from './layout';
import { LSTM_GPU, type LstmFullTransport } from './lstmGpu';
import { RNN_GPU } from './rnnGpu';
import type { ShaderName } from './shaderSources';
import type { SparsePreference, SparseRoute, TransportChoice } from './sparseVariant';
import { GRADIENT_KERNEL, SETTLE_KERNEL, shadersOf, SUM_SQUARES_KERNEL, UPDATE_KERNELS, type Bindings, type KernelSpec } from './stepKernels';

/** The batch options a model's transport choice reads. */
export interface TransportOptions {
  /** the RNN's sparse kernel (sparseVariant.ts) */
  sparseKernel?: SparsePreference;
  /** the RNN's route for sparse-k lanes: gathered, or the masked dense tile (sparseVariant.ts chooseDenseRoute) */
  sparseRoute?: SparseRoute;
  /** the LSTM's full-lane kernel (lstmGpu.ts) */
  fullTransport?: LstmFullTransport;
}

export interface GpuModel {
  kind: ModelKind;
  /** its name in messages */
  name: string;
  /** the batch layout for a shape: layout.ts's, extended (p, the state record's tail, state and P parts) */
  layout(shape: GpuShape): BatchLayout;
  /** WGSL appended to layout.ts's preamble in the modules of its own kernels ('' for none) */
  preamble: string;
  /** override constants every kernel of its batches gets beyond layout.ts's base set */
  constants(layout: BatchLayout): Record<string, number>;
  /** its kernels before g = cᵀP, in dispatch order: the forward pass (which settles the step before), the transports of P with the immediate term */
  transport: readonly KernelSpec[];
  /** its sparse transport writes row-block partials of g = cᵀP (gradParts), which gradient.wgsl sums instead of reading P */
  gradientParts: boolean;
  /** its kernels after g = cᵀP: the θ gradients of the lanes without a P (TBPTT, UORO, KF-RTRL) */
  estimators: readonly KernelSpec[];
  /** its metric kernels beyond ‖P‖² */
  metrics: readonly KernelSpec[];
  /** the transport kernels on this adapter, and why */
  chooseTransport(software: boolean, layout: BatchLayout, options: TransportOptions): TransportChoice;
  /** the n × n path weights a selection ranks (the engine's pathWeights), from θ's first rowsPerUnit·n² entries */
  pathWeights(layout: BatchLayout, theta: Floats): Floats;
  /** the full lanes' W, D_t and P Pᵀ come back at metric steps (the RNN's Jacobian and P spectra) */
  spectra: boolean;
  /** the snapshot's names for the parts of its running state and of its P (layout stateParts, pParts) */
  stateNames: readonly ('h' | 'c')[];
  pNames: readonly ('P' | 'ph' | 'pc')[];
}

/** The models the GPU engine has a record for. */
export const GPU_MODELS: Readonly<Partial<Record<ModelKind, GpuModel>>> = { rnn: RNN_GPU, lstm: LSTM_GPU };

export function gpuModel(kind: ModelKind): GpuModel {
  const model = GPU_MODELS[kind];
  if (!model) throw new GpuError('validation', `the GPU engine has no record for the ${kind} model; it runs on the CPU engine (--backend cpu)`);
  return model;
}

/** One step of a model's batch, in dispatch order: its transports, g = cᵀP, its estimators, then the update. */
export function stepTable(model: GpuModel): readonly KernelSpec[] {
  return [...model.transport, GRADIENT_KERNEL, ...model.estimators, ...UPDATE_KERNELS];
}

/** Its metric kernels: ‖P‖², then its own. */
export function metricTable(model: GpuModel): readonly KernelSpec[] {
  return [SUM_SQUARES_KERNEL, ...model.metrics];
}

const models = Object.values(GPU_MODELS);
const once = (specs: KernelSpec[]) => specs.filter((k, i) => specs.indexOf(k) === i);
/** Every step kernel of every model (the shared ones once): what the layout checks and the compile path look up. */
export const STEP_KERNELS: readonly KernelSpec[] = once([...models.flatMap((m) => [...stepTable(m)]), SETTLE_KERNEL]);
export const METRIC_KERNELS: readonly KernelSpec[] = once(models.flatMap((m) => [...metricTable(m)]));

/** Every shader's bindings, from the descriptors that use it (a shader's variants share one descriptor). */
export function shaderBindings(extra: readonly KernelSpec[]): Map<ShaderName, Bindings> {
  const out = new Map<ShaderName, Bindings>();
  for (const spec of [...STEP_KERNELS, ...METRIC_KERNELS, ...extra]) for (const shader of shadersOf(spec)) out.set(shader, spec.bindings);
  return out;
}

/** The model whose own kernel a shader is (its module gets the model's preamble), if any. */
export function shaderModel(shader: ShaderName): GpuModel | null {
  return models.find((m) => [...m.transport, ...m.estimators, ...m.metrics].some((k) => shadersOf(k).includes(shader))) ?? null;
}
