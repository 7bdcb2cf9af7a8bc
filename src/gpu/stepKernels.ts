/**
 * The kernels of a batch, each declared once as a descriptor (tfjs-backend-webgpu's program objects): its
 * shader, its buffers in binding order with their access, its extra override constants and its dispatch
 * size. The binding declarations of the WGSL are generated from the descriptor (layout.ts wgslBindings),
 * so a shader's `var` names and the bind group's order cannot disagree; kernels.ts checks at pipeline
 * creation that the shader declares no binding of its own and uses every buffer it is given.
 *
 * This file holds the descriptor types and the kernels every model shares (g = cᵀP with the readout
 * gradient, the clip with the optimizer, the chunk's settle, ‖P‖²); a model's own kernels (its forward pass, its transports,
 * the θ gradients of its lanes without P) are in its GPU record (rnnGpu.ts, lstmGpu.ts), and
 * gpuModels.ts puts a model's step together: stepTable(model) is dispatched in order every step,
 * metricTable(model) at sample steps. BENCH_KERNELS are the benchmark's references.
 *
 * Ping-pong: h and P alternate between two buffers. At a step of parity x = t % 2, `hIn`/`pIn` are h[x]/P[x]
 * (what step t reads) and `hOut`/`pOut` are h[1-x]/P[1-x] (what it writes); a metric kernel reads `pCur`,
 * P[x] where x is the parity of the steps done so far.
 */
import { GS, ROW_BLOCK, WG, type BatchLayout, type LaneRange } from './layout';
import type { ShaderName } from './shaderSources';

/** Buffers a kernel can bind: batch buffers by name, and the ping-ponged ones by role. */
export type BindingName =
  | 'params'
  | 'state'
  | 'grad'
  | 'moments'
  | 'ctl'
  | 'losses'
  | 'sources'
  | 'lanes'
  | 'streams'
  | 'hyper'
  | 'partials'
  | 'norms'
  | 'grams'
  | 'gradParts'
  | 'window'
  | 'factors'
  | 'noise'
  | 'hIn'
  | 'hOut'
  | 'pIn'
  | 'pOut'
  | 'pCur'
  // the benchmark's reference kernels
  | 'src'
  | 'dst'
  | 'lhs'
  | 'rhs'
  | 'out';

/** 'read', or 'write' (read_write); the element type of each buffer is layout.ts's WGSL_TYPES. */
export type Access = 'read' | 'write';
/** A kernel's buffers in binding order (an object's keys keep their order). */
export type Bindings = Readonly<Partial<Record<BindingName, Access>>>;

export type KernelName =
  | 'forward'
  | 'sparse'
  | 'dense'
  | 'gradient'
  | 'tbptt'
  | 'tbpttGradient'
  | 'update'
  | 'updateReadout'
  | 'stepEnd'
  | 'uoroState'
  | 'uoroGradient'
  | 'kfTransport'
  | 'kfUpdate'
  | 'kfGradient'
  | 'lstmForward'
  | 'lstmTransport'
  | 'lstmDense'
  | 'sumSquares'
  | 'gram'
  | 'copy'
  | 'matmul';

/** What the descriptors need to know about a batch. */
export interface KernelEnv {
  layout: BatchLayout;
  /** lanes in all */
  B: number;
  /** lanes per range, and the first (internal) lane of each: lanes are ordered by LANE_RANGES */
  count: Readonly<Record<LaneRange, number>>;
  base: Readonly<Record<LaneRange, number>>;
  /** lanes with a P (sparse + full), learning lanes (all but frozen), and those of them that learn θ (all but readout) */
  PL: number;
  L: number;
  thetaLanes: number;
  /** steps in the UORO and KF-RTRL lanes' noise rings (the batch's readbackEvery: a chunk never runs more) */
  chunk: number;
  optimizer: 'adam' | 'sgd';
  /** the shader the sparse range's transport runs on this adapter (the model's choice: sparseVariant.ts) */
  sparseShader: ShaderName;
  /** lanes of the sparse range whose transport writes row-block partials of g = cᵀP (the RNN's: all of them; the LSTM's: none) */
  partLanes: number;
  /** k of each lane of the sparse range, in order (the cost model's; absent where no cost is asked) */
  sparseK?: readonly number[];
  /** k of each lane of the masked range (sparse-k lanes run by the masked dense tile), in order */
  maskedK?: readonly number[];
  /** τ of each TBPTT lane, in order (the cost model's; absent where no cost is asked) */
  tbpttTau?: readonly number[];
  /** bytes of one P entry as the P buffers store it (4, or 2 under f16 storage: layout.ts pEntryBytes); the cost model's */
  pBytes: number;
}

