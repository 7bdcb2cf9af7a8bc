/**
 * The kernels of a batch, each declared once as a descriptor (tfjs-backend-webgpu's program objects): its
 * shader, its buffers in binding order (the names are the shader's `var` names, checked when the pipeline
 * is created), its extra override constants and its dispatch size. GpuBatch builds a pipeline and bind
 * groups per entry and dispatches STEP_KERNELS in order, every step; METRIC_KERNELS run at sample steps.
 *
 * Ping-pong: h and P alternate between two buffers. At a step of parity x = t % 2, `hIn`/`pIn` are h[x]/P[x]
 * (what step t reads) and `hOut`/`pOut` are h[1-x]/P[1-x] (what it writes); a metric kernel reads `pCur`,
 * P[x] where x is the parity of the steps done so far.
 */
import { COLS, GS, TS, WG, type BatchLayout } from './layout';
import type { ShaderName } from './shaderSources';

/** Buffers a kernel can bind: batch buffers by name, and the ping-ponged ones by role. */
export type BindingName =
  | 'params' | 'state' | 'grad' | 'moments' | 'ctl' | 'losses' | 'sources' | 'lanes' | 'streams' | 'hyper' | 'partials' | 'norms' | 'grams'
  | 'hIn' | 'hOut' | 'pIn' | 'pOut' | 'pCur';

export type KernelName = 'forward' | 'sparse' | 'dense' | 'immediate' | 'gradient' | 'readoutGradient' | 'clipScale' | 'update' | 'stepEnd' | 'sumSquares' | 'gram';

/** What the descriptors need to know about a batch. */
export interface KernelEnv {
  layout: BatchLayout;
  /** lanes: all, sparse, full, learning (sparse + full); lanes are ordered sparse, full, frozen */
  B: number;
  S: number;
  F: number;
  L: number;
  optimizer: 'adam' | 'sgd';
  /** the sparse transport kernel chosen for this adapter and shape (sparseVariant.ts) */
  sparseShader: ShaderName;
}

export interface KernelSpec {
  name: KernelName;
  shader: ShaderName | ((env: KernelEnv) => ShaderName);
  bindings: readonly BindingName[];
  /** override constants beyond the batch's base set (layout.ts baseConstants) */
  constants?: (env: KernelEnv) => Record<string, number>;
  /** workgroups (x, y, z); a zero anywhere means the kernel has nothing to do in this batch */
  dispatch: (env: KernelEnv) => [number, number, number];
  /** false: this entry is not used in this batch (e.g. SGD when the optimizer is Adam) */
  when?: (env: KernelEnv) => boolean;
}

const transportBindings = ['params', 'state', 'pIn', 'pOut'] as const;

/** One step, in dispatch order: forward -> transport -> immediate -> g = cᵀP -> readout gradient -> clip -> update -> step end. */
export const STEP_KERNELS: readonly KernelSpec[] = [
  { name: 'forward', shader: 'forward', bindings: ['params', 'hIn', 'hOut', 'state', 'streams', 'lanes', 'ctl', 'losses'], dispatch: (e) => [e.B, 1, 1] },
  {
    name: 'sparse',
    shader: (e) => e.sparseShader,
    bindings: [...transportBindings, 'sources', 'lanes', 'streams', 'ctl'],
    dispatch: (e) => [Math.ceil(e.layout.p / (WG * COLS)), e.layout.n, e.S],
  },
  {
    name: 'dense',
    shader: 'denseTransport',
    bindings: [...transportBindings, 'lanes', 'streams', 'ctl'],
    constants: (e) => ({ LANE_BASE: e.S, TS }),
    dispatch: (e) => [Math.ceil(e.layout.p / TS), Math.ceil(e.layout.n / TS), e.F],
  },
  {
    name: 'immediate',
    shader: 'immediate',
    bindings: ['state', 'hIn', 'pOut', 'streams', 'lanes', 'ctl'],
    dispatch: (e) => [Math.ceil((e.layout.n + e.layout.m + 1) / WG), e.layout.n, e.L],
  },
  { name: 'gradient', shader: 'gradient', bindings: ['state', 'pOut', 'grad', 'partials'], dispatch: (e) => [e.layout.gt, 1, e.L] },
  { name: 'readoutGradient', shader: 'readoutGradient', bindings: ['state', 'hOut', 'grad', 'partials'], dispatch: (e) => [e.layout.gr, 1, e.L] },
  { name: 'clipScale', shader: 'clipScale', bindings: ['partials', 'state', 'hyper'], dispatch: (e) => [e.L, 1, 1] },
  {
    name: 'update',
    shader: 'adam',
    when: (e) => e.optimizer === 'adam',
    bindings: ['params', 'grad', 'moments', 'state', 'streams', 'lanes', 'ctl', 'hyper'],
    dispatch: (e) => [Math.ceil(e.layout.stride / WG), 1, e.L],
  },
  {
    name: 'update',
    shader: 'sgd',
    when: (e) => e.optimizer === 'sgd',
    bindings: ['params', 'grad', 'state', 'streams', 'lanes', 'ctl', 'hyper'],
    dispatch: (e) => [Math.ceil(e.layout.stride / WG), 1, e.L],
  },
  { name: 'stepEnd', shader: 'stepEnd', bindings: ['ctl', 'streams', 'lanes', 'losses'], dispatch: () => [1, 1, 1] },
];

/** Sampled every metricsEvery steps, on the P the last step wrote: ‖P‖² partials and the full lanes' P Pᵀ. */
export const METRIC_KERNELS: readonly KernelSpec[] = [
  { name: 'sumSquares', shader: 'sumSquares', bindings: ['pCur', 'norms'], constants: () => ({ GS }), dispatch: (e) => [GS, 1, e.L] },
  { name: 'gram', shader: 'gram', bindings: ['pCur', 'grams'], constants: (e) => ({ LANE_BASE: e.S }), dispatch: (e) => [e.layout.n, e.layout.n, e.F] },
];

export const shaderOf = (spec: KernelSpec, env: KernelEnv): ShaderName => (typeof spec.shader === 'function' ? spec.shader(env) : spec.shader);

/** The buffer a binding names at parity x (see the header): `pick(name, x)` for the batch to resolve. */
export function pingPong(name: BindingName, x: number): { buffer: 'h' | 'P'; index: number } | null {
  switch (name) {
    case 'hIn':
      return { buffer: 'h', index: x };
    case 'hOut':
      return { buffer: 'h', index: 1 - x };
    case 'pIn':
    case 'pCur':
      return { buffer: 'P', index: x };
    case 'pOut':
      return { buffer: 'P', index: 1 - x };
    default:
      return null;
  }
}
