/**
 * A small causal transformer for the lab's sequence tasks (docs/transformer.md): a linear embedding of
 * x_t plus a position code, L pre-LayerNorm blocks of H-head causal self-attention over a sliding context
 * window and a 4× MLP, an optional final LayerNorm, and a linear readout predicting y*_t.
 *
 *   z⁰_p  = W_e x_p + b_e + pos_p
 *   a_p   = LN₁(z_p);  q,k,v = W_{q,k,v} a + b_{q,k,v};  A^h_{pj} = softmax_j(q^h_p·k^h_j / √d_h), j ≤ p
 *   o^h_p = Σ_j A^h_{pj} v^h_j;  u_p = z_p + Σ_h W_O^h o^h_p + b_O
 *   z'_p  = u_p + W₂ GELU(W₁ LN₂(u_p) + b₁) + b₂          (GELU: the tanh approximation)
 *   ŷ_p   = W_r LN_f(z^L_p) + b_r
 *
 * All parameters live in one flat vector θ (offsets in `TransformerLayout`); every matrix is row-major
 * (out × in), so W_O^h, the block that reads head h, is columns h·d_h…(h+1)·d_h of W_O.
 *
 * Head-sparse gradient transport (docs/transformer.md): the backward pass lets gradient flow through the
 * outputs of the heads in S_ℓ only; the others are stop-gradient, sg(o^h). The forward pass never changes.
 * `HeadTransport` says which heads carry gradient and the two toggles for the heads outside S_ℓ.
 *
 * Nothing is allocated per window: `TransformerWorkspace` holds every activation and gradient buffer.
 */
import { ConfigError } from '../../config';
import { allocate, type Floats, type Precision } from '../../precision';
import type { Rng } from '../../rng';

export type PositionCode = 'learned' | 'sinusoidal';

export interface TransformerShape {
  /** m, input size per step */
  inputSize: number;
  /** o, output size per step */
  outputSize: number;
  /** d_model */
  dModel: number;
  /** H, heads per layer; must divide d_model */
  heads: number;
  /** L, blocks */
  layers: number;
  /** W, the context window in steps (the newest position attends to at most W steps, itself included) */
  context: number;
  /** learned position embeddings (parameters) or fixed sinusoids */
  positions: PositionCode;
  /** LayerNorm before the readout */
  finalNorm: boolean;
}

export const TRANSFORMER_LIMITS = {
  dModel: { min: 2, max: 128 },
  heads: { min: 1, max: 16 },
  layers: { min: 1, max: 4 },
  context: { min: 1, max: 256 },
};

/** MLP hidden width = MLP_RATIO · d_model. */
export const MLP_RATIO = 4;
/** LayerNorm's ε (inside the square root). */
export const LN_EPS = 1e-5;

/** Throws a ConfigError naming the option when the shape is not buildable. */
/** The sizes the passes and the cost model read off a shape. */
export interface TransformerDims {
  /** d_model */
  d: number;
  /** m, inputs per step */
  m: number;
  /** o, outputs per step */
  o: number;
  /** H, heads per layer */
  H: number;
  /** d_h = d / H, the width of one head */
  dh: number;
  /** F = MLP_RATIO · d, the MLP's hidden width */
  F: number;
  /** W, the context window */
  W: number;
  /** L, blocks */
  L: number;
}

export function transformerDims(s: TransformerShape): TransformerDims {
  const d = s.dModel;
  return { d, m: s.inputSize, o: s.outputSize, H: s.heads, dh: d / s.heads, F: MLP_RATIO * d, W: s.context, L: s.layers };
}

export function validateTransformerShape(s: TransformerShape): void {
  const int = (option: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(option, `${option} must be an integer in [${min}, ${max}], got ${Number.isNaN(v) ? 'not a number' : v}`);
    }
  };
  int('d-model', s.dModel, TRANSFORMER_LIMITS.dModel.min, TRANSFORMER_LIMITS.dModel.max);
  int('heads', s.heads, TRANSFORMER_LIMITS.heads.min, TRANSFORMER_LIMITS.heads.max);
  if (s.dModel % s.heads !== 0) {
    throw new ConfigError('heads', `heads must divide d-model (${s.dModel}), got ${s.heads}`);
  }
  int('layers', s.layers, TRANSFORMER_LIMITS.layers.min, TRANSFORMER_LIMITS.layers.max);
  if (!(s.context >= 1)) throw new ConfigError('context', `context (the attention window) must be at least 1 step, got ${s.context}`);
  int('context', s.context, TRANSFORMER_LIMITS.context.min, TRANSFORMER_LIMITS.context.max);
  int('input size', s.inputSize, 1, 100_000);
  int('output size', s.outputSize, 1, 100_000);
  if (s.positions !== 'learned' && s.positions !== 'sinusoidal') {
    throw new ConfigError('positions', `positions must be learned or sinusoidal, got '${String(s.positions)}'`);
  }
}

export interface LayerOffsets {
  ln1g: number;
  ln1b: number;
  wq: number;
  bq: number;
  wk: number;
  bk: number;
  wv: number;
  bv: number;
  wo: number;
  bo: number;
  ln2g: number;
  ln2b: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
}

