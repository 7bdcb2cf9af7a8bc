/**
 * Full and sparse-k RTRL for the LSTM (science.md §5). Sensitivities P^h = ∂h_t/∂θ and P^c = ∂c_t/∂θ
 * (each n × p); Z_t = W_h P^h_{t-1} + M_t (4n × p, M_t[r,(r,l)] = ĥ_l) is never formed. Its three cell-gate
 * rows of unit j share one transport, their W_h rows folded into one coefficient per kept path:
 *   P^c_t[j] = f_j P^c_{t-1}[j] + Σ_{q∈S_j} (a_f W_h[f_j,q] + a_i W_h[i_j,q] + a_g W_h[g_j,q]) P^h_{t-1}[q] + immediate
 *   P^h_t[j] = Σ_{q∈S_j} a_o W_h[o_j,q] P^h_{t-1}[q] + β_j P^c_t[j] + a_o M_o
 *   g_t = c_tᵀ P^h_t
 * Sparse-k masks W_h in Z only [choice: one set S_j of k sources per unit, shared by its four gate rows];
 * the cell carry f ⊙ P^c and the c -> h term are always kept. Full RTRL is S_j = all n units.
 * Both transports run through the RNN's tiled kernel (transport.ts) with a zero carry; the carry is added after.
 */
import type { GradientEstimator } from './gradientEstimator';
import type { LearningMethod } from './learningMethod';
import { LOCAL_BETA, LOCAL_F, LOCAL_FORGET, LOCAL_G, LOCAL_I, LOCAL_O, lstmLayout, lstmParamCount, type LstmParams, type LstmState } from './lstm';
import { allocate, precisionOf, type Floats } from './precision';
import type { Rng } from './rng';
import type { Sequence } from './tasks/task';
import { transport } from './transport';
import { allPaths, selectPaths } from './transportMask';

export class LstmRtrlEstimator implements GradientEstimator {
  readonly n: number;
  readonly p: number;
  /** P^h_{t-1} before a step, P^h_t after it (n × p) */
  ph: Floats;
  /** P^c likewise */
  pc: Floats;
  private phNext: Floats;
  private pcNext: Floats;
  /** kept sources per unit: n*k indices */
  readonly sources: Int32Array;
  selectionsDrawn = 0;
  private readonly k: number;
  private readonly coeffC: Floats;
  private readonly coeffH: Floats;
  /** a zero c_t for the transport kernel (its fused gradient is not wanted here) and its scratch output */
  private readonly zeros: Floats;
  private readonly scratch: Floats;
  /** |W_h| per (unit, source) over the four gates, for the magnitude-based selections */
  private readonly magnitude: Floats;
  private steps = 0;

  constructor(
    private readonly params: LstmParams,
    private readonly state: LstmState,
    private readonly method: Extract<LearningMethod, { kind: 'full' | 'sparse' }>,
    private readonly selectionRng: Rng,
  ) {
    const { n } = params.shape;
    const precision = precisionOf(params.theta);
    this.n = n;
    this.p = lstmParamCount(params.shape);
    this.ph = allocate(precision, n * this.p);
    this.pc = allocate(precision, n * this.p);
    this.phNext = allocate(precision, n * this.p);
    this.pcNext = allocate(precision, n * this.p);
    this.magnitude = allocate(precision, n * n);
    if (method.kind === 'full') {
      this.k = n;
      this.sources = allPaths(n);
    } else {
      if (!(method.k >= 0 && method.k <= n)) throw new RangeError(`k must be in [0, ${n}], got ${method.k}`);
      this.k = method.k;
      this.sources = new Int32Array(n * method.k);
      this.drawSelection();
    }
    this.coeffC = allocate(precision, this.sources.length);
    this.coeffH = allocate(precision, this.sources.length);
    this.zeros = allocate(precision, n);
    this.scratch = allocate(precision, this.p);
  }

