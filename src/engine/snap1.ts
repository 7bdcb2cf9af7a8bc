/**
 * SnAp-1 for the vanilla RNN (science.md §4): keep only the entries P[i,(i,l)] of the sensitivity, the
 * ones the immediate term M_t touches, and drop every path through another unit:
 *   e_{il} <- (1-α) e_{il} + d_i (W_ii e_{il} + ĥ_l),      g_t[(i,l)] = c_i e_{il}
 * For a vanilla RNN this is e-prop's eligibility trace. It is exact when W is diagonal (no cross paths).
 * The trace has one entry per parameter, so it is stored in θ's own layout (W row-major, U, b): O(p).
 */
import { norm2, type GradientEstimator } from './gradientEstimator';
import { allocate, precisionOf, type Floats } from './precision';
import { thetaLayout, type RnnParams, type RnnState } from './rnn';
import type { Sequence } from './tasks/task';

export class Snap1Estimator implements GradientEstimator {
  /** e_{il} = P[i,(i,l)], indexed like θ */
  readonly trace: Floats;

  constructor(
    private readonly params: RnnParams,
    private readonly state: RnnState,
  ) {
    this.trace = allocate(precisionOf(params.theta), params.theta.length);
  }

  reset(): void {
    this.trace.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const { n, m, leak } = this.params.shape;
    const { u, b } = thetaLayout(this.params.shape);
    const W = this.params.theta;
    const e = this.trace;
    const { d, hPrev, dLdh } = this.state;
    const carry = 1 - leak;
    const xOff = t * m;
    for (let i = 0; i < n; i++) {
      const di = d[i];
      // (1-α) + d_i W_ii: the self-path is the one transport path SnAp-1 keeps
      const self = carry + di * W[i * n + i];
      const ci = dLdh[i];
      const w = i * n;
      for (let l = 0; l < n; l++) {
        const v = self * e[w + l] + di * hPrev[l];
        e[w + l] = v;
        grad[w + l] = ci * v;
      }
      const uo = u + i * m;
      for (let l = 0; l < m; l++) {
        const v = self * e[uo + l] + di * seq.x[xOff + l];
        e[uo + l] = v;
        grad[uo + l] = ci * v;
      }
      const v = self * e[b + i] + di;
      e[b + i] = v;
      grad[b + i] = ci * v;
    }
  }

  sensitivityNorm(): number {
    return norm2(this.trace);
  }
}