export interface TransformerLayout {
  we: number;
  be: number;
  /** -1 with sinusoidal positions */
  pos: number;
  layers: LayerOffsets[];
  /** -1 without the final LayerNorm */
  lnfg: number;
  lnfb: number;
  wr: number;
  br: number;
  size: number;
}

export function transformerLayout(s: TransformerShape): TransformerLayout {
  const d = s.dModel;
  const F = MLP_RATIO * d;
  let at = 0;
  const take = (n: number) => {
    const o = at;
    at += n;
    return o;
  };
  // a linear map: its weights (out × in, row-major), then its bias; a LayerNorm: its gain, then its bias
  const linear = (out: number, inp: number): [number, number] => [take(out * inp), take(out)];
  const norm = (): [number, number] => [take(d), take(d)];
  const [we, be] = linear(d, s.inputSize);
  const pos = s.positions === 'learned' ? take(s.context * d) : -1;
  const layers: LayerOffsets[] = [];
  for (let l = 0; l < s.layers; l++) {
    const [ln1g, ln1b] = norm();
    const [wq, bq] = linear(d, d);
    const [wk, bk] = linear(d, d);
    const [wv, bv] = linear(d, d);
    const [wo, bo] = linear(d, d);
    const [ln2g, ln2b] = norm();
    const [w1, b1] = linear(F, d);
    const [w2, b2] = linear(d, F);
    layers.push({ ln1g, ln1b, wq, bq, wk, bk, wv, bv, wo, bo, ln2g, ln2b, w1, b1, w2, b2 });
  }
  const [lnfg, lnfb] = s.finalNorm ? norm() : [-1, -1];
  const [wr, br] = linear(s.outputSize, d);
  return { we, be, pos, layers, lnfg, lnfb, wr, br, size: at };
}

export interface TransformerParams {
  shape: TransformerShape;
  layout: TransformerLayout;
  /** every parameter, one flat vector (the optimizer and the clipping see one vector) */
  theta: Floats;
}

/**
 * Seeded initialisation [choice]: weights N(0, 1/fan_in); the two matrices that write into the residual
 * stream (W_O, W₂) scaled by 1/√(2L) as in GPT-2 so the stream's variance does not grow with depth;
 * learned positions N(0, 0.1²); LayerNorm gains 1, every bias 0.
 */
export function initTransformer(shape: TransformerShape, rng: Rng, precision: Precision = 'f32'): TransformerParams {
  validateTransformerShape(shape);
  const layout = transformerLayout(shape);
  const theta = allocate(precision, layout.size);
  const d = shape.dModel;
  const F = MLP_RATIO * d;
  const fill = (offset: number, count: number, std: number) => {
    for (let i = 0; i < count; i++) theta[offset + i] = std * rng.normal();
  };
  const ones = (offset: number) => theta.fill(1, offset, offset + d);
  fill(layout.we, d * shape.inputSize, 1 / Math.sqrt(shape.inputSize));
  if (layout.pos >= 0) fill(layout.pos, shape.context * d, 0.1);
  const resid = 1 / Math.sqrt(2 * shape.layers);
  for (const L of layout.layers) {
    ones(L.ln1g);
    fill(L.wq, d * d, 1 / Math.sqrt(d));
    fill(L.wk, d * d, 1 / Math.sqrt(d));
    fill(L.wv, d * d, 1 / Math.sqrt(d));
    fill(L.wo, d * d, resid / Math.sqrt(d));
    ones(L.ln2g);
    fill(L.w1, F * d, 1 / Math.sqrt(d));
    fill(L.w2, d * F, resid / Math.sqrt(F));
  }
  if (layout.lnfg >= 0) ones(layout.lnfg);
  fill(layout.wr, shape.outputSize * d, 1 / Math.sqrt(d));
  return { shape, layout, theta };
}

export function cloneTransformer(p: TransformerParams): TransformerParams {
  return { shape: p.shape, layout: p.layout, theta: p.theta.slice() };
}

/**
 * Where a window's loss reads its targets: y*_p at y[yOff + p·o], for the positions p ≥ lossFrom with
 * mask[maskOff + p] = 1 (mask null: every position) — the window's loss positions.
 */
export interface WindowTargets {
  y: ArrayLike<number>;
  yOff: number;
  mask: ArrayLike<number> | null;
  maskOff: number;
}

/**
 * Which heads carry gradient in the backward pass, per layer (S_ℓ), and what the heads outside S_ℓ
 * still learn. `selected[ℓ·H + h]` is 1 for h ∈ S_ℓ.
 */
export class HeadTransport {
  readonly selected: Uint8Array;
  /** W_O^h of a head outside S_ℓ gets its local gradient Σ_p δu_p ⊗ o^h_p (the literal sg(o^h) W_O^h) */
  woLocal: boolean;
  /**
   * a head outside S_ℓ still trains its own W_{q,k,v}^h from δo^h = W_O^hᵀ δu, but passes nothing on to
   * the layer below: stop-gradient moved from the head's output to its input, Head_h(sg(a)) [toggle]
   */
  qkvLocal: boolean;
  /** compute ‖∂L/∂o^h‖ for every head (else only for those that need δo^h anyway) */
  measureNorms: boolean;
  /** ‖∂L/∂o^h_ℓ‖ over the window's query positions, filled during backward (NaN where not measured) */
  readonly norms: Float64Array;
  /**
   * called during backward once layer ℓ's head norms are known and before its heads are used, so a
   * strategy can choose S_ℓ from this step's own norms (top/bottom by gradient norm)
   */
  onLayerNorms: ((layer: number, transport: HeadTransport) => void) | null = null;

