/**
 * Full and sparse-k RTRL (science.md §2-§3, §5): the exact sensitivity update with the transport through
 * W_h masked to k kept sources per unit (sparse-k; the mask drawn by transportMask.ts) or to all n (full).
 * Two records (`full`, `sparse`) share one estimator per model; both models share the path selection.
 *
 * The RNN:
 *   P_t = (1-α) P_{t-1} + D_t ( (W ⊙ Ω) P_{t-1} + M_t ),   g_t = c_tᵀ P_t.
 *
 * The LSTM: sensitivities P^h = ∂h_t/∂θ and P^c = ∂c_t/∂θ (each n × p); Z_t = W_h P^h_{t-1} + M_t
 * (4n × p, M_t[r,(r,l)] = ĥ_l) is never formed. Its three cell-gate rows of unit j share one transport,
 * their W_h rows folded into one coefficient per kept path:
 *   P^c_t[j] = f_j P^c_{t-1}[j] + Σ_{q∈S_j} (a_f W_h[f_j,q] + a_i W_h[i_j,q] + a_g W_h[g_j,q]) P^h_{t-1}[q] + immediate
 *   P^h_t[j] = Σ_{q∈S_j} a_o W_h[o_j,q] P^h_{t-1}[q] + β_j P^c_t[j] + a_o M_o
 *   g_t = c_tᵀ P^h_t
 * Sparse-k masks W_h in Z only [choice: one set S_j of k sources per unit, shared by its four gate rows];
 * the cell carry f ⊙ P^c and the c -> h term are always kept. Both transports run through the RNN's tiled
 * kernel (transport.ts) with a zero carry; the carry is added after.
 */
import { BOUNDS, checkBound, checkChoice } from '../bounds';
import type { RecurrentModel } from '../models';
import { LOCAL_BETA, LOCAL_F, LOCAL_FORGET, LOCAL_G, LOCAL_I, LOCAL_O, lstmLayout, type LstmModel } from '../models/lstm';
import { recurrentParamCount, type RnnModel, type RnnShape } from '../models/rnn';
import { allocate, precisionOf, pStorageSetting, roundToF16, type Floats, type Precision } from '../precision';
import type { Rng } from '../rng';
import { addImmediateTerm, Sensitivity } from '../sensitivity';
import type { Sequence } from '../tasks/task';
import { allocateTransportFloats, transport } from '../transport';
import { allPaths, SELECTION_STRATEGIES, selectPaths, type SelectionStrategy } from '../transportMask';
import { fixedLabel, strictNumber, type CostDims, type EstimatorStreams, type GradientEstimator, type MethodCost, type MethodRecord } from './method';

export type FullMethod = { readonly kind: 'full' };
export type SparseMethod = {
  readonly kind: 'sparse';
  /** kept incoming paths per unit, 0..n */
  readonly k: number;
  readonly strategy: SelectionStrategy;
  /** redraw the selection every R adaptation steps; 0 = drawn once and held fixed */
  readonly refreshEvery: number;
  /** multiply the kept transport by n/k [choice, off by default] */
  readonly rescale: boolean;
};
export type RtrlMethod = FullMethod | SparseMethod;

/**
 * The kept sources of one arm, k per unit: all n for full RTRL; for sparse-k drawn from the model's
 * path weights when the arm starts and, with refreshEvery = R, again every R steps.
 */
export class PathSelection {
  readonly k: number;
  /** kept sources per unit: n·k indices (n·n for full RTRL) */
  readonly sources: Int32Array;
  /** the transport's rescale n/k (1 unless asked) */
  readonly scale: number;
  selectionsDrawn = 0;
  private steps = 0;

  constructor(
    private readonly model: RecurrentModel,
    private readonly method: RtrlMethod,
    private readonly rng: Rng,
  ) {
    const { n } = model.params.shape;
    if (method.kind === 'full') {
      this.k = n;
      this.sources = allPaths(n);
    } else {
      if (!(method.k >= 0 && method.k <= n)) throw new RangeError(`k must be in [0, ${n}], got ${method.k}`);
      this.k = method.k;
      this.sources = new Int32Array(n * method.k);
      this.draw();
    }
    this.scale = method.kind === 'sparse' && method.rescale && this.k > 0 ? n / this.k : 1;
  }

