/**
 * SnAp-1 for the LSTM: keep only the sensitivity entries P^h[j,(r,l)] and P^c[j,(r,l)] whose parameter row
 * r is one of unit j's own four gates (the entries the immediate term touches), and only the self-path
 * W_h[·_j, j] of the transport. With the per-unit constants
 *   σ^c_j = a_f W_h[f_j,j] + a_i W_h[i_j,j] + a_g W_h[g_j,j],   σ^h_j = a_o W_h[o_j,j],
 * each kept entry of gate G updates as
 *   e^c <- f_j e^c + σ^c_j e^h + [G ∈ {i,f,g}] a_G ĥ_l,   e^h <- σ^h_j e^h + [G = o] a_o ĥ_l + β_j e^c(new)
 *   g_t[(r,l)] = c_j e^h.
 * Exact when each gate block of W_h is diagonal. Each parameter has one owner unit, so both traces are
 * stored in θ's layout: O(p) per step.
 */
import { norm2, type GradientEstimator } from './gradientEstimator';
import { LOCAL_BETA, LOCAL_F, LOCAL_FORGET, LOCAL_G, LOCAL_I, LOCAL_O, lstmLayout, type LstmParams, type LstmState } from './lstm';
import { allocate, precisionOf, type Floats } from './precision';
import type { Sequence } from './tasks/task';

export class LstmSnap1Estimator implements GradientEstimator {
  /** e^h = P^h[j,(r,l)] for r in unit j's gates, indexed like θ */
  readonly traceH: Floats;
  /** e^c likewise */
  readonly traceC: Floats;

  constructor(
    private readonly params: LstmParams,
    private readonly state: LstmState,
  ) {
    const precision = precisionOf(params.theta);
    this.traceH = allocate(precision, params.theta.length);
    this.traceC = allocate(precision, params.theta.length);
  }

  reset(): void {
    this.traceH.fill(0);
    this.traceC.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const { n, m } = this.params.shape;
    const { wx, b } = lstmLayout(this.params.shape);
    const W = this.params.theta;
    const { local, hPrev, dLdh } = this.state;
    const eh = this.traceH;
    const ec = this.traceC;
    const xOff = t * m;
    for (let r = 0; r < 4 * n; r++) {
      const gate = Math.floor(r / n);
      const j = r - gate * n;
      const f = local[LOCAL_FORGET * n + j];
      const beta = local[LOCAL_BETA * n + j];
      const selfC =
        local[LOCAL_F * n + j] * W[(n + j) * n + j] + local[LOCAL_I * n + j] * W[j * n + j] + local[LOCAL_G * n + j] * W[(2 * n + j) * n + j];
      const selfH = local[LOCAL_O * n + j] * W[(3 * n + j) * n + j];
      // the immediate coefficient lands on c for the cell gates, on h directly for the output gate
      const immC = gate < 3 ? local[gate * n + j] : 0;
      const immH = gate === 3 ? local[LOCAL_O * n + j] : 0;
      const cj = dLdh[j];
      const w = r * n;
      for (let l = 0; l < n; l++) {
        const hh = hPrev[l];
        const c = f * ec[w + l] + selfC * eh[w + l] + immC * hh;
        const h = selfH * eh[w + l] + immH * hh + beta * c;
        ec[w + l] = c;
        eh[w + l] = h;
        grad[w + l] = cj * h;
      }
      const u = wx + r * m;
      for (let l = 0; l < m; l++) {
        const xl = seq.x[xOff + l];
        const c = f * ec[u + l] + selfC * eh[u + l] + immC * xl;
        const h = selfH * eh[u + l] + immH * xl + beta * c;
        ec[u + l] = c;
        eh[u + l] = h;
        grad[u + l] = cj * h;
      }
      const c = f * ec[b + r] + selfC * eh[b + r] + immC;
      const h = selfH * eh[b + r] + immH + beta * c;
      ec[b + r] = c;
      eh[b + r] = h;
      grad[b + r] = cj * h;
    }
  }

  sensitivityNorm(): number {
    return Math.hypot(norm2(this.traceH), norm2(this.traceC));
  }
}
