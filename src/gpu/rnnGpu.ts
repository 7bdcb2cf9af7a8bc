/**
 * The RNN's GPU record: the layout (layout.ts's own, the base every model extends), its kernels (the
 * forward pass, the sparse and dense transports of P with the immediate term; the θ gradients of TBPTT,
 * UORO and KF-RTRL lanes; P Pᵀ of the full lanes for the spectra) and which sparse kernel runs on an
 * adapter (sparseVariant.ts). Equations: src/engine/models/rnn.ts, sensitivity.ts and the methods.
 */
import { COLS, TS, WG, batchLayout } from './layout';
import type { GpuModel } from './gpuModels';
import { chooseSparseTransport, SPARSE_SHADERS, VEC4_PER_INVOCATION } from './sparseVariant';
import { PER_LANE_BINDINGS as perLane, STEP_BINDINGS as stepOf, TRANSPORT_BINDINGS as transport, type KernelSpec } from './stepKernels';

/** Before g = cᵀP: forward -> sparse and dense transport of P, each adding the immediate term D_t M_t as it writes P. */
const RNN_TRANSPORT: readonly KernelSpec[] = [
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
    bindings: { ...transport, sources: 'read', hIn: 'read', ...stepOf },
    constants: (e): Record<string, number> => (e.sparseShader === 'sparseTransportVec4' ? { VPT: VEC4_PER_INVOCATION } : {}),
    dispatch: (e) => [Math.ceil(e.layout.p / (WG * (e.sparseShader === 'sparseTransportVec4' ? 4 * VEC4_PER_INVOCATION : COLS))), e.layout.n, e.count.sparse],
  },
  {
    name: 'dense',
    shader: 'denseTransport',
    bindings: { ...transport, hIn: 'read', ...stepOf },
    constants: (e) => ({ LANE_BASE: e.base.full, TS }),
    dispatch: (e) => [Math.ceil(e.layout.p / TS), Math.ceil(e.layout.n / TS), e.count.full],
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
  preamble: '',
  constants: () => ({}),
  transport: RNN_TRANSPORT,
  estimators: RNN_ESTIMATORS,
  // the full lanes' P Pᵀ, for the P spectrum
  metrics: [
    { name: 'gram', shader: 'gram', bindings: { pCur: 'read', grams: 'write' }, constants: (e) => ({ LANE_BASE: e.base.full }), dispatch: (e) => [e.layout.n, e.layout.n, e.count.full] },
  ],
  chooseTransport: (software, layout, options) => ({ ...chooseSparseTransport(software, layout, options.sparseKernel), fullAsGather: false }),
  // W, the first n×n block of θ (RnnModel.pathWeights)
  pathWeights: (layout, theta) => theta.subarray(0, layout.n * layout.n),
  spectra: true,
  stateNames: ['h'],
  pNames: ['P'],
};