  private drawSelection(): void {
    const m = this.method;
    if (m.kind !== 'sparse') return;
    const n = this.n;
    const W = this.params.theta;
    // top-k / bottom-k rank source q of unit j by the norm of its four gate weights W_h[·_j, q]
    for (let j = 0; j < n; j++) {
      for (let q = 0; q < n; q++) {
        let s = 0;
        for (let gate = 0; gate < 4; gate++) s += W[(gate * n + j) * n + q] ** 2;
        this.magnitude[j * n + q] = Math.sqrt(s);
      }
    }
    selectPaths(m.strategy, this.magnitude, n, m.k, this.selectionRng, this.sources);
    this.selectionsDrawn++;
  }

  reset(): void {
    this.ph.fill(0);
    this.pc.fill(0);
  }

  step(seq: Sequence, t: number, grad: Floats): void {
    const method = this.method;
    if (method.kind === 'sparse' && method.refreshEvery > 0 && this.steps > 0 && this.steps % method.refreshEvery === 0) {
      this.drawSelection();
    }
    this.steps++;
    const { n, p, k } = this;
    const { m } = this.params.shape;
    const { wx, b } = lstmLayout(this.params.shape);
    const W = this.params.theta;
    const { local, hPrev, dLdh } = this.state;
    const scale = method.kind === 'sparse' && method.rescale && k > 0 ? n / k : 1;
    const src = this.sources;
    for (let j = 0; j < n; j++) {
      const ai = local[LOCAL_I * n + j] * scale;
      const af = local[LOCAL_F * n + j] * scale;
      const ag = local[LOCAL_G * n + j] * scale;
      const ao = local[LOCAL_O * n + j] * scale;
      const wi = j * n;
      const wf = (n + j) * n;
      const wg = (2 * n + j) * n;
      const wo = (3 * n + j) * n;
      for (let jj = 0; jj < k; jj++) {
        const q = src[j * k + jj];
        this.coeffC[j * k + jj] = af * W[wf + q] + ai * W[wi + q] + ag * W[wg + q];
        this.coeffH[j * k + jj] = ao * W[wo + q];
      }
    }
    const { ph, pc, phNext, pcNext } = this;
    transport(ph, pcNext, n, p, k, src, this.coeffC, 0, this.zeros, this.scratch);
    transport(ph, phNext, n, p, k, src, this.coeffH, 0, this.zeros, this.scratch);
    const xOff = t * m;
    for (let j = 0; j < n; j++) {
      const row = j * p;
      // the cell carry f_j P^c_{t-1}[j], always kept
      const f = local[LOCAL_FORGET * n + j];
      for (let c = 0; c < p; c++) pcNext[row + c] += f * pc[row + c];
      // immediate terms of the cell gates i, f, g: their rows i_j = j, f_j = n+j, g_j = 2n+j
      for (let gate = 0; gate < 3; gate++) {
        const a = local[gate * n + j];
        const r = gate * n + j;
        for (let l = 0; l < n; l++) pcNext[row + r * n + l] += a * hPrev[l];
        for (let l = 0; l < m; l++) pcNext[row + wx + r * m + l] += a * seq.x[xOff + l];
        pcNext[row + b + r] += a;
      }
      // P^h_t[j] = (transported o-gate part) + a_o M_o + β_j P^c_t[j]
      const beta = local[LOCAL_BETA * n + j];
      for (let c = 0; c < p; c++) phNext[row + c] += beta * pcNext[row + c];
      const ao = local[LOCAL_O * n + j];
      const r = 3 * n + j;
      for (let l = 0; l < n; l++) phNext[row + r * n + l] += ao * hPrev[l];
      for (let l = 0; l < m; l++) phNext[row + wx + r * m + l] += ao * seq.x[xOff + l];
      phNext[row + b + r] += ao;
    }
    this.ph = phNext;
    this.phNext = ph;
    this.pc = pcNext;
    this.pcNext = pc;
    // g_t = c_tᵀ P^h_t
    grad.fill(0);
    for (let j = 0; j < n; j++) {
      const cj = dLdh[j];
      if (cj === 0) continue;
      const row = j * p;
      for (let c = 0; c < p; c++) grad[c] += cj * phNext[row + c];
    }
  }

  /** ‖[P^h; P^c]‖ */
  sensitivityNorm(): number {
    let s = 0;
    for (let i = 0; i < this.ph.length; i++) s += this.ph[i] * this.ph[i] + this.pc[i] * this.pc[i];
    return Math.sqrt(s);
  }
}
