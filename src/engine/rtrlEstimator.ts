/**
 * Full and sparse-k RTRL for the vanilla RNN (science.md §2-§3): the exact sensitivity update
 *   P_t = (1-α) P_{t-1} + D_t ( (W ⊙ Ω) P_{t-1} + M_t ),   g_t = c_tᵀ P_t,
 * with Ω keeping every path (full RTRL) or k per unit (sparse-k; the mask drawn by transportMask.ts).
 */
import type { GradientEstimator } from './gradientEstimator';
import type { LearningMethod } from './learningMethod';
import { allocate, precisionOf, type Floats } from './precision';
import type { RnnParams, RnnState } from './rnn';
import type { Rng } from './rng';
import { addImmediateTerm, Sensitivity } from './sensitivity';
import type { Sequence } from './tasks/task';
import { transport } from './transport';
import { allPaths, selectPaths } from './transportMask';

export class RtrlEstimator implements GradientEstimator {
  readonly sensitivity: Sensitivity;
  /** kept sources per row: n*k indices (n*n for full RTRL) */
  readonly sources: Int32Array;
  /** number of times the mask was (re)drawn */
  selectionsDrawn = 0;
  private readonly k: number;
  /** per-step transport coefficients d_i·W_{i,src}(·n/k) */
  private readonly coeffs: Floats;
  private steps = 0;

  constructor(
    private readonly params: RnnParams,
    private readonly state: RnnState,
    private readonly method: Extract<LearningMethod, { kind: 'full' | 'sparse' }>,
    private readonly selectionRng: Rng,
  ) {
    const { n } = params.shape;
    const precision = precisionOf(params.theta);
    this.sensitivity = new Sensitivity(params.shape, precision);
    if (method.kind === 'full') {
      this.k = n;
      this.sources = allPaths(n);
    } else {
      if (!(method.k >= 0 && method.k <= n)) throw new RangeError(`k must be in [0, ${n}], got ${method.k}`);
      this.k = method.k;
      this.sources = new Int32Array(n * method.k);
      this.drawSelection();
    }
    this.coeffs = allocate(precision, this.sources.length);
  }

  private drawSelection(): void {
    const m = this.method;
    if (m.kind !== 'sparse') return;
    selectPaths(m.strategy, this.params.theta, this.params.shape.n, m.k, this.selectionRng, this.sources);
    this.selectionsDrawn++;
  }

  reset(): void {
    this.sensitivity.clear();
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const method = this.method;
    if (method.kind === 'sparse' && method.refreshEvery > 0 && this.steps > 0 && this.steps % method.refreshEvery === 0) {
      this.drawSelection();
    }
    this.steps++;
    const { shape } = this.params;
    const { n, m, leak } = shape;
    const state = this.state;
    const P = this.sensitivity;
    // Transport coefficients: d_i · W_iq for the kept q, rescaled by n/k when asked.
    const k = this.k;
    const scale = method.kind === 'sparse' && method.rescale && k > 0 ? n / k : 1;
    const W = this.params.theta;
    const src = this.sources;
    const coeffs = this.coeffs;
    for (let i = 0; i < n; i++) {
      const di = state.d[i] * scale;
      const row = i * n;
      for (let j = 0; j < k; j++) coeffs[i * k + j] = di * W[row + src[i * k + j]];
    }
    transport(P.current, P.next, n, P.p, k, src, coeffs, 1 - leak, state.dLdh, grad);
    addImmediateTerm(shape, P.next, state.d, state.hPrev, seq.x, t * m, state.dLdh, grad);
    P.swap();
  }

  sensitivityNorm(): number {
    return this.sensitivity.norm();
  }
}