/**
 * What one dispatch of a kernel costs, by its own count: the bytes it moves to and from memory (what
 * does not stay in a cache, given the order its workgroups run in) and its floating-point operations.
 */
export interface KernelCost {
  bytes: number;
  flops: number;
  /**
   * The least bytes its lanes' own carried state must move in it, for lanes without a P (a baseline's
   * state read once and its update written once; the batch adds every P read once and written once itself):
   * the benchmark's floor is the sum. Absent: none.
   */
  floor?: number;
}

export interface KernelSpec {
  name: KernelName;
  shader: ShaderName | ((env: KernelEnv) => ShaderName);
  /** with a chosen shader: every shader it may choose (they share the bindings) */
  variants?: readonly ShaderName[];
  bindings: Bindings;
  /** override constants beyond the batch's base set (layout.ts baseConstants, the model's constants) */
  constants?: (env: KernelEnv) => Record<string, number>;
  /** workgroups (x, y, z); a zero anywhere means the kernel has nothing to do in this batch */
  dispatch: (env: KernelEnv) => [number, number, number];
  /** its cost per dispatch (the benchmark's bytes over the floor and FLOPs against peak); absent: not modelled */
  cost?: (env: KernelEnv) => KernelCost;
}

const F32 = 4;

/** Binding groups the descriptors share. */
export const TRANSPORT_BINDINGS = { params: 'read', state: 'read', pIn: 'read', pOut: 'write' } as const;
/** A kernel that reads a lane's stream record at this step (common/laneStep.wgsl). */
export const STEP_BINDINGS = { streams: 'read', lanes: 'read' } as const;
/** …and its control words (divergence, fault, update count). */
export const PER_LANE_BINDINGS = { ...STEP_BINDINGS, ctl: 'write' } as const;
const update = { params: 'write', grad: 'read', moments: 'write', partials: 'read', ...PER_LANE_BINDINGS, hyper: 'read' } as const;
/** The update of `floats` parameters of `lanes` lanes: parameters read and written, the gradient read, Adam's two moments read and written. */
function updateCost(e: KernelEnv, floats: number, lanes: number): KernelCost {
  const moments = e.optimizer === 'adam' ? 4 : 0;
  return { bytes: F32 * lanes * floats * (3 + moments), flops: lanes * floats * (e.optimizer === 'adam' ? 12 : 3) };
}

/** The learning lanes that learn θ: the readout lanes come after them (the preamble's THETA_LANES). */
const thetaLanes = (e: KernelEnv) => ({ THETA_LANES: e.thetaLanes });

/**
 * Every learning lane's gradients from its P or its readout, one dispatch: g_θ = cᵀP for the lanes with a
 * P (after a model's transports; it reads P^h for the LSTM, P's first part) in the first GT workgroups, the
 * readout gradient of every learning lane in the GR after them; each with its Σg² partials for the clip.
 */
export const GRADIENT_KERNEL: KernelSpec = {
  name: 'gradient',
  shader: 'gradient',
  bindings: { state: 'read', pOut: 'read', hOut: 'read', grad: 'write', partials: 'write', gradParts: 'read' },
  constants: (e) => ({ ...thetaLanes(e), P_LANES: e.PL, PART_LANES: e.partLanes }),
  dispatch: (e) => [e.layout.gt + e.layout.gr, 1, e.L],
  // P (its first part) read once per lane with a P, or its RB row-block partials, g and the readout gradient written
  cost: ({ layout: { n, p, nr }, PL, L, partLanes, pBytes }) => {
    const partRows = partLanes * Math.ceil(n / ROW_BLOCK);
    const pRows = (PL - partLanes) * n;
    return { bytes: F32 * (partRows * p + PL * p + L * (n + nr)) + pBytes * pRows * p, flops: 2 * (partRows + pRows) * p + 2 * L * nr };
  },
};

