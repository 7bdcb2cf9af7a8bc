/**
 * Online truncated BPTT, TBPTT(τ) (science.md §4), the usual practical alternative to RTRL.
 * [choice] A sliding window, updated every step: each step's loss L_t is backpropagated through the last
 * τ steps of stored activations (h_{s-1}, the step's local derivatives and x_s), and that gradient is g_t,
 * so the update cadence matches every other arm (one update per step) and with θ fixed Σ_t g_t is the
 * BPTT gradient once τ covers the sequence. The chunked alternative (one update per τ steps) would change
 * the cadence, not the gradient's reach. The backward pass uses the current W_h for every window step
 * (storing past W's would cost τ·|W_h| memory); the stored activations are those of the forward pass.
 * A sequence reset empties the window: no gradient crosses it. The window is shared; the backward pass
 * is the model's.
 *
 * The RNN:  δ_t = c_t,   δ_{s-1} = (1-α) δ_s + Wᵀ (d_s ⊙ δ_s),   g_t = Σ_{s=t-τ+1..t} (d_s ⊙ δ_s) ĥ_sᵀ.
 *   Cost τ (n² + p) per step, memory τ (2n + m).
 * The LSTM: the same window through lstmBackwardStep (models/lstm.ts). Cost τ (4n² + p), memory τ (7n + m).
 */
import { BOUNDS, checkBound } from '../bounds';
import { lstmBackwardStep, type LstmModel } from '../models/lstm';
import type { RecurrentModel } from '../models/recurrentModel';
import { thetaLayout, type RnnModel } from '../models/rnn';
import { allocate, precisionOf, type Floats } from '../precision';
import type { Sequence } from '../tasks/task';
import { strictNumber, type GradientEstimator, type MethodRecord } from './method';

export type TbpttMethod = { readonly kind: 'tbptt'; readonly truncation: number };

/** The window: a ring of τ slots holding h_{s-1}, the local derivatives and x_s of the last τ steps. */
abstract class TbpttEstimator implements GradientEstimator {
  readonly truncation: number;
  protected readonly hPrevs: Floats;
  /** the local derivatives of each step (d_s for the RNN, the LSTM's 6n `local`) */
  protected readonly locals: Floats;
  protected readonly xs: Floats;
  /** slot of the newest step, and how many slots hold steps of the current sequence */
  protected head = -1;
  protected count = 0;

  /** floats of local derivatives per step */
  protected readonly localSize: number;

  constructor(
    private readonly stepped: RecurrentModel,
    truncation: number,
  ) {
    if (!(Number.isInteger(truncation) && truncation >= 1)) throw new RangeError(`TBPTT truncation must be an integer >= 1, got ${truncation}`);
    this.truncation = truncation;
    this.localSize = stepped.localDerivatives().length;
    const { n, m } = stepped.params.shape;
    const precision = precisionOf(stepped.params.theta);
    this.hPrevs = allocate(precision, truncation * n);
    this.locals = allocate(precision, truncation * this.localSize);
    this.xs = allocate(precision, truncation * m);
  }

  /** Backpropagates c_t through the `count` newest slots, adding into grad (zeroed). */
  protected abstract backward(dLdh: Floats, grad: Floats): void;

  reset(): void {
    this.count = 0;
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const state = this.stepped.state;
    const { n, m } = this.stepped.params.shape;
    const tau = this.truncation;
    this.head = (this.head + 1) % tau;
    this.count = Math.min(this.count + 1, tau);
    this.hPrevs.set(state.hPrev, this.head * n);
    this.locals.set(this.stepped.localDerivatives(), this.head * this.localSize);
    for (let l = 0; l < m; l++) this.xs[this.head * m + l] = seq.x[t * m + l];

    grad.fill(0);
    const dLdh = state.dLdh;
    let any = false;
    for (let i = 0; i < n; i++) if (dLdh[i] !== 0) any = true;
    if (!any) return; // no error at this step: nothing to backpropagate
    this.backward(dLdh, grad);
  }

  /** `count` zeroed vectors of n (the backward pass's flows), in the model's precision. */
  protected vectors(count: number): Floats[] {
    const { theta, shape } = this.stepped.params;
    return Array.from({ length: count }, () => allocate(precisionOf(theta), shape.n));
  }

  /** The ring slot of the step j steps before the newest. */
  protected slot(j: number): number {
    return (this.head - j + this.truncation) % this.truncation;
  }

  /** TBPTT keeps activations, not a sensitivity. */
  sensitivityNorm(): number {
    return NaN;
  }
}

