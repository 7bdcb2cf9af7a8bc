/**
 * Online TBPTT(τ) for the LSTM, the same sliding-window choice as the RNN's (tbptt.ts): each step's loss
 * L_t is backpropagated through the last τ steps of stored activations (h_{s-1}, the local derivatives
 * and x_s), with the current W_h; a reset empties the window. Cost τ (4n² + p) per step, memory τ (7n + m).
 */
import type { GradientEstimator } from './gradientEstimator';
import { LOCAL_BLOCKS, lstmBackwardStep, type LstmParams, type LstmState } from './lstm';
import { allocate, precisionOf, type Floats } from './precision';
import type { Sequence } from './tasks/task';

export class LstmTbpttEstimator implements GradientEstimator {
  readonly truncation: number;
  private readonly hPrevs: Floats;
  private readonly locals: Floats;
  private readonly xs: Floats;
  private head = -1;
  private count = 0;
  private dh: Floats;
  private dc: Floats;
  private dhPrev: Floats;
  private dcPrev: Floats;
  private readonly dz: Floats;

  constructor(
    private readonly params: LstmParams,
    private readonly state: LstmState,
    truncation: number,
  ) {
    if (!(Number.isInteger(truncation) && truncation >= 1)) throw new RangeError(`TBPTT truncation must be an integer >= 1, got ${truncation}`);
    this.truncation = truncation;
    const { n, m } = params.shape;
    const precision = precisionOf(params.theta);
    this.hPrevs = allocate(precision, truncation * n);
    this.locals = allocate(precision, truncation * LOCAL_BLOCKS * n);
    this.xs = allocate(precision, truncation * m);
    this.dh = allocate(precision, n);
    this.dc = allocate(precision, n);
    this.dhPrev = allocate(precision, n);
    this.dcPrev = allocate(precision, n);
    this.dz = allocate(precision, 4 * n);
  }

  reset(): void {
    this.count = 0;
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const { n, m } = this.params.shape;
    const L = LOCAL_BLOCKS * n;
    const tau = this.truncation;
    this.head = (this.head + 1) % tau;
    this.count = Math.min(this.count + 1, tau);
    this.hPrevs.set(this.state.hPrev, this.head * n);
    this.locals.set(this.state.local, this.head * L);
    for (let l = 0; l < m; l++) this.xs[this.head * m + l] = seq.x[t * m + l];

    grad.fill(0);
    const dLdh = this.state.dLdh;
    let any = false;
    for (let j = 0; j < n; j++) if (dLdh[j] !== 0) any = true;
    if (!any) return; // no error at this step: nothing to backpropagate

    this.dh.set(dLdh);
    this.dc.fill(0);
    for (let j = 0; j < this.count; j++) {
      const slot = (this.head - j + tau) % tau;
      const toPrev = j + 1 < this.count;
      lstmBackwardStep(this.params, this.hPrevs, slot * n, this.locals, slot * L, this.xs, slot * m, this.dh, this.dc, grad, this.dz, toPrev, this.dhPrev, this.dcPrev);
      // the flow into the step before becomes the next step's incoming flow
      let tmp = this.dh;
      this.dh = this.dhPrev;
      this.dhPrev = tmp;
      tmp = this.dc;
      this.dc = this.dcPrev;
      this.dcPrev = tmp;
    }
  }

  sensitivityNorm(): number {
    return NaN;
  }
}
