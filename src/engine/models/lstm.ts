/**
 * The LSTM of science.md §5 with the same linear readout as the RNN:
 *   z_t = W_h h_{t-1} + W_x x_t + b   (4n rows: gates i, f, g, o, in that order)
 *   i, f, o = σ(z_i, z_f, z_o),  g = tanh(z_g),  c_t = f⊙c_{t-1} + i⊙g,  h_t = o⊙tanh(c_t),  y_t = V h_t + c
 * θ = [W_h (4n×n row-major); W_x (4n×m); b (4n)], p = 4n(n+m+1): the RNN's layout with 4n rows, so the
 * estimators that see a model only through its Jacobian view (UORO, KF-RTRL) serve both.
 * The forward step also leaves the local derivatives every gradient method needs (`local`, 6n):
 *   a_i = g σ'(z_i), a_f = c_{t-1} σ'(z_f), a_g = i tanh'(z_g), a_o = tanh(c_t) σ'(z_o),
 *   β = o (1 - tanh² c_t) = ∂h_t/∂c_t, and f itself = ∂c_t/∂c_{t-1},
 * so ∂c_t = f ∂c_{t-1} + a_i ∂z_i + a_f ∂z_f + a_g ∂z_g and ∂h_t = a_o ∂z_o + β ∂c_t.
 */
import { allocate, precisionOf, type Floats, type Precision } from '../precision';
import type { Rng } from '../rng';
import { copyParams, initRows, ReadoutModel, type ModelCell, type ModelShape, type ModelState, type ParamShape } from './recurrentModel';

/** n cells, m inputs, o outputs */
export type LstmShape = ModelShape;

/** Offsets of the local derivatives inside `local` (each block n long). */
export const LOCAL_I = 0;
export const LOCAL_F = 1;
export const LOCAL_G = 2;
export const LOCAL_O = 3;
export const LOCAL_BETA = 4;
export const LOCAL_FORGET = 5;
export const LOCAL_BLOCKS = 6;

/** p = 4n(n+m+1), the number of recurrent parameters. */
export function lstmParamCount(shape: ParamShape): number {
  return 4 * shape.n * (shape.n + shape.m + 1);
}

/** Offsets of W_x and b inside θ. */
export function lstmLayout(shape: ParamShape): { wx: number; b: number; p: number } {
  const rows = 4 * shape.n;
  const wx = rows * shape.n;
  const b = wx + rows * shape.m;
  return { wx, b, p: b + rows };
}

export interface LstmParams {
  readonly shape: LstmShape;
  readonly theta: Floats;
  /** [V (o×n row-major); c (o)] */
  readonly readout: Floats;
}

/**
 * W_h ~ N(0, gain²/n), W_x ~ N(0, 1/m), V ~ N(0, 1/n), b = 0 except the forget gate's b_f = 1 [choice: the
 * usual start that lets the cell carry remember from the first step].
 */
export function initLstm(shape: LstmShape, rng: Rng, gain = 1, precision: Precision = 'f32'): LstmParams {
  const { n, m } = shape;
  const { theta, readout } = initRows(shape, 4 * n, rng, gain / Math.sqrt(n), 1 / Math.sqrt(Math.max(1, m)), precision);
  const { b } = lstmLayout(shape);
  theta.fill(1, b + n, b + 2 * n);
  return { shape, theta, readout };
}

export function cloneLstmParams(p: LstmParams, precision: Precision = precisionOf(p.theta)): LstmParams {
  return copyParams(p, precision);
}

/** Per-step activations of one LSTM learner; allocated once, reused every step. */
export interface LstmState extends ModelState {
  cPrev: Floats;
  c: Floats;
  /** z_t, then overwritten by the gate activations i, f, g, o (4n) */
  gates: Floats;
  /** the local derivatives a_i, a_f, a_g, a_o, β, f (6n, see the file comment) */
  local: Floats;
}

export function allocateLstmState(shape: LstmShape, precision: Precision): LstmState {
  const { n, o } = shape;
  return {
    hPrev: allocate(precision, n),
    h: allocate(precision, n),
    cPrev: allocate(precision, n),
    c: allocate(precision, n),
    gates: allocate(precision, 4 * n),
    local: allocate(precision, LOCAL_BLOCKS * n),
    y: allocate(precision, o),
    e: allocate(precision, o),
    dLdh: allocate(precision, n),
  };
}

export function resetLstmState(state: LstmState): void {
  state.h.fill(0);
  state.hPrev.fill(0);
  state.c.fill(0);
  state.cPrev.fill(0);
}