  constructor(layers: number, heads: number, options: { woLocal?: boolean; qkvLocal?: boolean; measureNorms?: boolean } = {}) {
    this.selected = new Uint8Array(layers * heads).fill(1);
    this.norms = new Float64Array(layers * heads).fill(NaN);
    this.woLocal = options.woLocal ?? true;
    this.qkvLocal = options.qkvLocal ?? false;
    this.measureNorms = options.measureNorms ?? false;
  }
}

/**
 * Every activation and gradient buffer of one forward/backward over a window of up to W positions.
 * The `frozen*` fields exist for the exactness tests only: they replace a head's output (or its input)
 * by a constant, which is how a stop-gradient looks to finite differences.
 */
export class TransformerWorkspace {
  readonly shape: TransformerShape;
  /** the shape's sizes, read once so the passes do not restate them */
  private readonly dims: TransformerDims;
  readonly precision: Precision;
  /** positions of the last forward */
  T = 0;
  /** first query position of the last layer in the last forward (earlier layers use 0) */
  lossFrom = 0;
  /** masked positions in the last `windowLoss` */
  lossCount = 0;
  /** z^ℓ, ℓ = 0..L: the residual stream entering block ℓ (z^L leaves the last block) */
  readonly z: Floats[];
  readonly a: Floats[];
  /** LN₁'s statistics per layer */
  readonly ln1: NormStats[];
  readonly q: Floats[];
  readonly k: Floats[];
  readonly v: Floats[];
  /** attention weights per layer, [h][p][j] with stride W */
  readonly att: Floats[];
  readonly o: Floats[];
  readonly u: Floats[];
  /** LN₂'s statistics per layer */
  readonly ln2: NormStats[];
  readonly bn: Floats[];
  readonly hpre: Floats[];
  readonly f: Floats[];
  /** LN_f's statistics */
  readonly lnf: NormStats;
  readonly nf: Floats;
  readonly yhat: Floats;
  /** first position of each position's segment (a reset inside the window starts a new one) */
  readonly segStart: Int32Array;
  readonly sinusoid: Floats;
  // gradients, shared by the layers
  readonly dz: Floats;
  readonly du: Floats;
  readonly dO: Floats;
  readonly dq: Floats;
  readonly dk: Floats;
  readonly dv: Floats;
  readonly da: Floats;
  readonly dbn: Floats;
  readonly dh: Floats;
  /** δŷ at the loss positions (see `outputError`); float64 whatever the precision, so no rounding enters */
  readonly dy: Float64Array;
  /** the positions ≥ lossFrom the mask keeps, in order; the last `outputError` returned how many */
  private readonly lossPositions: Int32Array;
  readonly dA: Floats;
  /** per head: 1 if its W_{q,k,v} backward runs (selected, or qkvLocal) */
  private readonly runHead: Uint8Array;
  /** 1/√d_h, the attention scores' scale */
  private readonly scoreScale: number;
  /** tests only: frozenOut[ℓ] holds constant head outputs, used for heads with frozenOutMask[ℓ·H+h] = 1 */
  frozenOut: Floats[] | null = null;
  frozenOutMask: Uint8Array | null = null;
  /** tests only: frozenIn[ℓ] holds a constant LN₁ output read by heads with frozenInMask[ℓ·H+h] = 1 */
  frozenIn: Floats[] | null = null;
  frozenInMask: Uint8Array | null = null;

  constructor(shape: TransformerShape, precision: Precision) {
    validateTransformerShape(shape);
    this.shape = shape;
    this.dims = transformerDims(shape);
    this.precision = precision;
    const W = shape.context;
    const d = shape.dModel;
    const F = MLP_RATIO * d;
    const H = shape.heads;
    const L = shape.layers;
    const buf = (n: number) => allocate(precision, n);
    const per = (n: number) => Array.from({ length: L }, () => buf(n));
    const stats = (): NormStats => ({ mu: buf(W), inv: buf(W) });
    this.z = Array.from({ length: L + 1 }, () => buf(W * d));
    this.a = per(W * d);
    this.ln1 = Array.from({ length: L }, stats);
    this.q = per(W * d);
    this.k = per(W * d);
    this.v = per(W * d);
    this.att = per(H * W * W);
    this.o = per(W * d);
    this.u = per(W * d);
    this.ln2 = Array.from({ length: L }, stats);
    this.bn = per(W * d);
    this.hpre = per(W * F);
    this.f = per(W * F);
    this.lnf = stats();
    this.nf = buf(W * d);
    this.yhat = buf(W * shape.outputSize);
    this.segStart = new Int32Array(W);
    this.sinusoid = buf(W * d);
    // [choice] the transformer paper's code: sin on even, cos on odd channels, wavelengths up to 10000
    for (let p = 0; p < W; p++) {
      for (let i = 0; i < d; i += 2) {
        const angle = p / Math.pow(10000, i / d);
        this.sinusoid[p * d + i] = Math.sin(angle);
        if (i + 1 < d) this.sinusoid[p * d + i + 1] = Math.cos(angle);
      }
    }
    this.dz = buf(W * d);
    this.du = buf(W * d);
    this.dO = buf(W * d);
    this.dq = buf(W * d);
    this.dk = buf(W * d);
    this.dv = buf(W * d);
    this.da = buf(W * d);
    this.dbn = buf(W * d);
    this.dh = buf(W * F);
    this.dy = new Float64Array(W * shape.outputSize);
    this.lossPositions = new Int32Array(W);
    this.dA = buf(W);
    this.runHead = new Uint8Array(H);
    this.scoreScale = 1 / Math.sqrt(this.dims.dh);
  }

