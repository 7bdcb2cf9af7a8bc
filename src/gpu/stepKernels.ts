/**
 * The kernels of a batch, each declared once as a descriptor (tfjs-backend-webgpu's program objects): its
 * shader, its buffers in binding order with their access, its extra override constants and its dispatch
 * size. The binding declarations of the WGSL are generated from the descriptor (layout.ts wgslBindings),
 * so a shader's `var` names and the bind group's order cannot disagree; kernels.ts checks at pipeline
 * creation that the shader declares no binding of its own and uses every buffer it is given. GpuBatch
 * builds a pipeline and bind groups per entry and dispatches STEP_KERNELS in order, every step;
 * METRIC_KERNELS run at sample steps; BENCH_KERNELS are the benchmark's references.
 *
 * Ping-pong: h and P alternate between two buffers. At a step of parity x = t % 2, `hIn`/`pIn` are h[x]/P[x]
 * (what step t reads) and `hOut`/`pOut` are h[1-x]/P[1-x] (what it writes); a metric kernel reads `pCur`,
 * P[x] where x is the parity of the steps done so far.
 */
import { COLS, GS, TS, WG, type BatchLayout } from './layout';
import type { ShaderName } from './shaderSources';
import { SPARSE_SHADERS, VEC4_PER_INVOCATION } from './sparseVariant';

/** Buffers a kernel can bind: batch buffers by name, and the ping-ponged ones by role. */
export type BindingName =
  | 'params' | 'state' | 'grad' | 'moments' | 'ctl' | 'losses' | 'sources' | 'lanes' | 'streams' | 'hyper' | 'partials' | 'norms' | 'grams'
  | 'window' | 'factors' | 'noise'
  | 'hIn' | 'hOut' | 'pIn' | 'pOut' | 'pCur'
  // the benchmark's reference kernels
  | 'src' | 'dst' | 'lhs' | 'rhs' | 'out';

/** 'read', or 'write' (read_write); the element type of each buffer is layout.ts's WGSL_TYPES. */
export type Access = 'read' | 'write';
/** A kernel's buffers in binding order (an object's keys keep their order). */
export type Bindings = Readonly<Partial<Record<BindingName, Access>>>;

export type KernelName =
  | 'forward' | 'sparse' | 'dense' | 'immediate' | 'gradient' | 'tbptt' | 'readoutGradient' | 'clipScale' | 'update' | 'updateReadout' | 'stepEnd'
  | 'uoroState' | 'uoroGradient' | 'kfTransport' | 'kfUpdate' | 'kfGradient'
  | 'sumSquares' | 'gram' | 'copy' | 'matmul';

/** What the descriptors need to know about a batch. */
export interface KernelEnv {
  layout: BatchLayout;
  /**
   * lanes: all, sparse, full, with a P (sparse + full), TBPTT, UORO, KF-RTRL, readout (θ frozen, V and c
   * adapt), learning (all but frozen: the readout lanes are the last R of them); lanes are ordered sparse,
   * full, TBPTT, UORO, KF-RTRL, readout, frozen
   */
  B: number;
  S: number;
  F: number;
  PL: number;
  Tb: number;
  U: number;
  K: number;
  R: number;
  L: number;
  /** steps in the UORO and KF-RTRL lanes' noise rings (the batch's readbackEvery: a chunk never runs more) */
  chunk: number;
  optimizer: 'adam' | 'sgd';
  /** the sparse transport kernel chosen for this adapter and shape (sparseVariant.ts) */
  sparseShader: ShaderName;
}

export interface KernelSpec {
  name: KernelName;
  shader: ShaderName | ((env: KernelEnv) => ShaderName);
  /** with a chosen shader: every shader it may choose (they share the bindings) */
  variants?: readonly ShaderName[];
  bindings: Bindings;
  /** override constants beyond the batch's base set (layout.ts baseConstants) */
  constants?: (env: KernelEnv) => Record<string, number>;
  /** workgroups (x, y, z); a zero anywhere means the kernel has nothing to do in this batch */
  dispatch: (env: KernelEnv) => [number, number, number];
}

