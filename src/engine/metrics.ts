/**
 * What the experiment measures (science.md §6, §8): recovery and its spread over seeds, gradient fidelity,
 * and the spectra of the state Jacobian J_t and of the sensitivity P_t. Eigen/singular values come from
 * ml-matrix, a well-kept library, not from a hand-written decomposition.
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { Floats } from './precision';
import type { RecurrentModel } from './models/recurrentModel';
import { stateJacobian, type RnnParams } from './models/rnn';

/** Recovery_arm = (L_frozen - L_arm) / (L_frozen - L_full) × 100 %, not capped (science.md §6.5). */
export function recoveryPercent(lossFrozen: number, lossArm: number, lossFull: number): number {
  return ((lossFrozen - lossArm) / (lossFrozen - lossFull)) * 100;
}

// Statistics over seeds live in statistics.ts; re-exported for the callers that import them from here.
export { seedStatistics, type SeedStatistics } from './statistics';

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

export interface Spectrum {
  /** singular values, largest first */
  singularValues: number[];
  /** σ_max / σ_min */
  condition: number;
  /** (Σσ)² / Σσ² */
  effectiveRank: number;
}

export function spectrumOf(singularValues: number[]): Spectrum {
  const sv = [...singularValues].sort((a, b) => b - a);
  const sum = sv.reduce((a, b) => a + b, 0);
  const sumSq = sv.reduce((a, b) => a + b * b, 0);
  return {
    singularValues: sv,
    condition: sv[0] / sv[sv.length - 1],
    effectiveRank: (sum * sum) / sumSq,
  };
}

/** Singular values of J_t = (1-α) I + D_t W. */
export function jacobianSpectrum(params: RnnParams, d: Floats): Spectrum {
  const n = params.shape.n;
  const J = new Float64Array(n * n);
  stateJacobian(params, d, J);
  return squareSpectrum(J, n);
}

/** Singular values of any model's state Jacobian J_t = ∂s_t/∂s_{t-1} (S × S: n for the RNN, 2n for the LSTM). */
export function modelJacobianSpectrum(model: Pick<RecurrentModel, 'stateSize' | 'stateJacobian'>): Spectrum {
  const S = model.stateSize;
  const J = new Float64Array(S * S);
  model.stateJacobian(J);
  return squareSpectrum(J, S);
}

function squareSpectrum(J: Float64Array, n: number): Spectrum {
  const rows = Array.from({ length: n }, (_, i) => Array.from(J.subarray(i * n, i * n + n)));
  const svd = new SingularValueDecomposition(new Matrix(rows), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  });
  return spectrumOf(svd.diagonal);
}

/**
 * Singular values of P_t (n × p) through its n × n Gram matrix: σ = sqrt(eig(P Pᵀ)).
 * Costs n² p multiply-adds (n⁴), so callers sample it, not run it every step.
 */
export function sensitivitySpectrum(P: Floats, n: number, p: number): Spectrum {
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      const ri = i * p;
      const rj = j * p;
      for (let c = 0; c < p; c++) s += P[ri + c] * P[rj + c];
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
  }
  const rows = Array.from({ length: n }, (_, i) => Array.from(gram.subarray(i * n, i * n + n)));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  return spectrumOf(evd.realEigenvalues.map((e) => Math.sqrt(Math.max(0, e))));
}