  /**
   * Forward over T positions: input of position p at x[xOff + p·m]; `reset[resetOff + p] = 1` starts a new
   * segment at p (positions attend only within their segment, and the position code counts from the
   * segment's start). The last block computes queries, the MLP and the readout only for positions ≥
   * lossFrom (the loss needs no more); earlier blocks compute every position, since later keys read them.
   */
  forward(P: TransformerParams, x: ArrayLike<number>, xOff: number, T: number, reset: ArrayLike<number> | null, resetOff: number, lossFrom: number): void {
    const { W } = this.dims;
    if (!(T >= 1 && T <= W)) throw new RangeError(`window of ${T} positions, context is ${W}`);
    if (!(lossFrom >= 0 && lossFrom < T)) throw new RangeError(`lossFrom ${lossFrom} outside [0, ${T})`);
    this.T = T;
    this.lossFrom = lossFrom;
    const seg = this.segStart;
    let start = 0;
    for (let p = 0; p < T; p++) {
      if (reset !== null && p > 0 && reset[resetOff + p] === 1) start = p;
      seg[p] = start;
    }
    this.embedForward(P, x, xOff);
    for (let l = 0; l < this.shape.layers; l++) {
      // the last block computes its queries and MLP only where the loss is read
      const qs = this.queryStart(l);
      this.attentionForward(P, l, qs);
      this.mlpForward(P, l, qs);
    }
    this.readoutForward(P);
  }

  /** What head h of block ℓ reads: LN₁'s output a, or the tests' frozen copy of it. */
  private headInput(l: number, h: number, a: Floats): Floats {
    return this.frozenInMask !== null && this.frozenInMask[l * this.dims.H + h] === 1 ? this.frozenIn![l] : a;
  }

  /** First query position of block ℓ: lossFrom for the last block, 0 for the others (later keys read them). */
  private queryStart(l: number): number {
    return l === this.shape.layers - 1 ? this.lossFrom : 0;
  }

  /** z⁰_p = W_e x_p + b_e + pos_{p - seg(p)} */
  private embedForward(P: TransformerParams, x: ArrayLike<number>, xOff: number): void {
    const { d, m } = this.dims;
    const th = P.theta;
    const lay = P.layout;
    const seg = this.segStart;
    const z0 = this.z[0];
    const posTable = lay.pos >= 0 ? th : this.sinusoid;
    const posBase = lay.pos >= 0 ? lay.pos : 0;
    for (let p = 0; p < this.T; p++) {
      const pi = posBase + (p - seg[p]) * d;
      const xo = xOff + p * m;
      for (let i = 0; i < d; i++) {
        let acc = th[lay.be + i] + posTable[pi + i];
        const wrow = lay.we + i * m;
        for (let j = 0; j < m; j++) acc += th[wrow + j] * x[xo + j];
        z0[p * d + i] = acc;
      }
    }
  }

  /** Block ℓ's attention: a = LN₁(z^ℓ), q/k/v per head, A^h = softmax(q k / √d_h) within the segment, o^h = A^h v. */
  private attentionForward(P: TransformerParams, l: number, qs: number): void {
    const { W, d, H, dh } = this.dims;
    const T = this.T;
    const th = P.theta;
    const Lo = P.layout.layers[l];
    const seg = this.segStart;
    const a = this.a[l];
    layerNorm(th, Lo.ln1g, Lo.ln1b, this.z[l], a, this.ln1[l], 0, T, d);
    const q = this.q[l];
    const k = this.k[l];
    const v = this.v[l];
    for (let h = 0; h < H; h++) {
      const src = this.headInput(l, h, a);
      for (let i = h * dh; i < (h + 1) * dh; i++) {
        const rq = Lo.wq + i * d;
        const rk = Lo.wk + i * d;
        const rv = Lo.wv + i * d;
        for (let p = 0; p < T; p++) {
          const so = p * d;
          let ak = th[Lo.bk + i];
          let av = th[Lo.bv + i];
          for (let j = 0; j < d; j++) {
            ak += th[rk + j] * src[so + j];
            av += th[rv + j] * src[so + j];
          }
          k[so + i] = ak;
          v[so + i] = av;
          if (p >= qs) {
            let aq = th[Lo.bq + i];
            for (let j = 0; j < d; j++) aq += th[rq + j] * src[so + j];
            q[so + i] = aq;
          }
        }
      }
    }
    // A^h_{pj} = softmax_j(q^h_p · k^h_j / √d_h) over seg(p) ≤ j ≤ p; o^h_p = Σ_j A^h_{pj} v^h_j
    const att = this.att[l];
    const o = this.o[l];
    for (let h = 0; h < H; h++) {
      const c0 = h * dh;
      for (let p = qs; p < T; p++) {
        const row = (h * W + p) * W;
        let max = -Infinity;
        for (let j = seg[p]; j <= p; j++) {
          let sc = 0;
          for (let c = 0; c < dh; c++) sc += q[p * d + c0 + c] * k[j * d + c0 + c];
          sc *= this.scoreScale;
          att[row + j] = sc;
          if (sc > max) max = sc;
        }
        let sum = 0;
        for (let j = seg[p]; j <= p; j++) {
          const e = Math.exp(att[row + j] - max);
          att[row + j] = e;
          sum += e;
        }
        const invSum = 1 / sum;
        for (let j = 0; j < seg[p]; j++) att[row + j] = 0;
        for (let j = seg[p]; j <= p; j++) att[row + j] *= invSum;
        for (let j = p + 1; j < W; j++) att[row + j] = 0;
        for (let c = 0; c < dh; c++) {
          let acc = 0;
          for (let j = seg[p]; j <= p; j++) acc += att[row + j] * v[j * d + c0 + c];
          o[p * d + c0 + c] = acc;
        }
      }
      if (this.frozenOutMask !== null && this.frozenOutMask[l * H + h] === 1) {
        const fo = this.frozenOut![l];
        for (let p = qs; p < T; p++) for (let c = 0; c < dh; c++) o[p * d + c0 + c] = fo[p * d + c0 + c];
      }
    }
  }

