/**
 * The linear readout every recurrent model shares (science.md §2): y_t = V h_t + c, e_t = y_t - y*_t,
 * L_t = ½‖e_t‖², and the two gradients it hands on: c_t = Vᵀ e_t = ∂L_t/∂h_t to the recurrent part, and the
 * exact, local ∂L_t/∂(V, c) to the optimizer.
 */
import type { Floats } from '../precision';

export interface ReadoutShape {
  /** hidden units */
  readonly n: number;
  /** outputs */
  readonly o: number;
}

export interface ReadoutParams {
  readonly shape: ReadoutShape;
  /** [V (o×n row-major); c (o)] */
  readonly readout: Floats;
}

export interface ReadoutState {
  /** h_t */
  h: Floats;
  /** y_t */
  y: Floats;
  /** e_t = y_t - y*_t (zero where no error signal arrives) */
  e: Floats;
  /** c_t = Vᵀ e_t = ∂L_t/∂h_t */
  dLdh: Floats;
}

/** o n + o: the entries of (V, c). */
export function readoutParamCount(shape: ReadoutShape): number {
  return shape.o * shape.n + shape.o;
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
export function readoutGradient(shape: ReadoutShape, state: Pick<ReadoutState, 'h' | 'e'>, out: Floats): void {
  const { n, o } = shape;
  for (let j = 0; j < o; j++) {
    const e = state.e[j];
    const row = j * n;
    for (let i = 0; i < n; i++) out[row + i] = e * state.h[i];
    out[o * n + j] = e;
  }
}
