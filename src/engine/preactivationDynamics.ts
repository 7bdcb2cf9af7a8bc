/**
 * What UORO and KF-RTRL need from a model, stated once so one implementation serves the RNN and the LSTM.
 * Both models compute R preactivation rows a_t = W̃ ĥ_t from ĥ_t = [h_{t-1}; x_t; 1] (W̃ = [W_h W_x b]:
 * R = n for the RNN, 4n gates for the LSTM), then a state s_t (h for the RNN, [h; c] for the LSTM) from
 * s_{t-1} and a_t. So the sensitivity obeys P_t = J_t P_{t-1} + F_t with J_t = ∂s_t/∂s_{t-1} and an
 * immediate term F_t[s,(r,l)] = D_t[s,r] ĥ_l, D_t = ∂s_t/∂a_t: everything follows from J_t, D_t and ĥ_t.
 * θ is laid out as W̃'s blocks: W_h (R×n row-major), then W_x (R×m), then b (R).
 */
import { LOCAL_BETA, LOCAL_F, LOCAL_FORGET, LOCAL_G, LOCAL_I, LOCAL_O, type LstmParams, type LstmState } from './lstm';
import { allocate, precisionOf, type Floats } from './precision';
import type { RnnParams, RnnState } from './rnn';
import type { Sequence } from './tasks/task';

export interface PreactivationDynamics {
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

/** The vanilla RNN (science.md §2): J_t = (1-α) I + D_t W, D_t = diag(α (1 - tanh² a_t)). */
export class RnnDynamics implements PreactivationDynamics {
  readonly stateSize: number;
  readonly rows: number;
  readonly hHatSize: number;

  constructor(
    private readonly params: RnnParams,
    private readonly state: RnnState,
  ) {
    const { n, m } = params.shape;
    this.stateSize = n;
    this.rows = n;
    this.hHatSize = n + m + 1;
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

  hHat(seq: Sequence, t: number, out: Floats): void {
    const { n, m } = this.params.shape;
    const hPrev = this.state.hPrev;
    for (let l = 0; l < n; l++) out[l] = hPrev[l];
    for (let l = 0; l < m; l++) out[n + l] = seq.x[t * m + l];
    out[n + m] = 1;
  }

  lossGradient(out: Floats): void {
    out.set(this.state.dLdh);
  }
}

/**
 * The LSTM (science.md §5, lstm.ts): state [h; c], 4n gate rows. With ∂z = W_h ∂h_{t-1},
 *   ∂c_t = f ∂c_{t-1} + a_i ∂z_i + a_f ∂z_f + a_g ∂z_g,   ∂h_t = a_o ∂z_o + β ∂c_t.
 */
export class LstmDynamics implements PreactivationDynamics {
  readonly stateSize: number;
  readonly rows: number;
  readonly hHatSize: number;
  private readonly dz: Floats;

  constructor(
    private readonly params: LstmParams,
    private readonly state: LstmState,
  ) {
    const { n, m } = params.shape;
    this.stateSize = 2 * n;
    this.rows = 4 * n;
    this.hHatSize = n + m + 1;
    this.dz = allocate(precisionOf(params.theta), 4 * n);
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
        local[LOCAL_FORGET * n + j] * v[n + j] +
        local[LOCAL_I * n + j] * dz[j] +
        local[LOCAL_F * n + j] * dz[n + j] +
        local[LOCAL_G * n + j] * dz[2 * n + j];
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

  hHat(seq: Sequence, t: number, out: Floats): void {
    const { n, m } = this.params.shape;
    const hPrev = this.state.hPrev;
    for (let l = 0; l < n; l++) out[l] = hPrev[l];
    for (let l = 0; l < m; l++) out[n + l] = seq.x[t * m + l];
    out[n + m] = 1;
  }

  lossGradient(out: Floats): void {
    const n = this.params.shape.n;
    for (let j = 0; j < n; j++) {
      out[j] = this.state.dLdh[j];
      out[n + j] = 0;
    }
  }
}
