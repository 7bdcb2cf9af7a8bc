/**
 * The RNN's GPU record: the layout (layout.ts's own, the base every model extends), its kernels (the
 * forward pass, the sparse and dense transports of P with the immediate term; the θ gradients of TBPTT,
 * UORO and KF-RTRL lanes; P Pᵀ of the full lanes for the spectra) and which sparse kernel runs on an
 * adapter (sparseVariant.ts). Equations: src/engine/models/rnn.ts, sensitivity.ts and the methods.
 */
import { COLS, ROW_BLOCK, TS, WG, batchLayout } from './layout';
import type { GpuModel } from './gpuModels';
import { chooseSparseTransport, SPARSE_SHADERS, VEC4_PER_INVOCATION } from './sparseVariant';
import {
  PER_LANE_BINDINGS as perLane,
  STEP_BINDINGS as stepOf,
  TRANSPORT_BINDINGS as transport,
  type KernelCost,
  type KernelEnv,
  type KernelSpec,
} from './stepKernels';

/**
 * The sparse transport's traffic: its workgroups run row blocks fastest (x), then column tiles (y), so
 * every row of one column tile is transported while that tile's source slices stay in the cache: P is
 * read from memory once and written once, plus the row-block partials of g = cᵀP (ceil(n/ROWS) rows of
 * p), each row's k indices and W entries, and the state record's staged ĥ_t.
 */
function sparseCost(e: KernelEnv): KernelCost {
  const { n, m, p } = e.layout;
  const ks = e.sparseK ?? [];
  const sum = (f: (k: number) => number) => ks.reduce((a, k) => a + f(k), 0);
  const blocks = Math.ceil(n / ROW_BLOCK);
  return {
    bytes: sum((k) => e.pBytes * 2 * n * p + 4 * (blocks * p + 2 * n * k + 3 * n + m)),
    flops: sum((k) => 2 * (k + 1) * n * p + 4 * n * p),
  };
}

/**
 * The dense transport's traffic: workgroups run row blocks fastest, so the n × TS column slice of P that
 * every row block of one column tile stages (and reads again for the carry) stays in the cache: P is
 * read from memory once and written once; D W (n × n) is read once and stays cached.
 */
function denseCost(e: KernelEnv): KernelCost {
  const { n, p } = e.layout;
  const F = e.count.full;
  return { bytes: F * (e.pBytes * 2 * n * p + 4 * (n * n + 3 * n)), flops: F * (2 * n * n * p + 4 * n * p) };
}

/** The RNN's own kernels' preamble: where forward.wgsl stages ĥ_t's h_{t-1}, x_t and the keep flag (layout.ts rnnExtension). */
const RNN_PREAMBLE = `
override ST_HPREV: u32 = 2u * N + O;
override ST_X: u32 = ST_HPREV + N;
override ST_KEEP: u32 = ST_X + M;
`;

/** Before g = cᵀP: forward -> sparse and dense transport of P, each adding the immediate term D_t M_t as it writes P. */
const RNN_TRANSPORT: readonly KernelSpec[] = [
  {
    name: 'forward',
    shader: 'forward',
    bindings: { params: 'read', hIn: 'read', hOut: 'write', state: 'write', ...perLane, losses: 'write' },
    dispatch: (e) => [e.B, 1, 1],
    // W, U, b, V, c read once per lane (one workgroup per lane, 8 invocations per row of W reading consecutive entries); h, D, dL/dh written
    cost: ({ layout: { n, o, stride, p }, B }) => ({ bytes: 4 * B * (stride + 4 * n), flops: 2 * B * (p + 2 * o * n) }),
  },
  {
    name: 'sparse',
    shader: (e) => e.sparseShader,
    variants: SPARSE_SHADERS,
    bindings: { ...transport, sources: 'read', lanes: 'read', gradParts: 'write' },
    constants: (e): Record<string, number> => (e.sparseShader === 'sparseTransportVec4' ? { CW: VEC4_PER_INVOCATION } : {}),
    // row blocks fastest (x), then column tiles (y): a tile's source rows are reused while cached
    dispatch: (e) => [
      Math.ceil(e.layout.n / ROW_BLOCK),
      Math.ceil(e.layout.p / (WG * (e.sparseShader === 'sparseTransportVec4' ? 4 * VEC4_PER_INVOCATION : COLS))),
      e.count.sparse,
    ],
    cost: sparseCost,
  },
  {
    name: 'dense',
    shader: 'denseTransport',
    bindings: transport,
    constants: (e) => ({ LANE_BASE: e.base.full, TS }),
    // row blocks fastest (x), then column tiles (y): a column tile's slice of P is reused while cached
    dispatch: (e) => [Math.ceil(e.layout.n / TS), Math.ceil(e.layout.p / TS), e.count.full],
    cost: denseCost,
  },
];

