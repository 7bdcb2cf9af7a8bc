/**
 * SnAp-1 (science.md §4): keep only the sensitivity entries the immediate term M_t touches, and of the
 * transport only each unit's path to itself. Each kept entry has one owner unit, so the traces are stored
 * in θ's own layout: O(p) per step. One estimator per model.
 *
 * The vanilla RNN: keep P[i,(i,l)] and drop every path through another unit:
 *   e_{il} <- (1-α) e_{il} + d_i (W_ii e_{il} + ĥ_l),      g_t[(i,l)] = c_i e_{il}
 * For a vanilla RNN this is e-prop's eligibility trace. It is exact when W is diagonal (no cross paths).
 */
import { LOCAL_BETA, LOCAL_F, LOCAL_FORGET, LOCAL_G, LOCAL_I, LOCAL_O, lstmLayout, type LstmModel } from '../models/lstm';
import { thetaLayout, type RnnModel } from '../models/rnn';
import { allocate, precisionOf, type Floats } from '../precision';
import type { Sequence } from '../tasks/task';
import { fixedLabel, norm2, type GradientEstimator, type MethodRecord } from './method';

export type Snap1Method = { readonly kind: 'snap1' };

export class Snap1Estimator implements GradientEstimator {
  /** e_{il} = P[i,(i,l)], indexed like θ */
  readonly trace: Floats;

  constructor(private readonly model: RnnModel) {
    this.trace = allocate(precisionOf(model.params.theta), model.params.theta.length);
  }

  reset(): void {
    this.trace.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const { shape, theta: W } = this.model.params;
    const { n, m, leak } = shape;
    const { u, b } = thetaLayout(shape);
    const e = this.trace;
    const { d, hPrev, dLdh } = this.model.state;
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

/**
 * The LSTM: keep only the sensitivity entries P^h[j,(r,l)] and P^c[j,(r,l)] whose parameter row
 * r is one of unit j's own four gates (the entries the immediate term touches), and only the self-path
 * W_h[·_j, j] of the transport. With the per-unit constants
 *   σ^c_j = a_f W_h[f_j,j] + a_i W_h[i_j,j] + a_g W_h[g_j,j],   σ^h_j = a_o W_h[o_j,j],
 * each kept entry of gate G updates as
 *   e^c <- f_j e^c + σ^c_j e^h + [G ∈ {i,f,g}] a_G ĥ_l,   e^h <- σ^h_j e^h + [G = o] a_o ĥ_l + β_j e^c(new)
 *   g_t[(r,l)] = c_j e^h.
 * Exact when each gate block of W_h is diagonal. Each parameter has one owner unit, so both traces are
 * stored in θ's layout: O(p) per step.
 */
export class LstmSnap1Estimator implements GradientEstimator {
  /** e^h = P^h[j,(r,l)] for r in unit j's gates, indexed like θ */
  readonly traceH: Floats;
  /** e^c likewise */
  readonly traceC: Floats;

  constructor(private readonly model: LstmModel) {
    const p = model.params.theta.length;
    this.traceH = allocate(precisionOf(model.params.theta), p);
    this.traceC = allocate(precisionOf(model.params.theta), p);
  }

  reset(): void {
    this.traceH.fill(0);
    this.traceC.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const { shape, theta: W } = this.model.params;
    const { n, m } = shape;
    const { wx, b } = lstmLayout(shape);
    const { local, hPrev, dLdh } = this.model.state;
    const eh = this.traceH;
    const ec = this.traceC;
    const xOff = t * m;
    for (let r = 0; r < 4 * n; r++) {
      const gate = Math.floor(r / n);
      const j = r - gate * n;
      const f = local[LOCAL_FORGET * n + j];
      const beta = local[LOCAL_BETA * n + j];
      const selfC = local[LOCAL_F * n + j] * W[(n + j) * n + j] + local[LOCAL_I * n + j] * W[j * n + j] + local[LOCAL_G * n + j] * W[(2 * n + j) * n + j];
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

export const snap1: MethodRecord<Snap1Method> = {
  kind: 'snap1',
  form: 'snap1',
  describe: 'SnAp-1, the entries of P the immediate term touches (the e-prop trace)',
  ...fixedLabel('snap1'),
  // each kept entry: carry, self-path and immediate term, then its share of g_t; read, write, g
  cost: (_m, { model, p, bytesPerFloat: b }) =>
    model === 'lstm' ? { macs: 6 * p + p, bytes: 5 * p * b, carried: 2 * p } : { macs: 3 * p + p, bytes: 3 * p * b, carried: p },
  estimators: {
    rnn: (model) => new Snap1Estimator(model),
    lstm: (model) => new LstmSnap1Estimator(model),
  },
  gpu: ['rnn'],
};
