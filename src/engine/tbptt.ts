/**
 * Online truncated BPTT, TBPTT(τ), for the vanilla RNN (science.md §4), the usual practical alternative
 * to RTRL. [choice] A sliding window, updated every step: each step's loss L_t is backpropagated through
 * the last τ steps of stored activations (ĥ_s and d_s), and that gradient is g_t,
 *   δ_t = c_t,   δ_{s-1} = (1-α) δ_s + Wᵀ (d_s ⊙ δ_s),   g_t = Σ_{s=t-τ+1..t} (d_s ⊙ δ_s) ĥ_sᵀ,
 * so the update cadence matches every other arm (one update per step) and with θ fixed Σ_t g_t is the
 * BPTT gradient once τ covers the sequence. The chunked alternative (one update per τ steps) would change
 * the cadence, not the gradient's reach. The backward pass uses the current W for every window step
 * (storing past W's would cost τ n² memory); the stored d_s and ĥ_s are those of the forward pass.
 * A sequence reset empties the window: no gradient crosses it. Cost τ (n² + p) per step, memory τ (2n + m).
 */
import type { GradientEstimator } from './gradientEstimator';
import { allocate, precisionOf, type Floats } from './precision';
import { thetaLayout, type RnnParams, type RnnState } from './rnn';
import type { Sequence } from './tasks/task';

export class RnnTbpttEstimator implements GradientEstimator {
  readonly truncation: number;
  /** ring of τ slots: h_{s-1}, d_s, x_s */
  private readonly hPrevs: Floats;
  private readonly ds: Floats;
  private readonly xs: Floats;
  /** slot of the newest step, and how many slots hold steps of the current sequence */
  private head = -1;
  private count = 0;
  private readonly delta: Floats;
  private readonly deltaPrev: Floats;
  private readonly ga: Floats;

  constructor(
    private readonly params: RnnParams,
    private readonly state: RnnState,
    truncation: number,
  ) {
    if (!(Number.isInteger(truncation) && truncation >= 1)) throw new RangeError(`TBPTT truncation must be an integer >= 1, got ${truncation}`);
    this.truncation = truncation;
    const { n, m } = params.shape;
    const precision = precisionOf(params.theta);
    this.hPrevs = allocate(precision, truncation * n);
    this.ds = allocate(precision, truncation * n);
    this.xs = allocate(precision, truncation * m);
    this.delta = allocate(precision, n);
    this.deltaPrev = allocate(precision, n);
    this.ga = allocate(precision, n);
  }

  reset(): void {
    this.count = 0;
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const { n, m, leak } = this.params.shape;
    const tau = this.truncation;
    const { hPrev, d, dLdh } = this.state;
    this.head = (this.head + 1) % tau;
    this.count = Math.min(this.count + 1, tau);
    this.hPrevs.set(hPrev, this.head * n);
    this.ds.set(d, this.head * n);
    for (let l = 0; l < m; l++) this.xs[this.head * m + l] = seq.x[t * m + l];

    grad.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) if (dLdh[i] !== 0) any = true;
    if (!any) return; // no error at this step: nothing to backpropagate

    const W = this.params.theta;
    const { u, b } = thetaLayout(this.params.shape);
    const carry = 1 - leak;
    let delta = this.delta;
    let next = this.deltaPrev;
    delta.set(dLdh);
    const ga = this.ga;
    for (let j = 0; j < this.count; j++) {
      const slot = (this.head - j + tau) % tau;
      const ho = slot * n;
      const xo = slot * m;
      for (let i = 0; i < n; i++) {
        const gi = this.ds[ho + i] * delta[i];
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

  /** TBPTT keeps activations, not a sensitivity. */
  sensitivityNorm(): number {
    return NaN;
  }
}
