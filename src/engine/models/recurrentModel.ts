/**
 * What every recurrent model of the lab is, stated once: the learner (learner.ts) steps a model through
 * this interface, and the model-agnostic estimators (UORO, KF-RTRL) see it only through its Jacobian view.
 *
 * Every model computes R preactivation rows a_t = W̃ ĥ_t from ĥ_t = [h_{t-1}; x_t; 1] (W̃ = [W_h W_x b]:
 * R = n for the RNN, 4n gates for the LSTM), then a state s_t (h for the RNN, [h; c] for the LSTM) from
 * s_{t-1} and a_t, and reads out y_t = V h_t + c (readout.ts). So the sensitivity obeys
 *   P_t = J_t P_{t-1} + F_t,   J_t = ∂s_t/∂s_{t-1},   F_t[s,(r,l)] = D_t[s,r] ĥ_l,   D_t = ∂s_t/∂a_t,
 * and everything an estimator needs follows from J_t, D_t and ĥ_t. θ is laid out as W̃'s blocks:
 * W_h (R×n row-major), then W_x (R×m), then b (R).
 */
import { allocate, precisionOf, type Floats, type Precision } from '../precision';
import type { Rng } from '../rng';
import type { Sequence } from '../tasks/task';
import { readoutGradient, readoutParamCount, readoutStep, type ReadoutShape, type ReadoutState } from './readout';

export interface ModelShape extends ReadoutShape {
  /** hidden units */
  readonly n: number;
  /** inputs */
  readonly m: number;
  /** outputs */
  readonly o: number;
}

/** What the parameter counts and offsets read of a shape (n, m); any shape object fits. */
export type ParamShape = Pick<ModelShape, 'n' | 'm'> & Partial<Omit<ModelShape, 'n' | 'm'>> & { readonly leak?: number };

export interface ModelParams {
  readonly shape: ModelShape;
  /** θ = [W_h (R×n); W_x (R×m); b (R)] */
  readonly theta: Floats;
  /** [V (o×n row-major); c (o)] */
  readonly readout: Floats;
}

/** The per-step activations every model keeps (allocated once, reused every step). */
export interface ModelState extends ReadoutState {
  /** h_{t-1} */
  hPrev: Floats;
}

/** The Jacobian view: J_t, D_t and ĥ_t of the step just taken, applied rather than formed. */
export interface JacobianView {
  /** S: entries of the state (n, or 2n for [h; c]) */
  readonly stateSize: number;
  /** R: preactivation rows */
  readonly rows: number;
  /** L = n + m + 1: entries of ĥ_t */
  readonly hHatSize: number;
  /** out = J_t v (v, out of length S, distinct) */
  jvp(v: Floats, out: Floats): void;
  /** out (R) = D_tᵀ ν */
  vjpPreact(nu: Floats, out: Floats): void;
  /** out (R×S row-major) = D_tᵀ: out[r*S + s] = ∂s_t[s]/∂a_t[r] */
  preactJacobianT(out: Floats): void;
  /** out (L) = ĥ_t */
  hHat(seq: Sequence, t: number, out: Floats): void;
  /** out (S) = ∂L_t/∂s_t (c_t on h, 0 on c) */
  lossGradient(out: Floats): void;
}

export interface RecurrentModel extends JacobianView {
  /** the registry's name of this model (models/index.ts) */
  readonly kind: string;
  /** this model's own weights (a copy: the learner updates them in place) */
  readonly params: ModelParams;
  readonly state: ModelState;
  /** p: recurrent parameters, the columns of P */
  readonly paramCount: number;
  /** One step: s_{t-1} <- s_t, then s_t from x_t (read at x[xOff..xOff+m)). */
  forward(x: Floats, xOff: number): void;
  /** y_t, e_t and c_t = ∂L_t/∂h_t; returns L_t = ½‖e_t‖² (0 where hasError is false). */
  readout(target: Floats, tOff: number, hasError: boolean): number;
  /** ∂L_t/∂(V, c), written into out. */
  readoutGradient(out: Floats): void;
  /** A new sequence starts: the state is zeroed. */
  reset(): void;
  /** Writes the running state s_t (h, or [h; c]; S entries) into out. */
  saveState(out: Floats): void;
  /** A float32 copy of the running state s_t, to start another model where this one is. */
  runningState(): Float32Array;
  /** The local derivatives of the step just taken (the RNN's D_t, the LSTM's gate derivatives): what a backward pass through this step needs besides h_{t-1} and x_t. */
  localDerivatives(): Floats;
  /** The kept-paths view: an n×n matrix (unit, source) whose |entries| rank the sources a unit keeps. */
  pathWeights(): Floats;
  /** J_t = ∂s_t/∂s_{t-1} formed (S×S row-major), for spectra: column j is J_t e_j. */
  stateJacobian(out: Float64Array): void;
}