/** After g = cᵀP: the θ gradients of the lanes without a P. */
const RNN_ESTIMATORS: readonly KernelSpec[] = [
  {
    name: 'tbptt',
    shader: 'tbptt',
    bindings: { params: 'read', state: 'read', hIn: 'read', window: 'write', grad: 'write', partials: 'write', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.tbptt }),
    dispatch: (e) => [1, 1, e.count.tbptt],
  },
  // UORO: the O(n²) state side, one workgroup per lane, then the O(p) parameter side over GT workgroups
  {
    name: 'uoroState',
    shader: 'uoroState',
    bindings: { params: 'read', state: 'read', hIn: 'read', factors: 'write', noise: 'read', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.uoro, CH: e.chunk }),
    dispatch: (e) => [1, 1, e.count.uoro],
  },
  {
    name: 'uoroGradient',
    shader: 'uoroGradient',
    bindings: { lanes: 'read', factors: 'write', grad: 'write', partials: 'write' },
    constants: (e) => ({ LANE_BASE: e.base.uoro }),
    dispatch: (e) => [e.layout.gt, 1, e.count.uoro],
  },
  // KF-RTRL: J A (n³, a workgroup per column of A), the fold (one workgroup per lane), then A and g over GT workgroups
  {
    name: 'kfTransport',
    shader: 'kfTransport',
    bindings: { params: 'read', state: 'read', factors: 'write', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.kf }),
    dispatch: (e) => [e.layout.n, 1, e.count.kf],
  },
  {
    name: 'kfUpdate',
    shader: 'kfUpdate',
    bindings: { state: 'read', hIn: 'read', factors: 'write', noise: 'read', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.kf, CH: e.chunk }),
    dispatch: (e) => [1, 1, e.count.kf],
  },
  {
    name: 'kfGradient',
    shader: 'kfGradient',
    bindings: { state: 'read', lanes: 'read', factors: 'write', grad: 'write', partials: 'write' },
    constants: (e) => ({ LANE_BASE: e.base.kf }),
    dispatch: (e) => [e.layout.gt, 1, e.count.kf],
  },
];

export const RNN_GPU: GpuModel = {
  kind: 'rnn',
  name: 'RNN',
  layout: (shape) => batchLayout(shape),
  preamble: RNN_PREAMBLE,
  // the state record is longer than the shared one by the staged ĥ_t and keep flag
  constants: (layout) => ({ ST: layout.st }),
  gradientParts: true,
  transport: RNN_TRANSPORT,
  estimators: RNN_ESTIMATORS,
  // the full lanes' P Pᵀ, for the P spectrum
  metrics: [
    {
      name: 'gram',
      shader: 'gram',
      bindings: { pCur: 'read', grams: 'write' },
      constants: (e) => ({ LANE_BASE: e.base.full }),
      dispatch: (e) => [e.layout.n, e.layout.n, e.count.full],
    },
  ],
  chooseTransport: (software, layout, options) => ({ ...chooseSparseTransport(software, layout, options.sparseKernel), fullAsGather: false }),
  // W, the first n×n block of θ (RnnModel.pathWeights)
  pathWeights: (layout, theta) => theta.subarray(0, layout.n * layout.n),
  spectra: true,
  stateNames: ['h'],
  pNames: ['P'],
};