  /** Block ℓ's rest: u_p = z_p + W_O o_p + b_O;  z'_p = u_p + W₂ GELU(W₁ LN₂(u_p) + b₁) + b₂ */
  private mlpForward(P: TransformerParams, l: number, qs: number): void {
    const { d, F } = this.dims;
    const T = this.T;
    const th = P.theta;
    const Lo = P.layout.layers[l];
    const zin = this.z[l];
    const zout = this.z[l + 1];
    const o = this.o[l];
    const u = this.u[l];
    for (let p = qs; p < T; p++) {
      const pd = p * d;
      for (let i = 0; i < d; i++) {
        let acc = zin[pd + i] + th[Lo.bo + i];
        const r = Lo.wo + i * d;
        for (let j = 0; j < d; j++) acc += th[r + j] * o[pd + j];
        u[pd + i] = acc;
      }
    }
    const bn = this.bn[l];
    layerNorm(th, Lo.ln2g, Lo.ln2b, u, bn, this.ln2[l], qs, T, d);
    const hpre = this.hpre[l];
    const f = this.f[l];
    for (let p = qs; p < T; p++) {
      const pd = p * d;
      const pF = p * F;
      for (let i = 0; i < F; i++) {
        let acc = th[Lo.b1 + i];
        const r = Lo.w1 + i * d;
        for (let j = 0; j < d; j++) acc += th[r + j] * bn[pd + j];
        hpre[pF + i] = acc;
        f[pF + i] = gelu(acc);
      }
      for (let i = 0; i < d; i++) {
        let acc = u[pd + i] + th[Lo.b2 + i];
        const r = Lo.w2 + i * F;
        for (let j = 0; j < F; j++) acc += th[r + j] * f[pF + j];
        zout[pd + i] = acc;
      }
    }
  }

  /** ŷ_p = W_r LN_f(z^L_p) + b_r for p ≥ lossFrom */
  private readoutForward(P: TransformerParams): void {
    const { d, o: oS } = this.dims;
    const { T, lossFrom } = this;
    const th = P.theta;
    const lay = P.layout;
    const zL = this.z[this.shape.layers];
    const nf = this.nf;
    if (lay.lnfg >= 0) layerNorm(th, lay.lnfg, lay.lnfb, zL, nf, this.lnf, lossFrom, T, d);
    else for (let i = lossFrom * d; i < T * d; i++) nf[i] = zL[i];
    for (let p = lossFrom; p < T; p++) {
      for (let i = 0; i < oS; i++) {
        let acc = th[lay.br + i];
        const r = lay.wr + i * d;
        for (let j = 0; j < d; j++) acc += th[r + j] * nf[p * d + j];
        this.yhat[p * oS + i] = acc;
      }
    }
  }

  /** Σ of ½‖ŷ_p − y*_p‖² over the loss positions of `targets`. Sets `lossCount` to the number of positions summed. */
  windowLoss(targets: WindowTargets): number {
    const oS = this.shape.outputSize;
    const count = this.outputError(targets, 1);
    let sum = 0;
    for (let k = 0; k < count; k++) {
      const at = this.lossPositions[k] * oS;
      for (let i = 0; i < oS; i++) {
        const e = this.dy[at + i];
        sum += 0.5 * e * e;
      }
    }
    this.lossCount = count;
    return sum;
  }

  /** δŷ_p = scale (ŷ_p − y*_p) into `dy` at the loss positions of `targets`; lists them in `lossPositions` and returns their count. */
  private outputError({ y, yOff, mask, maskOff }: WindowTargets, scale: number): number {
    const oS = this.shape.outputSize;
    let count = 0;
    for (let p = this.lossFrom; p < this.T; p++) {
      if (mask !== null && mask[maskOff + p] !== 1) continue;
      this.lossPositions[count++] = p;
      for (let i = p * oS; i < (p + 1) * oS; i++) this.dy[i] = scale * (this.yhat[i] - y[yOff + i]);
    }
    return count;
  }