export class RnnTbpttEstimator extends TbpttEstimator {
  private readonly delta: Floats;
  private readonly deltaPrev: Floats;
  private readonly ga: Floats;

  constructor(
    private readonly model: RnnModel,
    truncation: number,
  ) {
    super(model, truncation);
    [this.delta, this.deltaPrev, this.ga] = this.vectors(3);
  }

  protected backward(dLdh: Floats, grad: Floats): void {
    const { n, m, leak } = this.model.params.shape;
    const W = this.model.params.theta;
    const { u, b } = thetaLayout(this.model.params.shape);
    const carry = 1 - leak;
    let delta = this.delta;
    let next = this.deltaPrev;
    delta.set(dLdh);
    const ga = this.ga;
    for (let j = 0; j < this.count; j++) {
      const slot = this.slot(j);
      const ho = slot * n;
      const xo = slot * m;
      for (let i = 0; i < n; i++) {
        const gi = this.locals[ho + i] * delta[i];
        ga[i] = gi;
        const w = i * n;
        for (let l = 0; l < n; l++) grad[w + l] += gi * this.hPrevs[ho + l];
        const uo = u + i * m;
        for (let l = 0; l < m; l++) grad[uo + l] += gi * this.xs[xo + l];
        grad[b + i] += gi;
      }
      if (j + 1 === this.count) break;
      // δ_{s-1} = (1-α) δ_s + Wᵀ (d_s ⊙ δ_s)
      for (let l = 0; l < n; l++) next[l] = carry * delta[l];
      for (let i = 0; i < n; i++) {
        const gi = ga[i];
        const w = i * n;
        for (let l = 0; l < n; l++) next[l] += W[w + l] * gi;
      }
      const tmp = delta;
      delta = next;
      next = tmp;
    }
  }
}

export class LstmTbpttEstimator extends TbpttEstimator {
  private dh: Floats;
  private dc: Floats;
  private dhPrev: Floats;
  private dcPrev: Floats;
  private readonly dz: Floats;

  constructor(
    private readonly model: LstmModel,
    truncation: number,
  ) {
    super(model, truncation);
    [this.dh, this.dc, this.dhPrev, this.dcPrev] = this.vectors(4);
    this.dz = allocate(precisionOf(model.params.theta), 4 * model.params.shape.n);
  }

  protected backward(dLdh: Floats, grad: Floats): void {
    const { n, m } = this.model.params.shape;
    const L = this.localSize;
    this.dh.set(dLdh);
    this.dc.fill(0);
    for (let j = 0; j < this.count; j++) {
      const slot = this.slot(j);
      const toPrev = j + 1 < this.count;
      lstmBackwardStep(
        this.model.params,
        this.hPrevs,
        slot * n,
        this.locals,
        slot * L,
        this.xs,
        slot * m,
        this.dh,
        this.dc,
        grad,
        this.dz,
        toPrev,
        this.dhPrev,
        this.dcPrev,
      );
      // the flow into the step before becomes the next step's incoming flow
      let tmp = this.dh;
      this.dh = this.dhPrev;
      this.dhPrev = tmp;
      tmp = this.dc;
      this.dc = this.dcPrev;
      this.dcPrev = tmp;
    }
  }
}

export const tbptt: MethodRecord<TbpttMethod> = {
  kind: 'tbptt',
  form: 'tbptt:T',
  describe: 'online truncated BPTT through the last T steps',
  label: (m) => `tbptt:${m.truncation}`,
  parse: (label) => {
    const tau = /^tbptt:(.+)$/.exec(label);
    return tau ? { kind: 'tbptt', truncation: strictNumber(tau[1]) } : null;
  },
  validate: (m, _run, prefix = '') => void checkBound(`${prefix}tbptt`, m.truncation, BOUNDS.truncation),
  // per window step: δ through W_hᵀ, the outer product into g, the elementwise gates
  cost: (m, { model, n, p, jvp, hHat, states, rows, bytesPerFloat: b }) => {
    const tau = m.truncation;
    const elementwise = model === 'lstm' ? 12 * n : 3 * n;
    // the window: per step the state before it, its local derivatives (about one per preactivation row) and x
    const carried = tau * (states + rows + (hHat - n - 1));
    return { macs: tau * (jvp + p + elementwise), bytes: tau * (jvp + 2 * p + elementwise) * b, carried };
  },
  estimators: {
    rnn: (model, m) => new RnnTbpttEstimator(model, m.truncation),
    lstm: (model, m) => new LstmTbpttEstimator(model, m.truncation),
  },
  gpu: ['rnn'],
};