  private draw(): void {
    const m = this.method;
    if (m.kind !== 'sparse') return;
    selectPaths(m.strategy, this.model.pathWeights(), this.model.params.shape.n, m.k, this.rng, this.sources);
    this.selectionsDrawn++;
  }

  /** Called at the start of each step: redraws every refreshEvery steps (never before the first). */
  beforeStep(): void {
    const m = this.method;
    if (m.kind === 'sparse' && m.refreshEvery > 0 && this.steps > 0 && this.steps % m.refreshEvery === 0) this.draw();
    this.steps++;
  }
}

/**
 * P at least this large (bytes) is kept as one buffer that the transport updates in place; smaller P
 * keeps two swapped buffers. In place saves memory's write-allocate pass over P but adds a staging copy
 * that only pays once P is out of cache. Measured (WebAssembly, one core of an AMD EPYC with 512 KiB L2
 * and 32 MiB L3, sparse k = 4, CPU ms in place vs out of place): n = 96 (3.6 MB): 0.74 vs 0.68;
 * n = 128 (8.5 MB): 2.6 vs 2.7; n = 256 (67.6 MB): 21.2 vs 23.8; full RTRL equal within noise.
 * Results are bit-identical either way (transport.ts).
 */
export const RNN_IN_PLACE_MIN_BYTES = 8 * 2 ** 20;

/**
 * The RNN's sensitivity: for a large P one buffer (next = current, so the step's transport runs in
 * place and swap() does nothing), halving its memory; otherwise Sensitivity's two buffers.
 */
function rnnSensitivity(shape: RnnShape, precision: Precision): Sensitivity {
  const bytes = shape.n * recurrentParamCount(shape) * (precision === 'f32' ? 4 : 8);
  return new Sensitivity(shape, precision, bytes < RNN_IN_PLACE_MIN_BYTES ? 2 : 1);
}

/** RTRL for the vanilla RNN: P_t through transport.ts, then the immediate term (sensitivity.ts). */
export class RnnRtrlEstimator implements GradientEstimator {
  readonly sensitivity: Sensitivity;
  private readonly selection: PathSelection;
  /** per-step transport coefficients d_i·W_{i,src}(·n/k) */
  private readonly coeffs: Floats;
  /** P kept in half precision between steps (precision.ts pStorageSetting; off by default) */
  private readonly pInF16 = pStorageSetting() === 'f16';

  constructor(
    private readonly model: RnnModel,
    method: RtrlMethod,
    selectionRng: Rng,
  ) {
    const precision = precisionOf(model.params.theta);
    this.sensitivity = rnnSensitivity(model.params.shape, precision);
    this.selection = new PathSelection(model, method, selectionRng);
    this.coeffs = allocate(precision, this.selection.sources.length);
  }

  get sources(): Int32Array {
    return this.selection.sources;
  }

  get selectionsDrawn(): number {
    return this.selection.selectionsDrawn;
  }

  reset(): void {
    this.sensitivity.clear();
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    this.selection.beforeStep();
    const { shape, theta: W } = this.model.params;
    const { n, m, leak } = shape;
    const state = this.model.state;
    const P = this.sensitivity;
    // Transport coefficients: d_i · W_iq for the kept q, rescaled by n/k when asked.
    const { k, scale, sources: src } = this.selection;
    const coeffs = this.coeffs;
    for (let i = 0; i < n; i++) {
      const di = state.d[i] * scale;
      const row = i * n;
      for (let j = 0; j < k; j++) coeffs[i * k + j] = di * W[row + src[i * k + j]];
    }
    // P.next is P.current itself for a large P (rnnSensitivity): then this updates P in place
    transport(P.current, P.next, n, P.p, k, src, coeffs, 1 - leak, state.dLdh, grad);
    addImmediateTerm(shape, P.next, state.d, state.hPrev, seq.x, t * m, state.dLdh, grad);
    P.swap();
    if (this.pInF16) roundToF16(P.current);
  }