  /**
   * Exact backprop of `lossScale` · windowLoss through the last forward, accumulated into `grad` (+=), with
   * head-sparse transport: `transport` null is the dense backward; otherwise gradient passes through the
   * outputs of the heads with transport.selected = 1 only.
   */
  backward(P: TransformerParams, targets: WindowTargets, lossScale: number, grad: Floats, transport: HeadTransport | null): void {
    const count = this.outputError(targets, lossScale);
    // the head's own gradient first: the readout arm runs this alone, so both see the same arithmetic
    this.headGradient(P, count, grad);
    this.readoutInputBackward(P, count, grad);
    for (let l = this.shape.layers - 1; l >= 0; l--) {
      const qs = this.queryStart(l);
      this.mlpBackward(P, l, qs, grad);
      const anyPropagates = this.outputProjectionBackward(P, l, qs, grad, transport);
      this.attentionBackward(P, l, qs, grad, transport, anyPropagates);
    }
    // embedding: δW_e += δz⁰_p ⊗ x_p, δb_e += δz⁰_p, δpos_{p−seg(p)} += δz⁰_p — needs the inputs again
    this.embeddingBackward(P, grad);
  }

  /** δŷ (dy, at the first `count` loss positions) carried through W_r and LN_f into δz^L (dz). */
  private readoutInputBackward(P: TransformerParams, count: number, grad: Floats): void {
    const { d, o: oS } = this.dims;
    const { T, lossFrom } = this;
    const th = P.theta;
    const lay = P.layout;
    const dz = this.dz;
    dz.fill(0, 0, T * d);
    const dnf = this.dbn; // scratch, free until the first block
    dnf.fill(0, lossFrom * d, T * d);
    for (let k = 0; k < count; k++) {
      const p = this.lossPositions[k];
      for (let i = 0; i < oS; i++) {
        const e = this.dy[p * oS + i];
        const r = lay.wr + i * d;
        for (let j = 0; j < d; j++) dnf[p * d + j] += e * th[r + j];
      }
    }
    const zL = this.z[this.shape.layers];
    if (lay.lnfg >= 0) layerNormBackward(th, grad, lay.lnfg, lay.lnfb, zL, dnf, dz, this.lnf, lossFrom, T, d);
    else for (let i = lossFrom * d; i < T * d; i++) dz[i] += dnf[i];
  }

  /** Block ℓ's MLP: δu_p = δz'_p + LN₂ᵀ(W₁ᵀ (GELU'(h) ⊙ W₂ᵀ δz'_p)), from dz into du. */
  private mlpBackward(P: TransformerParams, l: number, qs: number, grad: Floats): void {
    const { d, F } = this.dims;
    const T = this.T;
    const th = P.theta;
    const Lo = P.layout.layers[l];
    const { dz, du, dh: dh1, dbn } = this;
    const [u, bn, hpre, f] = [this.u[l], this.bn[l], this.hpre[l], this.f[l]];
    dbn.fill(0, qs * d, T * d);
    for (let p = qs; p < T; p++) {
      for (let i = 0; i < d; i++) {
        const g = dz[p * d + i];
        du[p * d + i] = g;
        grad[Lo.b2 + i] += g;
      }
      const pd = p * d;
      const pF = p * F;
      dh1.fill(0, pF, pF + F);
      for (let i = 0; i < d; i++) {
        const g = dz[pd + i];
        const r = Lo.w2 + i * F;
        for (let j = 0; j < F; j++) {
          grad[r + j] += g * f[pF + j];
          dh1[pF + j] += th[r + j] * g;
        }
      }
      for (let j = 0; j < F; j++) dh1[pF + j] *= geluDerivative(hpre[pF + j]);
      for (let i = 0; i < F; i++) {
        const g = dh1[pF + i];
        grad[Lo.b1 + i] += g;
        const r = Lo.w1 + i * d;
        for (let j = 0; j < d; j++) {
          grad[r + j] += g * bn[pd + j];
          dbn[pd + j] += g * th[r + j];
        }
      }
    }
    layerNormBackward(th, grad, Lo.ln2g, Lo.ln2b, u, dbn, du, this.ln2[l], qs, T, d);
  }

