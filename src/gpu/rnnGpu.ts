/**
 * The RNN's GPU record: the layout (layout.ts's own, the base every model extends), its kernels (the
 * forward pass, the sparse and dense transports of P with the immediate term; the θ gradients of TBPTT,
 * UORO and KF-RTRL lanes; P Pᵀ of the full lanes for the spectra) and which sparse kernel runs on an
 * adapter (sparseVariant.ts). Equations: src/engine/models/rnn.ts, sensitivity.ts and the methods.
 */
import { COLS, ROW_BLOCK, TS, WG, batchLayout } from './layout';
import type { GpuModel } from './gpuModels';
import { chooseDenseRoute, chooseSparseTransport, SPARSE_SHADERS, VEC4_PER_INVOCATION } from './sparseVariant';
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
 * read from memory once and written once; D W (n × n) is read once and stays cached. A masked lane reads
 * its n·k sources and only the n·k entries of W they name, and does the full tile's arithmetic.
 */
function denseCost(e: KernelEnv): KernelCost {
  const { n, p } = e.layout;
  const F = e.count.full + e.count.masked;
  const maskedReads = (e.maskedK ?? []).reduce((a, k) => a + 2 * n * k - n * n, 0);
  return { bytes: F * (e.pBytes * 2 * n * p + 4 * (n * n + 3 * n)) + 4 * maskedReads, flops: F * (2 * n * n * p + 4 * n * p) };
}

/**
 * θ entries per invocation of tbpttGradient.wgsl (its EPI): a workgroup owns TBPTT_ENTRIES·WG
 * entries and reduces their Σg² once, fewer workgroups and barriers than one entry each, which a software
 * adapter pays for dearly; at n = 256 a lane still spreads over about 260 workgroups.
 */
const TBPTT_ENTRIES = 4;

/** Σ over the TBPTT lanes of f(τ). */
const overTau = (e: KernelEnv, f: (tau: number) => number) => (e.tbpttTau ?? []).reduce((a, tau) => a + f(tau), 0);

/**
 * TBPTT's serial half (a full window of τ slots, count = τ): the slot pushed (h_{t-1}, D_t, x_t) and c_t read,
 * each slot's d_s read and ga_s written, W read once (it stays cached over the τ - 1 products Wᵀ ga).
 * Floor: the lane's state, its window of τ slots, read once and the new slot written once.
 */
function tbpttCost(e: KernelEnv): KernelCost {
  const { n, m } = e.layout;
  return {
    bytes: 4 * overTau(e, (tau) => n * n + 2 * (2 * n + m) + n + 2 * tau * n),
    flops: overTau(e, (tau) => tau * n + (tau - 1) * (2 * n * n + 2 * n)),
    floor: 4 * overTau(e, (tau) => (tau + 1) * (2 * n + m)),
  };
}

/** TBPTT's gradient: every slot's ĥ_s and ga_s read once (a workgroup's reads of them are contiguous or shared), g and the partials written. */
function tbpttGradientCost(e: KernelEnv): KernelCost {
  const { n, m, p, gt } = e.layout;
  return { bytes: 4 * overTau(e, (tau) => tau * (2 * n + m) + p + gt), flops: overTau(e, (tau) => 2 * tau * p + 2 * p) };
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
    bindings: { ...transport, sources: 'read', lanes: 'read' },
    // the masked lanes, then the full ones (LANE_RANGES)
    constants: (e) => ({ LANE_BASE: e.base.masked, MASKED: e.count.masked, TS }),
    // row blocks fastest (x), then column tiles (y): a column tile's slice of P is reused while cached
    dispatch: (e) => [Math.ceil(e.layout.n / TS), Math.ceil(e.layout.p / TS), e.count.masked + e.count.full],
    cost: denseCost,
  },
];

