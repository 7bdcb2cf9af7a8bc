/**
 * The sensitivity tensor P_t = ∂h_t/∂θ (n × p, row = unit, column = parameter) and the parts of its
 * update that every RTRL variant shares: the immediate term M_t and the norm.
 */
import { allocate, type Floats, type Precision } from './precision';
import { allocateTransportFloats } from './transport';
import { recurrentParamCount, thetaLayout, type RnnShape } from './models/rnn';

export class Sensitivity {
  readonly n: number;
  readonly p: number;
  /** P_{t-1} before a step, P_t after it */
  current: Floats;
  /**
   * what the next P is written into: a second buffer swapped with `current` after each step, or (one
   * buffer) `current` itself, which the transport then updates in place and swap() leaves alone
   */
  next: Floats;

  constructor(shape: RnnShape, precision: Precision, buffers: 1 | 2 = 2) {
    this.n = shape.n;
    this.p = recurrentParamCount(shape);
    // float32 P lives in the WebAssembly kernel's memory, so the kernel reads and writes it without copies
    const make = () => (precision === 'f32' ? allocateTransportFloats(this.n * this.p) : allocate(precision, this.n * this.p));
    this.current = make();
    this.next = buffers === 2 ? make() : this.current;
  }

  swap(): void {
    const t = this.current;
    this.current = this.next;
    this.next = t;
  }

  clear(): void {
    this.current.fill(0);
  }

  /** Frobenius norm ‖P_t‖. */
  norm(): number {
    const P = this.current;
    let s = 0;
    for (let i = 0; i < P.length; i++) s += P[i] * P[i];
    return Math.sqrt(s);
  }

  /** Floats of one P, for the cost meter. */
  get size(): number {
    return this.n * this.p;
  }
}

/**
 * Adds D_t M_t to the transported P, M_t[i,(j,l)] = δ_ij ĥ_t[l], ĥ_t = [h_{t-1}; x_t; 1], and the same
 * term's share of the gradient, g[(i,l)] += c_i d_i ĥ_l (the transport kernel summed cᵀP before it).
 */
export function addImmediateTerm(shape: RnnShape, P: Floats, d: Floats, hPrev: Floats, x: Floats, xOff: number, dLdh: Floats, grad: Floats): void {
  const { n, m } = shape;
  const { u, b, p } = thetaLayout(shape);
  for (let i = 0; i < n; i++) {
    const di = d[i];
    const gi = dLdh[i] * di;
    const row = i * p;
    const w = i * n;
    for (let l = 0; l < n; l++) {
      P[row + w + l] += di * hPrev[l];
      grad[w + l] += gi * hPrev[l];
    }
    const uo = u + i * m;
    for (let l = 0; l < m; l++) {
      const xl = x[xOff + l];
      P[row + uo + l] += di * xl;
      grad[uo + l] += gi * xl;
    }
    P[row + b + i] += di;
    grad[b + i] += gi;
  }
}