  /**
   * Block ℓ's attention output: δb_O = Σ δu; δW_O^h = Σ_p δu_p ⊗ o^h_p; δo^h_p = W_O^hᵀ δu_p (into dO) for the
   * heads that need it, their norms measured; sets which heads run their own backward (those in S_ℓ, and
   * with qkvLocal every head). Returns whether any head passes gradient on below the block.
   */
  private outputProjectionBackward(P: TransformerParams, l: number, qs: number, grad: Floats, transport: HeadTransport | null): boolean {
    const { d, H, dh } = this.dims;
    const T = this.T;
    const th = P.theta;
    const Lo = P.layout.layers[l];
    const du = this.du;
    const o = this.o[l];
    const dO = this.dO;
    for (let p = qs; p < T; p++) for (let i = 0; i < d; i++) grad[Lo.bo + i] += du[p * d + i];
    const sel = transport === null ? null : transport.selected;
    const measure = transport !== null && (transport.measureNorms || transport.onLayerNorms !== null);
    for (let h = 0; h < H; h++) {
      const chosen = sel === null || sel[l * H + h] === 1;
      const c0 = h * dh;
      if (chosen || transport!.woLocal) {
        for (let i = 0; i < d; i++) {
          const r = Lo.wo + i * d + c0;
          for (let p = qs; p < T; p++) {
            const g = du[p * d + i];
            for (let c = 0; c < dh; c++) grad[r + c] += g * o[p * d + c0 + c];
          }
        }
      }
      const need = chosen || measure || transport!.qkvLocal;
      if (!need) continue;
      let sq = 0;
      for (let p = qs; p < T; p++) {
        const pc = p * d + c0;
        dO.fill(0, pc, pc + dh);
        for (let i = 0; i < d; i++) {
          const g = du[p * d + i];
          const r = Lo.wo + i * d + c0;
          for (let c = 0; c < dh; c++) dO[pc + c] += th[r + c] * g;
        }
        for (let c = 0; c < dh; c++) sq += dO[pc + c] * dO[pc + c];
      }
      if (transport !== null) transport.norms[l * H + h] = Math.sqrt(sq);
    }
    if (transport !== null && transport.onLayerNorms !== null) transport.onLayerNorms(l, transport);
    const runHead = this.runHead;
    let anyPropagates = false;
    for (let h = 0; h < H; h++) {
      const chosen = sel === null || sel[l * H + h] === 1;
      runHead[h] = chosen || transport!.qkvLocal ? 1 : 0;
      if (chosen) anyPropagates = true;
    }
    return anyPropagates;
  }

  /**
   * Block ℓ's heads that run their backward: softmax, then W_{q,k,v}; the selected ones pass δa on, and
   * δz_p = δu_p + LN₁ᵀ(δa_p) leaves the block in dz.
   */
  private attentionBackward(P: TransformerParams, l: number, qs: number, grad: Floats, transport: HeadTransport | null, anyPropagates: boolean): void {
    const { W, d, H, dh } = this.dims;
    const T = this.T;
    const th = P.theta;
    const Lo = P.layout.layers[l];
    const seg = this.segStart;
    const sel = transport === null ? null : transport.selected;
    const { runHead, dO, du, dz, dq, dk, dv, da, dA } = this;
    const [q, k, v, a, att] = [this.q[l], this.k[l], this.v[l], this.a[l], this.att[l]];
    da.fill(0, 0, T * d);
    for (let h = 0; h < H; h++) {
      if (runHead[h] === 0) continue;
      const c0 = h * dh;
      for (let p = 0; p < T; p++) {
        for (let c = 0; c < dh; c++) {
          dq[p * d + c0 + c] = 0;
          dk[p * d + c0 + c] = 0;
          dv[p * d + c0 + c] = 0;
        }
      }
      // softmax backward: δA_pj = δo_p·v_j, δs_pj = A_pj (δA_pj − Σ_j' A_pj' δA_pj') / √d_h
      for (let p = qs; p < T; p++) {
        const row = (h * W + p) * W;
        let dot = 0;
        for (let j = seg[p]; j <= p; j++) {
          let acc = 0;
          for (let c = 0; c < dh; c++) acc += dO[p * d + c0 + c] * v[j * d + c0 + c];
          dA[j] = acc;
          dot += att[row + j] * acc;
        }
        for (let j = seg[p]; j <= p; j++) {
          const A = att[row + j];
          const ds = A * (dA[j] - dot) * this.scoreScale;
          for (let c = 0; c < dh; c++) {
            dq[p * d + c0 + c] += ds * k[j * d + c0 + c];
            dk[j * d + c0 + c] += ds * q[p * d + c0 + c];
            dv[j * d + c0 + c] += A * dO[p * d + c0 + c];
          }
        }
      }
      const src = this.headInput(l, h, a);
      const propagate = sel === null || sel[l * H + h] === 1;
      for (let i = c0; i < c0 + dh; i++) {
        const rq = Lo.wq + i * d;
        const rk = Lo.wk + i * d;
        const rv = Lo.wv + i * d;
        for (let p = 0; p < T; p++) {
          const gk = dk[p * d + i];
          const gv = dv[p * d + i];
          const gq = p >= qs ? dq[p * d + i] : 0;
          grad[Lo.bk + i] += gk;
          grad[Lo.bv + i] += gv;
          grad[Lo.bq + i] += gq;
          const so = p * d;
          for (let j = 0; j < d; j++) {
            const x = src[so + j];
            grad[rk + j] += gk * x;
            grad[rv + j] += gv * x;
            grad[rq + j] += gq * x;
          }
          if (propagate) {
            for (let j = 0; j < d; j++) da[so + j] += th[rk + j] * gk + th[rv + j] * gv + th[rq + j] * gq;
          }
        }
      }
    }
    // δz_p = δu_p + LN₁ᵀ(δa_p); rows p < qs have δu_p = 0 (the last block computed no output there)
    for (let p = 0; p < qs; p++) for (let i = 0; i < d; i++) dz[p * d + i] = 0;
    for (let i = qs * d; i < T * d; i++) dz[i] = du[i];
    if (anyPropagates) layerNormBackward(th, grad, Lo.ln1g, Lo.ln1b, this.z[l], da, dz, this.ln1[l], 0, T, d);
  }