/** After g = cᵀP: the θ gradients of the lanes without a P. */
const RNN_ESTIMATORS: readonly KernelSpec[] = [
  // TBPTT: the window push and the δ recursion over it (serial over τ, one workgroup per lane), then the
  // gradient Σ_s ga_s ĥ_sᵀ from what it left in the window, over GT / TBPTT_ENTRIES workgroups per lane
  {
    name: 'tbptt',
    shader: 'tbptt',
    bindings: { params: 'read', state: 'read', hIn: 'read', window: 'write', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.tbptt }),
    dispatch: (e) => [1, 1, e.count.tbptt],
    cost: tbpttCost,
  },
  {
    name: 'tbpttGradient',
    shader: 'tbpttGradient',
    bindings: { lanes: 'read', window: 'read', grad: 'write', partials: 'write' },
    constants: (e) => ({ LANE_BASE: e.base.tbptt, EPI: TBPTT_ENTRIES }),
    dispatch: (e) => [Math.ceil(e.layout.gt / TBPTT_ENTRIES), 1, e.count.tbptt],
    cost: tbpttGradientCost,
  },
  // UORO: the O(n²) state side, one workgroup per lane, then the O(p) parameter side over GT workgroups
  {
    name: 'uoroState',
    shader: 'uoroState',
    bindings: { params: 'read', state: 'read', hIn: 'read', factors: 'write', noise: 'read', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.uoro, CH: e.chunk }),
    dispatch: (e) => [1, 1, e.count.uoro],
    // W read once (W s), s read and written, D_t, c_t and ν_t read, ĥ_t read and staged, D ν written, θ̃'s partials read;
    // floor: s read once and written once (θ̃, the rest of the state, is uoroGradient's)
    cost: ({ layout: { n, m, gt }, count: { uoro: U } }) => ({
      bytes: 4 * U * (n * n + 7 * n + 2 * (n + m + 1) + gt),
      flops: U * (2 * n * n + 12 * n + 2 * (n + m + 1)),
      floor: 4 * U * 2 * n,
    }),
  },
  {
    name: 'uoroGradient',
    shader: 'uoroGradient',
    bindings: { lanes: 'read', factors: 'write', grad: 'write', partials: 'write' },
    constants: (e) => ({ LANE_BASE: e.base.uoro }),
    dispatch: (e) => [e.layout.gt, 1, e.count.uoro],
    // θ̃ read and written, g written, D ν and ĥ read (shared within a workgroup), two partials per workgroup;
    // floor: θ̃ read once and written once
    cost: ({ layout: { n, m, p, gt }, count: { uoro: U } }) => ({
      bytes: 4 * U * (3 * p + 2 * n + m + 1 + 2 * gt),
      flops: U * 8 * p,
      floor: 4 * U * 2 * p,
    }),
  },
  // KF-RTRL: J A (n³, a workgroup per column of A), the fold (one workgroup per lane), then A and g over GT workgroups
  {
    name: 'kfTransport',
    shader: 'kfTransport',
    bindings: { params: 'read', state: 'read', factors: 'write', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.kf }),
    dispatch: (e) => [e.layout.n, 1, e.count.kf],
    // Aᵀ read and J A written over it, W read once (every workgroup reads all of it: it stays cached), D_t and c_t;
    // floor: A read once and written once (kfGradient.wgsl reads and writes it a second time to finish it)
    cost: ({ layout: { n }, count: { kf: K } }) => ({
      bytes: 4 * K * (3 * n * n + 4 * n),
      flops: K * n * (2 * n * n + 7 * n),
      floor: 4 * K * 2 * n * n,
    }),
  },
  {
    name: 'kfUpdate',
    shader: 'kfUpdate',
    bindings: { state: 'read', hIn: 'read', factors: 'write', noise: 'read', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.kf, CH: e.chunk }),
    dispatch: (e) => [1, 1, e.count.kf],
    // the row sums of kfTransport read, D_t and c_t, u read and written, ĥ_t read, a = Aᵀ c_t written;
    // floor: u read once and written once
    cost: ({ layout: { n, m }, count: { kf: K } }) => {
      const nl = n + m + 1;
      return { bytes: 4 * K * (6 * n + 3 * nl + 4), flops: K * (6 * n + 8 * nl), floor: 4 * K * 2 * nl };
    },
  },
  {
    name: 'kfGradient',
    shader: 'kfGradient',
    bindings: { state: 'read', lanes: 'read', factors: 'write', grad: 'write', partials: 'write' },
    constants: (e) => ({ LANE_BASE: e.base.kf }),
    dispatch: (e) => [e.layout.gt, 1, e.count.kf],
    // A's second pass (read, finished, written), D_t, a and u read, g and the partials written
    cost: ({ layout: { n, m, p, gt }, count: { kf: K } }) => ({
      bytes: 4 * K * (2 * n * n + 3 * n + m + 1 + p + gt),
      flops: K * (3 * n * n + 3 * p),
    }),
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
      // entry (i, j) per workgroup, i fastest: row j stays cached while the n rows i stream past it
      cost: ({ layout: { n, p }, count: { full: F } }) => ({ bytes: 4 * F * (n * n * p + n * p + n * n), flops: 2 * F * n * n * p }),
    },
  ],
  chooseTransport: (software, layout, options) => ({
    ...chooseSparseTransport(software, layout, options.sparseKernel),
    ...chooseDenseRoute(software, layout, options.sparseRoute),
    fullAsGather: false,
  }),
  // W, the first n×n block of θ (RnnModel.pathWeights)
  pathWeights: (layout, theta) => theta.subarray(0, layout.n * layout.n),
  spectra: true,
  stateNames: ['h'],
  pNames: ['P'],
};