  sensitivityNorm(): number {
    return this.sensitivity.norm();
  }
}

/** RTRL for the LSTM: two transports (cell and output paths) of P^h, then carries and immediate terms. */
export class LstmRtrlEstimator implements GradientEstimator {
  readonly n: number;
  readonly p: number;
  /** P^h_{t-1} before a step, P^h_t after it (n × p) */
  ph: Floats;
  /** P^c likewise */
  pc: Floats;
  private phNext: Floats;
  private pcNext: Floats;
  private readonly selection: PathSelection;
  private readonly coeffC: Floats;
  private readonly coeffH: Floats;
  /** a zero c_t for the transport kernel (its fused gradient is not wanted here) and its scratch output */
  private readonly zeros: Floats;
  private readonly scratch: Floats;

  constructor(
    private readonly model: LstmModel,
    method: RtrlMethod,
    selectionRng: Rng,
  ) {
    const { n } = model.params.shape;
    const precision = precisionOf(model.params.theta);
    this.n = n;
    this.p = model.paramCount;
    this.ph = allocateP(precision, n * this.p);
    this.pc = allocateP(precision, n * this.p);
    this.phNext = allocateP(precision, n * this.p);
    this.pcNext = allocateP(precision, n * this.p);
    this.selection = new PathSelection(model, method, selectionRng);
    this.coeffC = allocate(precision, this.selection.sources.length);
    this.coeffH = allocate(precision, this.selection.sources.length);
    this.zeros = allocate(precision, n);
    this.scratch = allocate(precision, this.p);
  }

  get sources(): Int32Array {
    return this.selection.sources;
  }

  get selectionsDrawn(): number {
    return this.selection.selectionsDrawn;
  }

  reset(): void {
    this.ph.fill(0);
    this.pc.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    this.selection.beforeStep();
    const { n, p } = this;
    const { k, scale, sources: src } = this.selection;
    const { m } = this.model.params.shape;
    const { wx, b } = lstmLayout(this.model.params.shape);
    const W = this.model.params.theta;
    const { local, hPrev, dLdh } = this.model.state;
    for (let j = 0; j < n; j++) {
      const ai = local[LOCAL_I * n + j] * scale;
      const af = local[LOCAL_F * n + j] * scale;
      const ag = local[LOCAL_G * n + j] * scale;
      const ao = local[LOCAL_O * n + j] * scale;
      const wi = j * n;
      const wf = (n + j) * n;
      const wg = (2 * n + j) * n;
      const wo = (3 * n + j) * n;
      for (let jj = 0; jj < k; jj++) {
        const q = src[j * k + jj];
        this.coeffC[j * k + jj] = af * W[wf + q] + ai * W[wi + q] + ag * W[wg + q];
        this.coeffH[j * k + jj] = ao * W[wo + q];
      }
    }
    const { ph, pc, phNext, pcNext } = this;
    transport(ph, pcNext, n, p, k, src, this.coeffC, 0, this.zeros, this.scratch);
    transport(ph, phNext, n, p, k, src, this.coeffH, 0, this.zeros, this.scratch);
    const xOff = t * m;
    for (let j = 0; j < n; j++) {
      const row = j * p;
      // the cell carry f_j P^c_{t-1}[j], always kept
      const f = local[LOCAL_FORGET * n + j];
      for (let c = 0; c < p; c++) pcNext[row + c] += f * pc[row + c];
      // immediate terms of the cell gates i, f, g: their rows i_j = j, f_j = n+j, g_j = 2n+j
      for (let gate = 0; gate < 3; gate++) {
        const a = local[gate * n + j];
        const r = gate * n + j;
        for (let l = 0; l < n; l++) pcNext[row + r * n + l] += a * hPrev[l];
        for (let l = 0; l < m; l++) pcNext[row + wx + r * m + l] += a * seq.x[xOff + l];
        pcNext[row + b + r] += a;
      }
      // P^h_t[j] = (transported o-gate part) + a_o M_o + β_j P^c_t[j]
      const beta = local[LOCAL_BETA * n + j];
      for (let c = 0; c < p; c++) phNext[row + c] += beta * pcNext[row + c];
      const ao = local[LOCAL_O * n + j];
      const r = 3 * n + j;
      for (let l = 0; l < n; l++) phNext[row + r * n + l] += ao * hPrev[l];
      for (let l = 0; l < m; l++) phNext[row + wx + r * m + l] += ao * seq.x[xOff + l];
      phNext[row + b + r] += ao;
    }
    this.ph = phNext;
    this.phNext = ph;
    this.pc = pcNext;
    this.pcNext = pc;
    // g_t = c_tᵀ P^h_t
    grad.fill(0);
    for (let j = 0; j < n; j++) {
      const cj = dLdh[j];
      if (cj === 0) continue;
      const row = j * p;
      for (let c = 0; c < p; c++) grad[c] += cj * phNext[row + c];
    }
  }

