/**
 * KF-RTRL, Kronecker-factored RTRL (Mujika, Meier & Steger 2018; science.md §4): P_t[s,(r,l)] ≈ A_t[s,r] u_t[l],
 * with u over ĥ's entries (L = n+m+1) and A over state × preactivation rows (S × R). The exact update
 * P_t = J_t P_{t-1} + F_t = u ⊗ (J_t A) + ĥ_t ⊗ D_t is a sum of two Kronecker products; random signs
 * c1, c2 = ±1 fold it back into one that is right on average (E[c1 c2] = 0 removes the cross terms):
 *   u_t = c1 p1 u_{t-1} + c2 p2 ĥ_t,   A_t = c1 (J_t A_{t-1})/p1 + c2 D_t/p2
 *   p1 = sqrt(‖J A‖/‖u‖), p2 = sqrt(‖D‖/‖ĥ‖)  (each with +ε; they balance the factors, minimising variance)
 *   g_t[(r,l)] = (A_tᵀ c_t)_r u_t[l]
 * Cost: J_t applied to A's R columns, n³ for the RNN (16 n³ for the LSTM); memory O(n²). One estimator
 * serves every model: it sees the model only through its Jacobian view.
 */
import type { RecurrentModel } from '../models';
import { outerIntoTheta } from '../models/recurrentModel';
import { allocate, precisionOf, type Floats } from '../precision';
import type { Rng } from '../rng';
import type { Sequence } from '../tasks/task';
import { balance, factoredMethod, factoredNorm } from './factoredEstimate';
import { norm2, type GradientEstimator, type MethodRecord } from './method';

export type KfMethod = { readonly kind: 'kf' };

export class KfRtrlEstimator implements GradientEstimator {
  /** u_t (L) */
  readonly u: Floats;
  /** A_tᵀ, stored R × S row-major so each column of A is a contiguous state vector */
  aT: Floats;
  private jaT: Floats;
  private readonly dT: Floats;
  private readonly hHat: Floats;
  private readonly c: Floats;
  private readonly a: Floats;
  /** column views of both A buffers, made once so the per-step loop allocates nothing */
  private columnsA: Floats[];
  private columnsJA: Floats[];

  private readonly n: number;
  private readonly m: number;

  constructor(
    private readonly model: RecurrentModel,
    private readonly noise: Rng,
  ) {
    const precision = precisionOf(model.params.theta);
    this.n = model.params.shape.n;
    this.m = model.params.shape.m;
    const S = model.stateSize;
    const R = model.rows;
    this.u = allocate(precision, model.hHatSize);
    this.aT = allocate(precision, R * S);
    this.jaT = allocate(precision, R * S);
    this.dT = allocate(precision, R * S);
    this.hHat = allocate(precision, model.hHatSize);
    this.c = allocate(precision, S);
    this.a = allocate(precision, R);
    const columns = (buf: Floats) => Array.from({ length: R }, (_, r) => buf.subarray(r * S, r * S + S));
    this.columnsA = columns(this.aT);
    this.columnsJA = columns(this.jaT);
  }

  reset(): void {
    this.u.fill(0);
    this.aT.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const dyn = this.model;
    const S = dyn.stateSize;
    const R = dyn.rows;
    const L = dyn.hHatSize;
    for (let r = 0; r < R; r++) dyn.jvp(this.columnsA[r], this.columnsJA[r]);
    dyn.preactJacobianT(this.dT);
    dyn.hHat(seq, t, this.hHat);
    const p1 = balance(norm2(this.jaT), norm2(this.u));
    const p2 = balance(norm2(this.dT), norm2(this.hHat));
    const c1 = this.noise.rademacher();
    const c2 = this.noise.rademacher();
    const { u, hHat, dT } = this;
    for (let l = 0; l < L; l++) u[l] = c1 * p1 * u[l] + c2 * p2 * hHat[l];
    // A_t is written over J A's buffer, then the two buffers trade places
    const jaT = this.jaT;
    const fa = c1 / p1;
    const fd = c2 / p2;
    for (let i = 0; i < R * S; i++) jaT[i] = fa * jaT[i] + fd * dT[i];
    this.jaT = this.aT;
    this.aT = jaT;
    const cols = this.columnsA;
    this.columnsA = this.columnsJA;
    this.columnsJA = cols;
    // g_t = (Aᵀ c_t) ⊗ u_t
    dyn.lossGradient(this.c);
    const aT = this.aT;
    for (let r = 0; r < R; r++) {
      let s = 0;
      const o = r * S;
      for (let i = 0; i < S; i++) s += aT[o + i] * this.c[i];
      this.a[r] = s;
    }
    outerIntoTheta(R, this.n, this.m, this.a, u, grad);
  }

  /** ‖u ⊗ A‖ = ‖u‖·‖A‖ */
  sensitivityNorm(): number {
    return factoredNorm(this.u, this.aT);
  }
}

export const kf: MethodRecord<KfMethod> = factoredMethod({
  kind: 'kf',
  describe: 'Kronecker-factored unbiased estimate of P (KF-RTRL)',
  // J A over the R columns of A (n³ for the RNN, 16 n³ for the LSTM), norms, cᵀA and g = (cᵀA) ⊗ u
  cost: (_m, { rows, jvp, states, p, hHat, bytesPerFloat }) => ({
    macs: rows * jvp + 3 * states * rows + p + 2 * hHat,
    bytes: (jvp + 2 * states * rows + p) * bytesPerFloat,
    carried: hHat + rows * states,
  }),
  Estimator: KfRtrlEstimator,
  gpu: ['rnn'],
});