/** A model's step on its weights and state, and the reset of that state: what `forward` and `reset` run. */
export interface ModelCell<P, S> {
  step(params: P, state: S, x: Floats, xOff: number): void;
  reset(state: S): void;
}

/**
 * What the models share: their own copy of the weights and state, the linear readout, and ĥ_t =
 * [h_{t-1}; x_t; 1] (the same for every model whose rows read [W_h W_x b]). A model supplies its cell
 * (step and reset), its state and its Jacobian view.
 */
export abstract class ReadoutModel<P extends ModelParams, S extends ModelState> implements RecurrentModel {
  abstract readonly kind: string;
  readonly hHatSize: number;

  protected constructor(
    readonly params: P,
    readonly state: S,
    readonly paramCount: number,
    readonly stateSize: number,
    readonly rows: number,
    private readonly cell: ModelCell<P, S>,
  ) {
    this.hHatSize = params.shape.n + params.shape.m + 1;
  }

  forward(x: Floats, xOff: number): void {
    this.cell.step(this.params, this.state, x, xOff);
  }

  reset(): void {
    this.cell.reset(this.state);
  }

  abstract saveState(out: Floats): void;
  abstract localDerivatives(): Floats;
  abstract pathWeights(): Floats;
  abstract jvp(v: Floats, out: Floats): void;
  abstract vjpPreact(nu: Floats, out: Floats): void;
  abstract preactJacobianT(out: Floats): void;
  abstract lossGradient(out: Floats): void;

  /** Forms J_t from S products J_t e_j (S jvp passes: n³ for the RNN, 16 n³ for the LSTM; not per step). */
  stateJacobian(out: Float64Array): void {
    const S = this.stateSize;
    const unit = new Float64Array(S);
    const column = new Float64Array(S);
    for (let j = 0; j < S; j++) {
      unit[j] = 1;
      this.jvp(unit, column);
      unit[j] = 0;
      for (let i = 0; i < S; i++) out[i * S + j] = column[i];
    }
  }

  runningState(): Float32Array {
    const out = new Float32Array(this.stateSize);
    this.saveState(out);
    return out;
  }

  readout(target: Floats, tOff: number, hasError: boolean): number {
    return readoutStep(this.params, this.state, target, tOff, hasError);
  }

  readoutGradient(out: Floats): void {
    readoutGradient(this.params.shape, this.state, out);
  }

  hHat(seq: Sequence, t: number, out: Floats): void {
    const { n, m } = this.params.shape;
    const hPrev = this.state.hPrev;
    for (let l = 0; l < n; l++) out[l] = hPrev[l];
    for (let l = 0; l < m; l++) out[n + l] = seq.x[t * m + l];
    out[n + m] = 1;
  }
}

/** g = a ⊗ v in θ's layout: g[(r,l)] = a_r v_l over the W_h, W_x and b blocks (written, not added). */
export function outerIntoTheta(rows: number, n: number, m: number, a: Floats, v: Floats, g: Floats): void {
  const u = rows * n;
  const b = u + rows * m;
  for (let r = 0; r < rows; r++) {
    const ar = a[r];
    const w = r * n;
    for (let l = 0; l < n; l++) g[w + l] = ar * v[l];
    const uo = u + r * m;
    for (let l = 0; l < m; l++) g[uo + l] = ar * v[n + l];
    g[b + r] = ar * v[n + m];
  }
}

/** A copy of a model's weights (θ and the readout) in the given precision. */
export function copyParams<P extends ModelParams>(p: P, precision: Precision = precisionOf(p.theta)): P {
  const theta = allocate(precision, p.theta.length);
  const readout = allocate(precision, p.readout.length);
  theta.set(p.theta);
  readout.set(p.readout);
  return { ...p, theta, readout };
}

/** a[from..to) ~ N(0, scale²), drawn in index order (the order is part of a seed's results). */
function fillNormal(a: Floats, from: number, to: number, scale: number, rng: Rng): void {
  for (let i = from; i < to; i++) a[i] = scale * rng.normal();
}

/**
 * Fresh weights for a model of `rows` preactivation rows: W_h ~ N(0, wScale²), W_x ~ N(0, xScale²), b = 0,
 * V ~ N(0, 1/n), c = 0, drawn in that order.
 */
export function initRows(shape: ModelShape, rows: number, rng: Rng, wScale: number, xScale: number, precision: Precision): { theta: Floats; readout: Floats } {
  const { n, m, o } = shape;
  const theta = allocate(precision, rows * (n + m + 1));
  const readout = allocate(precision, readoutParamCount(shape));
  fillNormal(theta, 0, rows * n, wScale, rng);
  fillNormal(theta, rows * n, rows * (n + m), xScale, rng);
  fillNormal(readout, 0, o * n, 1 / Math.sqrt(n), rng);
  return { theta, readout };
}