  /** ‖[P^h; P^c]‖ */
  sensitivityNorm(): number {
    let s = 0;
    for (let i = 0; i < this.ph.length; i++) s += this.ph[i] * this.ph[i] + this.pc[i] * this.pc[i];
    return Math.sqrt(s);
  }
}

/**
 * Per step, with k kept sources: the RNN transports k·n·p and adds the immediate term and g_t (n·p each),
 * reading k+1 source rows (with the carry) and writing one. The LSTM's P^c and P^h each transport k source
 * rows of P^h; carries, the c -> h term and g_t are n·p each, so full RTRL costs 2 n·n·p (= 8 n⁴ for
 * small m), half of §5's unfused 16 n⁴.
 */
function rtrlCost(k: number, { model, n, p, bytesPerFloat: b }: CostDims): MethodCost {
  // P: the RNN's n × p; the LSTM's P^h and P^c
  if (model === 'lstm') return { macs: 2 * k * n * p + 3 * n * p, bytes: (2 * k + 5) * n * p * b, carried: 2 * n * p };
  return { macs: k * n * p + 2 * n * p, bytes: (k + 2) * n * p * b, carried: n * p };
}

const estimators = {
  rnn: (model: RnnModel, method: RtrlMethod, streams: EstimatorStreams) => new RnnRtrlEstimator(model, method, streams.selection),
  lstm: (model: LstmModel, method: RtrlMethod, streams: EstimatorStreams) => new LstmRtrlEstimator(model, method, streams.selection),
};

export const full: MethodRecord<FullMethod> = {
  kind: 'full',
  form: 'full',
  describe: 'exact RTRL (every path kept)',
  ...fixedLabel('full'),
  cost: (_m, dims) => rtrlCost(dims.n, dims),
  estimators,
  gpu: ['rnn', 'lstm'],
};

export const sparse: MethodRecord<SparseMethod> = {
  kind: 'sparse',
  form: 'k=K',
  describe: 'sparse-k RTRL, K kept incoming paths per unit (strategy, refresh and rescale from the run)',
  label: (m) => `k=${m.k}`,
  parse: (label, defaults) => {
    const k = /^k=(.+)$/.exec(label);
    return k ? { kind: 'sparse', k: strictNumber(k[1]), ...defaults } : null;
  },
  cost: (m, dims) => rtrlCost(m.k, dims),
  validate: (m, { n }, prefix = '') => {
    checkBound(`${prefix}k`, m.k, { min: 0, max: n, integer: true });
    checkChoice(`${prefix}strategy`, m.strategy, SELECTION_STRATEGIES);
    checkBound(`${prefix}refresh`, m.refreshEvery, BOUNDS.refreshEvery);
  },
  estimators,
  gpu: ['rnn', 'lstm'],
};

/** P's blocks: float32 in the WebAssembly kernel's memory (transported in place), float64 ordinary arrays. */
function allocateP(precision: Precision, length: number): Floats {
  return precision === 'f32' ? allocateTransportFloats(length) : allocate(precision, length);
}
