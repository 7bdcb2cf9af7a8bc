/**
 * Vanilla (optionally leaky) RNN with a linear readout, science.md §2:
 *   a_t = W h_{t-1} + U x_t + b,   h_t = (1-α) h_{t-1} + α tanh(a_t),   y_t = V h_t + c.
 * The recurrent parameters θ = (W, U, b) live in one flat vector (W row-major, then U, then b), the
 * order the sensitivity P's columns use; the readout (V, c) lives in a second vector.
 */
import { allocate, precisionOf, type Floats, type Precision } from './precision';
import type { Rng } from './rng';

export interface RnnShape {
  /** hidden units */
  readonly n: number;
  /** inputs */
  readonly m: number;
  /** outputs */
  readonly o: number;
  /** leak α in (0, 1]; 1 is the plain tanh RNN */
  readonly leak: number;
}

/** p = n² + n m + n, the number of recurrent parameters (columns of P). */
export function recurrentParamCount(shape: RnnShape): number {
  return shape.n * shape.n + shape.n * shape.m + shape.n;
}

export function readoutParamCount(shape: ReadoutShape): number {
  return shape.o * shape.n + shape.o;
}

export interface RnnParams {
  readonly shape: RnnShape;
  /** θ = [W (n×n row-major); U (n×m row-major); b (n)] */
  readonly theta: Floats;
  /** [V (o×n row-major); c (o)] */
  readonly readout: Floats;
}

/** Offsets of U and b inside θ. */
export function thetaLayout(shape: RnnShape): { u: number; b: number; p: number } {
  const u = shape.n * shape.n;
  const b = u + shape.n * shape.m;
  return { u, b, p: b + shape.n };
}

export interface RnnInit {
  /** W ~ N(0, gain²/n) */
  gain: number;
  /** U ~ N(0, inputScale²/m) */
  inputScale: number;
}
export const DEFAULT_INIT: RnnInit = { gain: 1.2, inputScale: 1.0 };

export function initRnn(shape: RnnShape, rng: Rng, init: RnnInit = DEFAULT_INIT, precision: Precision = 'f32'): RnnParams {
  const { n, m, o } = shape;
  const theta = allocate(precision, recurrentParamCount(shape));
  const readout = allocate(precision, readoutParamCount(shape));
  const { u, b } = thetaLayout(shape);
  const sw = init.gain / Math.sqrt(n);
  for (let i = 0; i < n * n; i++) theta[i] = sw * rng.normal();
  const su = init.inputScale / Math.sqrt(Math.max(1, m));
  for (let i = 0; i < n * m; i++) theta[u + i] = su * rng.normal();
  for (let i = 0; i < n; i++) theta[b + i] = 0;
  const sv = 1 / Math.sqrt(n);
  for (let i = 0; i < o * n; i++) readout[i] = sv * rng.normal();
  return { shape, theta, readout };
}

export function cloneParams(p: RnnParams, precision: Precision = precisionOf(p.theta)): RnnParams {
  const theta = allocate(precision, p.theta.length);
  const readout = allocate(precision, p.readout.length);
  theta.set(p.theta);
  readout.set(p.readout);
  return { shape: p.shape, theta, readout };
}

/** Per-step activations one learner keeps; allocated once, reused every step. */
/** What the readout y_t = V h_t + c needs of any recurrent model (the LSTM shares it). */
export type ReadoutShape = Pick<RnnShape, 'n' | 'o'>;
export interface ReadoutParams {
  readonly shape: ReadoutShape;
  readonly readout: Floats;
}
export type ReadoutState = Pick<RnnState, 'h' | 'y' | 'e' | 'dLdh'>;

export interface RnnState {
  /** h_{t-1} */
  hPrev: Floats;
  /** h_t */
  h: Floats;
  /** D_t = α (1 - tanh²(a_t)) */
  d: Floats;
  /** y_t */
  y: Floats;
  /** e_t = y_t - y*_t (zero where no error signal arrives) */
  e: Floats;
  /** c_t = Vᵀ e_t = ∂L_t/∂h_t */
  dLdh: Floats;
}

export function allocateState(shape: RnnShape, precision: Precision): RnnState {
  return {
    hPrev: allocate(precision, shape.n),
    h: allocate(precision, shape.n),
    d: allocate(precision, shape.n),
    y: allocate(precision, shape.o),
    e: allocate(precision, shape.o),
    dLdh: allocate(precision, shape.n),
  };
}

/**
 * Advances the state one step: hPrev <- h, then computes a_t, h_t, D_t from x (read at x[xOff..xOff+m)).
 */
export function forwardStep(params: RnnParams, state: RnnState, x: Floats, xOff: number): void {
  const { n, m, leak } = params.shape;
  const th = params.theta;
  const { u, b } = thetaLayout(params.shape);
  const hPrev = state.h; // swap buffers: the old h becomes h_{t-1}
  const h = state.hPrev;
  state.hPrev = hPrev;
  state.h = h;
  const carry = 1 - leak;
  for (let i = 0; i < n; i++) {
    let a = th[b + i];
    const wRow = i * n;
    for (let q = 0; q < n; q++) a += th[wRow + q] * hPrev[q];
    const uRow = u + i * m;
    for (let l = 0; l < m; l++) a += th[uRow + l] * x[xOff + l];
    const t = Math.tanh(a);
    h[i] = carry * hPrev[i] + leak * t;
    state.d[i] = leak * (1 - t * t);
  }
}

/**
 * Readout and error: y_t = V h_t + c, e_t = (y_t - y*_t)·mask, c_t = Vᵀ e_t. Returns L_t = ½‖e_t‖².
 */
export function readoutStep(params: ReadoutParams, state: ReadoutState, target: Floats, tOff: number, hasError: boolean): number {
  const { n, o } = params.shape;
  const r = params.readout;
  const cOff = o * n;
  let loss = 0;
  for (let j = 0; j < o; j++) {
    let y = r[cOff + j];
    const row = j * n;
    for (let i = 0; i < n; i++) y += r[row + i] * state.h[i];
    state.y[j] = y;
    const e = hasError ? y - target[tOff + j] : 0;
    state.e[j] = e;
    loss += 0.5 * e * e;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < o; j++) s += r[j * n + i] * state.e[j];
    state.dLdh[i] = s;
  }
  return loss;
}

/** Exact, local readout gradient: ∂L/∂V = e hᵀ, ∂L/∂c = e (written, not accumulated). */
export function readoutGradient(shape: ReadoutShape, state: ReadoutState, out: Floats): void {
  const { n, o } = shape;
  for (let j = 0; j < o; j++) {
    const e = state.e[j];
    const row = j * n;
    for (let i = 0; i < n; i++) out[row + i] = e * state.h[i];
    out[o * n + j] = e;
  }
}

/** J_t = (1-α) I + D_t W, row-major n×n, for the spectra. */
export function stateJacobian(params: RnnParams, d: Floats, out: Float64Array): void {
  const { n, leak } = params.shape;
  const th = params.theta;
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < n; q++) out[i * n + q] = d[i] * th[i * n + q] + (i === q ? 1 - leak : 0);
  }
}

export function resetState(state: RnnState): void {
  state.h.fill(0);
  state.hPrev.fill(0);
}
