/**
 * Vanilla (optionally leaky) RNN with a linear readout, science.md §2:
 *   a_t = W h_{t-1} + U x_t + b,   h_t = (1-α) h_{t-1} + α tanh(a_t),   y_t = V h_t + c.
 * The recurrent parameters θ = (W, U, b) live in one flat vector (W row-major, then U, then b), the
 * order the sensitivity P's columns use; the readout (V, c) lives in a second vector (readout.ts).
 * Its Jacobian view: J_t = (1-α) I + D_t W, D_t = diag(α (1 - tanh² a_t)).
 */
import { allocate, precisionOf, type Floats, type Precision } from '../precision';
import type { Rng } from '../rng';
import { copyParams, initRows, ReadoutModel, type ModelCell, type ModelShape, type ModelState, type ParamShape } from './recurrentModel';

export interface RnnShape extends ModelShape {
  /** leak α in (0, 1]; 1 is the plain tanh RNN */
  readonly leak: number;
}

/** p = n² + n m + n, the number of recurrent parameters (columns of P). */
export function recurrentParamCount(shape: ParamShape): number {
  return shape.n * shape.n + shape.n * shape.m + shape.n;
}

export interface RnnParams {
  readonly shape: RnnShape;
  /** θ = [W (n×n row-major); U (n×m row-major); b (n)] */
  readonly theta: Floats;
  /** [V (o×n row-major); c (o)] */
  readonly readout: Floats;
}

/** Offsets of U and b inside θ. */
export function thetaLayout(shape: ParamShape): { u: number; b: number; p: number } {
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
  const { theta, readout } = initRows(shape, shape.n, rng, init.gain / Math.sqrt(shape.n), init.inputScale / Math.sqrt(Math.max(1, shape.m)), precision);
  return { shape, theta, readout };
}

export function cloneParams(p: RnnParams, precision: Precision = precisionOf(p.theta)): RnnParams {
  return copyParams(p, precision);
}

/** Per-step activations one learner keeps; allocated once, reused every step. */
export interface RnnState extends ModelState {
  /** D_t = α (1 - tanh²(a_t)) */
  d: Floats;
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

const RNN_CELL: ModelCell<RnnParams, RnnState> = { step: forwardStep, reset: resetState };

/** One RNN with its own weights and running state: what a learner steps. */
export class RnnModel extends ReadoutModel<RnnParams, RnnState> {
  readonly kind = 'rnn';

  /** Copies `params`; `hInit` is the running h the model starts from (zeros when absent). */
  constructor(params: RnnParams, hInit?: Floats) {
    const { n } = params.shape;
    super(cloneParams(params), allocateState(params.shape, precisionOf(params.theta)), recurrentParamCount(params.shape), n, n, RNN_CELL);
    if (hInit) this.state.h.set(hInit);
  }

  saveState(out: Floats): void {
    out.set(this.state.h);
  }

  /** D_t */
  localDerivatives(): Floats {
    return this.state.d;
  }

  /** W itself: the first n² entries of θ */
  /** J_t = (1-α) I + D_t W directly (n² instead of n jvp passes; the spectra's numbers since the start). */
  override stateJacobian(out: Float64Array): void {
    stateJacobian(this.params, this.state.d, out);
  }

  pathWeights(): Floats {
    return this.params.theta;
  }

  jvp(v: Floats, out: Floats): void {
    const { n, leak } = this.params.shape;
    const W = this.params.theta;
    const d = this.state.d;
    const carry = 1 - leak;
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let q = 0; q < n; q++) s += W[row + q] * v[q];
      out[i] = carry * v[i] + d[i] * s;
    }
  }

  vjpPreact(nu: Floats, out: Floats): void {
    const d = this.state.d;
    for (let i = 0; i < this.rows; i++) out[i] = d[i] * nu[i];
  }

  preactJacobianT(out: Floats): void {
    const n = this.rows;
    out.fill(0);
    for (let i = 0; i < n; i++) out[i * n + i] = this.state.d[i];
  }

  lossGradient(out: Floats): void {
    out.set(this.state.dLdh);
  }
}