const transport = { params: 'read', state: 'read', pIn: 'read', pOut: 'write' } as const;
const perLane = { streams: 'read', lanes: 'read', ctl: 'write' } as const;
const update = { params: 'write', grad: 'read', moments: 'write', state: 'read', ...perLane, hyper: 'read' } as const;
/** The learning lanes that learn θ: the readout lanes come after them (the preamble's THETA_LANES). */
const thetaLanes = (e: KernelEnv) => ({ THETA_LANES: e.L - e.R });

/**
 * One step, in dispatch order: forward -> transport -> immediate -> g = cᵀP (the RTRL lanes) -> the
 * baselines' gradients (TBPTT, UORO, KF-RTRL) -> readout gradient -> clip -> update -> step end.
 * Readout lanes (θ frozen) join only the forward pass, the readout gradient, the clip and the readout's
 * part of the update (`updateReadout`): no θ-gradient kernel's range reaches them.
 */
export const STEP_KERNELS: readonly KernelSpec[] = [
  {
    name: 'forward',
    shader: 'forward',
    bindings: { params: 'read', hIn: 'read', hOut: 'write', state: 'write', ...perLane, losses: 'write' },
    dispatch: (e) => [e.B, 1, 1],
  },
  {
    name: 'sparse',
    shader: (e) => e.sparseShader,
    variants: SPARSE_SHADERS,
    bindings: { ...transport, sources: 'read', ...perLane },
    constants: (e): Record<string, number> => (e.sparseShader === 'sparseTransportVec4' ? { VPT: VEC4_PER_INVOCATION } : {}),
    dispatch: (e) => [Math.ceil(e.layout.p / (WG * (e.sparseShader === 'sparseTransportVec4' ? 4 * VEC4_PER_INVOCATION : COLS))), e.layout.n, e.S],
  },
  {
    name: 'dense',
    shader: 'denseTransport',
    bindings: { ...transport, ...perLane },
    constants: (e) => ({ LANE_BASE: e.S, TS }),
    dispatch: (e) => [Math.ceil(e.layout.p / TS), Math.ceil(e.layout.n / TS), e.F],
  },
  {
    name: 'immediate',
    shader: 'immediate',
    bindings: { state: 'read', hIn: 'read', pOut: 'write', ...perLane },
    dispatch: (e) => [Math.ceil((e.layout.n + e.layout.m + 1) / WG), e.layout.n, e.PL],
  },
  { name: 'gradient', shader: 'gradient', bindings: { state: 'read', pOut: 'read', grad: 'write', partials: 'write' }, dispatch: (e) => [e.layout.gt, 1, e.PL] },
  {
    name: 'tbptt',
    shader: 'tbptt',
    bindings: { params: 'read', state: 'read', hIn: 'read', window: 'write', grad: 'write', partials: 'write', ...perLane },
    constants: (e) => ({ LANE_BASE: e.PL }),
    dispatch: (e) => [1, 1, e.Tb],
  },
  // UORO: the O(n²) state side, one workgroup per lane, then the O(p) parameter side over GT workgroups
  {
    name: 'uoroState',
    shader: 'uoroState',
    bindings: { params: 'read', state: 'read', hIn: 'read', factors: 'write', noise: 'read', ...perLane },
    constants: (e) => ({ LANE_BASE: e.PL + e.Tb, CH: e.chunk }),
    dispatch: (e) => [1, 1, e.U],
  },
  {
    name: 'uoroGradient',
    shader: 'uoroGradient',
    bindings: { lanes: 'read', factors: 'write', grad: 'write', partials: 'write' },
    constants: (e) => ({ LANE_BASE: e.PL + e.Tb }),
    dispatch: (e) => [e.layout.gt, 1, e.U],
  },
  // KF-RTRL: J A (n³, a workgroup per column of A), the fold (one workgroup per lane), then A and g over GT workgroups
  {
    name: 'kfTransport',
    shader: 'kfTransport',
    bindings: { params: 'read', state: 'read', factors: 'write', ...perLane },
    constants: (e) => ({ LANE_BASE: e.PL + e.Tb + e.U }),
    dispatch: (e) => [e.layout.n, 1, e.K],
  },
  {
    name: 'kfUpdate',
    shader: 'kfUpdate',
    bindings: { state: 'read', hIn: 'read', factors: 'write', noise: 'read', ...perLane },
    constants: (e) => ({ LANE_BASE: e.PL + e.Tb + e.U, CH: e.chunk }),
    dispatch: (e) => [1, 1, e.K],
  },
  {
    name: 'kfGradient',
    shader: 'kfGradient',
    bindings: { state: 'read', lanes: 'read', factors: 'write', grad: 'write', partials: 'write' },
    constants: (e) => ({ LANE_BASE: e.PL + e.Tb + e.U }),
    dispatch: (e) => [e.layout.gt, 1, e.K],
  },
  {
    name: 'readoutGradient',
    shader: 'readoutGradient',
    bindings: { state: 'read', hOut: 'read', grad: 'write', partials: 'write' },
    constants: thetaLanes,
    dispatch: (e) => [e.layout.gr, 1, e.L],
  },
  { name: 'clipScale', shader: 'clipScale', bindings: { partials: 'read', state: 'write', hyper: 'read' }, constants: thetaLanes, dispatch: (e) => [e.L, 1, 1] },
  {
    name: 'update',
    shader: 'update',
    bindings: update,
    constants: (e) => ({ ADAM: e.optimizer === 'adam' ? 1 : 0, ...thetaLanes(e) }),
    dispatch: (e) => [Math.ceil(e.layout.stride / WG), 1, e.L - e.R],
  },
  // the readout lanes: the same kernel over V and c only, a dispatch of its own rather than a θ branch per lane
  {
    name: 'updateReadout',
    shader: 'update',
    bindings: update,
    constants: (e) => ({ ADAM: e.optimizer === 'adam' ? 1 : 0, ...thetaLanes(e), LANE_BASE: e.L - e.R, FIRST: e.layout.p }),
    dispatch: (e) => [Math.ceil(e.layout.nr / WG), 1, e.R],
  },
  { name: 'stepEnd', shader: 'stepEnd', bindings: { ...perLane, losses: 'write' }, dispatch: () => [1, 1, 1] },
];