/** Sets the running state from [h; c] (2n), as pretraining leaves it. */
export function setLstmState(state: LstmState, hc: Floats): void {
  const n = state.h.length;
  for (let j = 0; j < n; j++) {
    state.h[j] = hc[j];
    state.c[j] = hc[n + j];
  }
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Advances one step: (h, c) become (h_{t-1}, c_{t-1}), then z_t, the gates, c_t, h_t and `local`. */
export function lstmForwardStep(params: LstmParams, state: LstmState, x: Floats, xOff: number): void {
  const { n, m } = params.shape;
  const th = params.theta;
  const { wx, b } = lstmLayout(params.shape);
  const hPrev = state.h;
  state.h = state.hPrev;
  state.hPrev = hPrev;
  const cPrev = state.c;
  state.c = state.cPrev;
  state.cPrev = cPrev;
  const z = state.gates;
  for (let r = 0; r < 4 * n; r++) {
    let a = th[b + r];
    const w = r * n;
    for (let q = 0; q < n; q++) a += th[w + q] * hPrev[q];
    const u = wx + r * m;
    for (let l = 0; l < m; l++) a += th[u + l] * x[xOff + l];
    z[r] = a;
  }
  const { h, c, local } = state;
  for (let j = 0; j < n; j++) {
    const i = sigmoid(z[j]);
    const f = sigmoid(z[n + j]);
    const g = Math.tanh(z[2 * n + j]);
    const o = sigmoid(z[3 * n + j]);
    z[j] = i;
    z[n + j] = f;
    z[2 * n + j] = g;
    z[3 * n + j] = o;
    const cj = f * cPrev[j] + i * g;
    const tc = Math.tanh(cj);
    c[j] = cj;
    h[j] = o * tc;
    local[LOCAL_I * n + j] = g * i * (1 - i);
    local[LOCAL_F * n + j] = cPrev[j] * f * (1 - f);
    local[LOCAL_G * n + j] = i * (1 - g * g);
    local[LOCAL_O * n + j] = tc * o * (1 - o);
    local[LOCAL_BETA * n + j] = o * (1 - tc * tc);
    local[LOCAL_FORGET * n + j] = f;
  }
}

/**
 * One step back through the LSTM (BPTT and online TBPTT share it). Given dh = ∂/∂h_t (the readout's and
 * the future's) and dcIn = ∂/∂c_t from the future, with this step's h_{t-1} at hPrev[hOff..] and its
 * local derivatives at local[lOff..] (6n), adds this step's share dz ⊗ ĥ_t to grad, and when `toPrev`
 * writes dhPrev = W_hᵀ dz and dcPrev = f ⊙ dc.
 */
export function lstmBackwardStep(
  params: LstmParams,
  hPrev: Floats,
  hOff: number,
  local: Floats,
  lOff: number,
  x: Floats,
  xOff: number,
  dh: Floats,
  dcIn: Floats,
  grad: Floats,
  dz: Floats,
  toPrev: boolean,
  dhPrev: Floats,
  dcPrev: Floats,
): void {
  const { n, m } = params.shape;
  const { wx, b } = lstmLayout(params.shape);
  for (let j = 0; j < n; j++) {
    const dc = dcIn[j] + dh[j] * local[lOff + LOCAL_BETA * n + j];
    dz[j] = dc * local[lOff + LOCAL_I * n + j];
    dz[n + j] = dc * local[lOff + LOCAL_F * n + j];
    dz[2 * n + j] = dc * local[lOff + LOCAL_G * n + j];
    dz[3 * n + j] = dh[j] * local[lOff + LOCAL_O * n + j];
    dcPrev[j] = dc * local[lOff + LOCAL_FORGET * n + j];
  }
  const rows = 4 * n;
  for (let r = 0; r < rows; r++) {
    const g = dz[r];
    if (g === 0) continue;
    const w = r * n;
    for (let l = 0; l < n; l++) grad[w + l] += g * hPrev[hOff + l];
    const u = wx + r * m;
    for (let l = 0; l < m; l++) grad[u + l] += g * x[xOff + l];
    grad[b + r] += g;
  }
  if (!toPrev) return;
  const th = params.theta;
  dhPrev.fill(0);
  for (let r = 0; r < rows; r++) {
    const g = dz[r];
    if (g === 0) continue;
    const w = r * n;
    for (let q = 0; q < n; q++) dhPrev[q] += th[w + q] * g;
  }
}

const LSTM_CELL: ModelCell<LstmParams, LstmState> = { step: lstmForwardStep, reset: resetLstmState };

/**
 * One LSTM with its own weights and running state: what a learner steps. Its Jacobian view, state [h; c]
 * and 4n gate rows: with ∂z = W_h ∂h_{t-1},
 *   ∂c_t = f ∂c_{t-1} + a_i ∂z_i + a_f ∂z_f + a_g ∂z_g,   ∂h_t = a_o ∂z_o + β ∂c_t.
 */
export class LstmModel extends ReadoutModel<LstmParams, LstmState> {
  readonly kind = 'lstm';
  private readonly dz: Floats;
  /** |W_h| per (unit, source) over the four gates, for the magnitude-based selections */
  private readonly magnitude: Floats;

  /** Copies `params`; `sInit` is the running state [h; c] (2n) the model starts from (zeros when absent). */
  constructor(params: LstmParams, sInit?: Floats) {
    const { n } = params.shape;
    const precision = precisionOf(params.theta);
    super(cloneLstmParams(params), allocateLstmState(params.shape, precision), lstmParamCount(params.shape), 2 * n, 4 * n, LSTM_CELL);
    if (sInit) setLstmState(this.state, sInit);
    this.dz = allocate(precision, 4 * n);
    this.magnitude = allocate(precision, n * n);
  }

  saveState(out: Floats): void {
    out.set(this.state.h);
    out.set(this.state.c, this.state.h.length);
  }

  /** a_i, a_f, a_g, a_o, β, f (6n) */
  localDerivatives(): Floats {
    return this.state.local;
  }

  /** Source q of unit j weighs ‖W_h[·_j, q]‖ over the four gates [choice: one kept set per unit, shared by its gates]. */
  pathWeights(): Floats {
    const n = this.params.shape.n;
    const W = this.params.theta;
    for (let j = 0; j < n; j++) {
      for (let q = 0; q < n; q++) {
        let s = 0;
        for (let gate = 0; gate < 4; gate++) s += W[(gate * n + j) * n + q] ** 2;
        this.magnitude[j * n + q] = Math.sqrt(s);
      }
    }
    return this.magnitude;
  }

  jvp(v: Floats, out: Floats): void {
    const n = this.params.shape.n;
    const W = this.params.theta;
    const dz = this.dz;
    for (let r = 0; r < 4 * n; r++) {
      let s = 0;
      const w = r * n;
      for (let q = 0; q < n; q++) s += W[w + q] * v[q];
      dz[r] = s;
    }
    const local = this.state.local;
    for (let j = 0; j < n; j++) {
      const dc =
        local[LOCAL_FORGET * n + j] * v[n + j] + local[LOCAL_I * n + j] * dz[j] + local[LOCAL_F * n + j] * dz[n + j] + local[LOCAL_G * n + j] * dz[2 * n + j];
      out[n + j] = dc;
      out[j] = local[LOCAL_O * n + j] * dz[3 * n + j] + local[LOCAL_BETA * n + j] * dc;
    }
  }

  vjpPreact(nu: Floats, out: Floats): void {
    const n = this.params.shape.n;
    const local = this.state.local;
    for (let j = 0; j < n; j++) {
      // what reaches c_t: ν_c directly and ν_h through β
      const toC = nu[n + j] + nu[j] * local[LOCAL_BETA * n + j];
      out[j] = toC * local[LOCAL_I * n + j];
      out[n + j] = toC * local[LOCAL_F * n + j];
      out[2 * n + j] = toC * local[LOCAL_G * n + j];
      out[3 * n + j] = nu[j] * local[LOCAL_O * n + j];
    }
  }

  preactJacobianT(out: Floats): void {
    const n = this.params.shape.n;
    const S = 2 * n;
    const local = this.state.local;
    out.fill(0);
    for (let j = 0; j < n; j++) {
      const beta = local[LOCAL_BETA * n + j];
      for (let gate = 0; gate < 3; gate++) {
        const a = local[gate * n + j];
        const r = gate * n + j;
        out[r * S + j] = beta * a;
        out[r * S + n + j] = a;
      }
      out[(3 * n + j) * S + j] = local[LOCAL_O * n + j];
    }
  }

  lossGradient(out: Floats): void {
    const n = this.params.shape.n;
    for (let j = 0; j < n; j++) {
      out[j] = this.state.dLdh[j];
      out[n + j] = 0;
    }
  }
}
