/**
 * UORO, Unbiased Online Recurrent Optimization (Tallec & Ollivier 2017; science.md §4): P_t ≈ s_t θ̃_tᵀ,
 * a rank-1 estimate that is unbiased for fixed θ, E[s θ̃ᵀ] = P. With Rademacher noise ν each step:
 *   s_t = ρ0 J_t s_{t-1} + ρ1 ν,   θ̃_t = θ̃_{t-1}/ρ0 + (νᵀF_t)/ρ1,   ĝ_t = (c_tᵀ s_t) θ̃_t
 *   ρ0 = sqrt(‖θ̃‖/‖J s‖), ρ1 = sqrt(‖νᵀF‖/‖ν‖)   (each with +ε, so the first step, s = θ̃ = 0, is defined)
 * The cross terms ρ0 J s (νᵀF)ᵀ/ρ1 and ρ1 ν θ̃ᵀ/ρ0 are odd in ν (ρ1 is even in it), so they average out.
 * νᵀF_t = (D_tᵀ ν) ⊗ ĥ_t is an outer product, so its norm is ‖D_tᵀν‖·‖ĥ_t‖ and it is never formed.
 * Cost O(n² + p) per step (J s, then O(p) for θ̃ and ĝ); memory O(n + p). One estimator serves every
 * model: it sees the model only through its Jacobian view.
 */
import type { RecurrentModel } from '../models';
import { allocate, precisionOf, type Floats } from '../precision';
import type { Rng } from '../rng';
import type { Sequence } from '../tasks/task';
import { balance, factoredMethod, factoredNorm } from './factoredEstimate';
import { norm2, type GradientEstimator, type MethodRecord } from './method';

export type UoroMethod = { readonly kind: 'uoro' };

export class UoroEstimator implements GradientEstimator {
  /** s_t, the state-side factor (S) */
  readonly s: Floats;
  /** θ̃_t, the parameter-side factor (p), in θ's layout */
  readonly thetaTilde: Floats;
  private readonly js: Floats;
  private readonly nu: Floats;
  private readonly dnu: Floats;
  private readonly hHat: Floats;
  private readonly c: Floats;

  constructor(
    private readonly model: RecurrentModel,
    private readonly noise: Rng,
  ) {
    const precision = precisionOf(model.params.theta);
    const S = model.stateSize;
    this.s = allocate(precision, S);
    this.thetaTilde = allocate(precision, model.params.theta.length);
    this.js = allocate(precision, S);
    this.nu = allocate(precision, S);
    this.dnu = allocate(precision, model.rows);
    this.hHat = allocate(precision, model.hHatSize);
    this.c = allocate(precision, S);
  }

  reset(): void {
    this.s.fill(0);
    this.thetaTilde.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const dyn = this.model;
    const { s, js, nu, dnu, hHat, thetaTilde } = this;
    const S = dyn.stateSize;
    const R = dyn.rows;
    dyn.jvp(s, js);
    for (let i = 0; i < S; i++) nu[i] = this.noise.rademacher();
    dyn.vjpPreact(nu, dnu);
    dyn.hHat(seq, t, hHat);
    const rho0 = balance(norm2(thetaTilde), norm2(js));
    const rho1 = balance(norm2(dnu) * norm2(hHat), norm2(nu));
    for (let i = 0; i < S; i++) s[i] = rho0 * js[i] + rho1 * nu[i];
    // θ̃ <- θ̃/ρ0 + (D_tᵀν ⊗ ĥ_t)/ρ1, block by block in θ's layout
    const { n, m } = dyn.params.shape;
    const inv0 = 1 / rho0;
    const inv1 = 1 / rho1;
    const u = R * n;
    const b = u + R * m;
    for (let r = 0; r < R; r++) {
      const ar = dnu[r] * inv1;
      const w = r * n;
      for (let l = 0; l < n; l++) thetaTilde[w + l] = thetaTilde[w + l] * inv0 + ar * hHat[l];
      const uo = u + r * m;
      for (let l = 0; l < m; l++) thetaTilde[uo + l] = thetaTilde[uo + l] * inv0 + ar * hHat[n + l];
      thetaTilde[b + r] = thetaTilde[b + r] * inv0 + ar;
    }
    // ĝ_t = (c_tᵀ s_t) θ̃_t
    dyn.lossGradient(this.c);
    let cs = 0;
    for (let i = 0; i < S; i++) cs += this.c[i] * s[i];
    for (let i = 0; i < grad.length; i++) grad[i] = cs * thetaTilde[i];
  }

  /** ‖s θ̃ᵀ‖ = ‖s‖·‖θ̃‖ */
  sensitivityNorm(): number {
    return factoredNorm(this.s, this.thetaTilde);
  }
}

export const uoro: MethodRecord<UoroMethod> = factoredMethod({
  kind: 'uoro',
  describe: 'rank-1 unbiased estimate of P (UORO)',
  // J s, then νᵀF, the θ̃ update, two norms and ĝ = (cᵀs) θ̃, each O(p)
  cost: (_m, { jvp, p, states, bytesPerFloat }) => ({ macs: jvp + 5 * p + 4 * states, bytes: (jvp + 3 * p + 4 * states) * bytesPerFloat, carried: states + p }),
  Estimator: UoroEstimator,
  gpu: ['rnn'],
});