  /**
   * The output head's gradient alone, accumulated into grad[wr ..+ o·d] and grad[br ..+ o] (+=): δW_r +=
   * δŷ_p ⊗ LN_f(z^L_p), δb_r += δŷ_p over the last forward's masked positions. O(o·d) per position; nothing
   * below the head is touched (the readout arm's whole backward).
   */
  headBackward(P: TransformerParams, targets: WindowTargets, lossScale: number, grad: Floats): void {
    this.headGradient(P, this.outputError(targets, lossScale), grad);
  }

  /** δW_r += δŷ_p ⊗ LN_f(z^L_p), δb_r += δŷ_p from dy at the first `count` loss positions. */
  private headGradient(P: TransformerParams, count: number, grad: Floats): void {
    const { d, o: oS } = this.dims;
    const lay = P.layout;
    const nf = this.nf;
    for (let k = 0; k < count; k++) {
      const p = this.lossPositions[k];
      for (let i = 0; i < oS; i++) {
        const e = this.dy[p * oS + i];
        grad[lay.br + i] += e;
        const r = lay.wr + i * d;
        for (let j = 0; j < d; j++) grad[r + j] += e * nf[p * d + j];
      }
    }
  }

  /** the inputs of the last forward, kept by reference for the embedding's backward */
  private lastX: ArrayLike<number> | null = null;
  private lastXOff = 0;

  /** Records the inputs (forward's x, xOff); called by `run` so backward can reach W_e. */
  bindInputs(x: ArrayLike<number>, xOff: number): void {
    this.lastX = x;
    this.lastXOff = xOff;
  }

  private embeddingBackward(P: TransformerParams, grad: Floats): void {
    const x = this.lastX;
    if (x === null) throw new Error('transformer backward: call run() (or bindInputs) before backward');
    const s = this.shape;
    const lay = P.layout;
    const d = s.dModel;
    const m = s.inputSize;
    const dz = this.dz;
    for (let p = 0; p < this.T; p++) {
      const xo = this.lastXOff + p * m;
      const pi = lay.pos >= 0 ? lay.pos + (p - this.segStart[p]) * d : -1;
      for (let i = 0; i < d; i++) {
        const g = dz[p * d + i];
        grad[lay.be + i] += g;
        if (pi >= 0) grad[pi + i] += g;
        const r = lay.we + i * m;
        for (let j = 0; j < m; j++) grad[r + j] += g * x[xo + j];
      }
    }
  }

  /** forward plus `bindInputs`: what callers use */
  run(P: TransformerParams, x: ArrayLike<number>, xOff: number, T: number, reset: ArrayLike<number> | null, resetOff: number, lossFrom: number): void {
    this.bindInputs(x, xOff);
    this.forward(P, x, xOff, T, reset, resetOff, lossFrom);
  }
}

/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}

export function geluDerivative(x: number): number {
  const t = Math.tanh(GELU_C * (x + 0.044715 * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** What a LayerNorm's forward keeps per position for its backward: μ_p and 1/√(σ²_p + ε). */
export interface NormStats {
  mu: Floats;
  inv: Floats;
}

/** y_p = g ⊙ (x_p − μ_p)/√(σ²_p + ε) + b for p in [from, to); keeps μ_p and 1/√(σ²_p + ε) in `stats`. */
function layerNorm(th: Floats, g: number, b: number, x: Floats, y: Floats, stats: NormStats, from: number, to: number, d: number): void {
  const { mu, inv } = stats;
  for (let p = from; p < to; p++) {
    const o = p * d;
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[o + i];
    mean /= d;
    let varSum = 0;
    for (let i = 0; i < d; i++) {
      const c = x[o + i] - mean;
      varSum += c * c;
    }
    const r = 1 / Math.sqrt(varSum / d + LN_EPS);
    mu[p] = mean;
    inv[p] = r;
    for (let i = 0; i < d; i++) y[o + i] = th[g + i] * (x[o + i] - mean) * r + th[b + i];
  }
}

/** δx_p += r (δx̂ − mean(δx̂) − x̂ mean(δx̂ ⊙ x̂)), δx̂ = g ⊙ δy_p; δg += δy ⊙ x̂, δb += δy. */
function layerNormBackward(
  th: Floats,
  grad: Floats,
  g: number,
  b: number,
  x: Floats,
  dy: Floats,
  dx: Floats,
  { mu, inv }: NormStats,
  from: number,
  to: number,
  d: number,
): void {
  for (let p = from; p < to; p++) {
    const o = p * d;
    const r = inv[p];
    const mean = mu[p];
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i] - mean) * r;
      const gy = dy[o + i];
      grad[g + i] += gy * xh;
      grad[b + i] += gy;
      const dxh = gy * th[g + i];
      m1 += dxh;
      m2 += dxh * xh;
    }
    m1 /= d;
    m2 /= d;
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i] - mean) * r;
      dx[o + i] += r * (dy[o + i] * th[g + i] - m1 - xh * m2);
    }
  }
}

export function transformerParamCount(shape: TransformerShape): number {
  return transformerLayout(shape).size;
}