/**
 * The end of every step, after the θ gradients: the clip and Adam/SGD in one kernel (update.wgsl sums the
 * lane's partials in every workgroup). Readout lanes (θ frozen) join only this, the gradient kernel's readout
 * part and the forward pass, with the readout's part of the update (`updateReadout`): no θ-gradient
 * kernel's range reaches them. Settling the step (divergence, update counts) is the next step's forward
 * kernel's first act, and SETTLE_KERNEL's at a chunk's end.
 */
export const UPDATE_KERNELS: readonly KernelSpec[] = [
  {
    name: 'update',
    shader: 'update',
    bindings: update,
    constants: (e) => ({ ADAM: e.optimizer === 'adam' ? 1 : 0, ...thetaLanes(e) }),
    dispatch: (e) => [Math.ceil(e.layout.stride / WG), 1, e.thetaLanes],
    cost: (e) => updateCost(e, e.layout.stride, e.thetaLanes),
  },
  // the readout lanes: the same kernel over V and c only, a dispatch of its own rather than a θ branch per lane
  {
    name: 'updateReadout',
    shader: 'update',
    bindings: update,
    constants: (e) => ({ ADAM: e.optimizer === 'adam' ? 1 : 0, ...thetaLanes(e), LANE_BASE: e.base.readout, FIRST: e.layout.p }),
    dispatch: (e) => [Math.ceil(e.layout.nr / WG), 1, e.count.readout],
    cost: (e) => updateCost(e, e.layout.nr, e.count.readout),
  },
];

/** A chunk's last step settled (common/settle.wgsl), once per chunk after its steps: not part of a step. */
export const SETTLE_KERNEL: KernelSpec = {
  name: 'stepEnd',
  shader: 'stepEnd',
  bindings: { ...PER_LANE_BINDINGS, losses: 'write' },
  dispatch: () => [1, 1, 1],
  // per lane its control words and stream flags read, its control words written
  cost: ({ B }) => ({ bytes: F32 * B * 8, flops: 0 }),
};

/** ‖P‖² partials on the P the last step wrote, every P part of every lane with a P (sampled every metricsEvery steps). */
export const SUM_SQUARES_KERNEL: KernelSpec = {
  name: 'sumSquares',
  shader: 'sumSquares',
  bindings: { pCur: 'read', norms: 'write' },
  constants: () => ({ GS }),
  dispatch: (e) => [GS, 1, e.layout.pParts * e.PL],
  // every P part read once, GS partials written per part
  cost: ({ layout: { n, p, pParts }, PL }) => ({ bytes: F32 * pParts * PL * (n * p + GS), flops: 2 * pParts * PL * n * p }),
};

/** The benchmark's references (bench-gpu.ts): a plain copy and a plain tiled matrix product. Dispatched by the script. */
export const BENCH_KERNELS: readonly KernelSpec[] = [
  { name: 'copy', shader: 'copy', bindings: { src: 'read', dst: 'write' }, dispatch: () => [0, 0, 0] },
  { name: 'matmul', shader: 'matmul', bindings: { lhs: 'read', rhs: 'read', out: 'write' }, dispatch: () => [0, 0, 0] },
];

/** Buffers a shader views with another element type than layout.ts's (P as vec4 along its rows). */
export const SHADER_TYPES: Partial<Record<ShaderName, Readonly<Record<string, string>>>> = {
  sparseTransportVec4: { pIn: 'array<vec4f>', pOut: 'array<vec4f>', gradParts: 'array<vec4f>' },
};

/** Names of a kernel's buffers in binding order. */
export const bindingNames = (bindings: Bindings): BindingName[] => Object.keys(bindings) as BindingName[];

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