/** Sampled every metricsEvery steps, on the P the last step wrote: ‖P‖² partials and the full lanes' P Pᵀ. */
export const METRIC_KERNELS: readonly KernelSpec[] = [
  { name: 'sumSquares', shader: 'sumSquares', bindings: { pCur: 'read', norms: 'write' }, constants: () => ({ GS }), dispatch: (e) => [GS, 1, e.PL] },
  { name: 'gram', shader: 'gram', bindings: { pCur: 'read', grams: 'write' }, constants: (e) => ({ LANE_BASE: e.S }), dispatch: (e) => [e.layout.n, e.layout.n, e.F] },
];

/** The benchmark's references (bench-gpu.ts): a plain copy and a plain tiled matrix product. Dispatched by the script. */
export const BENCH_KERNELS: readonly KernelSpec[] = [
  { name: 'copy', shader: 'copy', bindings: { src: 'read', dst: 'write' }, dispatch: () => [0, 0, 0] },
  { name: 'matmul', shader: 'matmul', bindings: { lhs: 'read', rhs: 'read', out: 'write' }, dispatch: () => [0, 0, 0] },
];

/** Buffers a shader views with another element type than layout.ts's (P as vec4 along its rows). */
export const SHADER_TYPES: Partial<Record<ShaderName, Readonly<Record<string, string>>>> = {
  sparseTransportVec4: { pIn: 'array<vec4f>', pOut: 'array<vec4f>' },
};

/** Names of a kernel's buffers in binding order. */
export const bindingNames = (bindings: Bindings): BindingName[] => Object.keys(bindings) as BindingName[];

/** Every shader's bindings, from the descriptors that use it (a shader's variants share one descriptor). */
export function shaderBindings(): Map<ShaderName, Bindings> {
  const out = new Map<ShaderName, Bindings>();
  for (const spec of [...STEP_KERNELS, ...METRIC_KERNELS, ...BENCH_KERNELS]) for (const shader of shadersOf(spec)) out.set(shader, spec.bindings);
  return out;
}

/** Every shader a descriptor may run. */
export const shadersOf = (spec: KernelSpec): readonly ShaderName[] => (typeof spec.shader === 'string' ? [spec.shader] : (spec.variants ?? []));

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
