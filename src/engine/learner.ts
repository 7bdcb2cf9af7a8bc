/**
 * One online learner (an arm of the experiment): an RNN, its sensitivity P, its transport mask and its
 * optimizer. Each step runs the forward pass, the loss, the RTRL update of P, g_t = c_tᵀ P_t and the
 * parameter update (science.md §2-§3). Nothing is allocated inside `step`.
 */
import { methodLabel, type LearningMethod } from './learningMethod';
import { clipScale, createOptimizer, type Optimizer, type OptimizerConfig } from './optimizer';
import { allocate, precisionOf, type Floats } from './precision';
import {
  allocateState,
  cloneParams,
  forwardStep,
  readoutGradient,
  readoutParamCount,
  readoutStep,
  resetState,
  type RnnParams,
  type RnnState,
} from './rnn';
import type { Rng } from './rng';
import { addImmediateTerm, Sensitivity } from './sensitivity';
import type { Sequence } from './tasks/task';
import { transport } from './transport';
import { allPaths, selectPaths } from './transportMask';

export interface LearnerOptions {
  optimizer: OptimizerConfig;
  /** stream the path selection draws from (only sparse arms draw) */
  selectionRng: Rng;
  /** skip the parameter update: θ held fixed, gradients still computed (the exactness tests) */
  frozenParams?: boolean;
}

export class OnlineLearner {
  readonly method: LearningMethod;
  readonly label: string;
  readonly params: RnnParams;
  readonly state: RnnState;
  readonly sensitivity: Sensitivity | null;
  /** g_t for θ = (W, U, b), overwritten each step */
  readonly gradTheta: Floats;
  /** exact readout gradient (V, c), overwritten each step */
  readonly gradReadout: Floats;
  /** kept sources per row: n*k indices (n*n for full RTRL) */
  readonly sources: Int32Array;
  /** per-step transport coefficients d_i·W_{i,src}(·n/k) */
  private readonly coeffs: Floats;
  private readonly k: number;
  private readonly optimizerTheta: Optimizer;
  private readonly optimizerReadout: Optimizer;
  private readonly options: LearnerOptions;
  /** adaptation steps taken; the selection refresh counts from here */
  stepsTaken = 0;
  /** the adaptation step at which a NaN/Inf appeared, or -1 */
  divergedAt = -1;
  /** number of times the mask was (re)drawn, for tests and the UI */
  selectionsDrawn = 0;
  /** called after this arm's transport and before its update (the gradient-fidelity probe rides here) */
  onTransport: ((learner: OnlineLearner, seq: Sequence, t: number) => void) | null = null;

  constructor(params: RnnParams, method: LearningMethod, options: LearnerOptions, hInit?: Floats) {
    const precision = precisionOf(params.theta);
    const { n } = params.shape;
    this.method = method;
    this.label = methodLabel(method);
    this.params = cloneParams(params);
    this.options = options;
    this.state = allocateState(params.shape, precision);
    if (hInit) this.state.h.set(hInit);
    this.gradTheta = allocate(precision, params.theta.length);
    this.gradReadout = allocate(precision, readoutParamCount(params.shape));
    this.optimizerTheta = createOptimizer(options.optimizer, this.params.theta);
    this.optimizerReadout = createOptimizer(options.optimizer, this.params.readout);
    if (method.kind === 'frozen') {
      this.k = 0;
      this.sensitivity = null;
      this.sources = new Int32Array(0);
    } else {
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
    }
    this.coeffs = allocate(precision, this.sources.length);
  }

  /** Changes the learning rate mid-run (the UI's live control). */
  setLearningRate(lr: number): void {
    this.optimizerTheta.lr = lr;
    this.optimizerReadout.lr = lr;
  }

  private drawSelection(): void {
    const m = this.method;
    if (m.kind !== 'sparse') return;
    const { n } = this.params.shape;
    selectPaths(m.strategy, this.params.theta, n, m.k, this.options.selectionRng, this.sources);
    this.selectionsDrawn++;
  }

  /** One online step on step t of `seq`. Returns L_t (NaN once the arm has diverged). */
  step(seq: Sequence, t: number): number {
    if (this.divergedAt >= 0) return NaN;
    const { shape } = this.params;
    const { n, m, o, leak } = shape;
    const state = this.state;
    const P = this.sensitivity;
    const method = this.method;

    if (method.kind === 'sparse' && method.refreshEvery > 0 && this.stepsTaken > 0 && this.stepsTaken % method.refreshEvery === 0) {
      this.drawSelection();
    }
    this.stepsTaken++;

    if (seq.reset[t]) {
      resetState(state);
      P?.clear();
    }
    forwardStep(this.params, state, seq.x, t * m);
    const hasError = seq.errorMask[t] === 1;
    const loss = readoutStep(this.params, state, seq.y, t * o, hasError);
    if (!Number.isFinite(loss)) return this.diverge();
    if (P === null) return loss;

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
    transport(P.current, P.next, n, P.p, k, src, coeffs, 1 - leak, state.dLdh, this.gradTheta);
    addImmediateTerm(shape, P.next, state.d, state.hPrev, seq.x, t * m, state.dLdh, this.gradTheta);
    P.swap();
    readoutGradient(shape, state, this.gradReadout);
    this.onTransport?.(this, seq, t);

    if (!hasError || this.options.frozenParams) return loss;
    let sq = 0;
    const g = this.gradTheta;
    for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    if (!Number.isFinite(sq)) return this.diverge();
    const scaleG = clipScale(this.options.optimizer.clipNorm, this.gradTheta, this.gradReadout);
    this.optimizerTheta.step(this.params.theta, this.gradTheta, scaleG);
    this.optimizerReadout.step(this.params.readout, this.gradReadout, scaleG);
    // An infinite weight can leave the loss finite (tanh saturates), so check the parameters too: O(p).
    if (!allFinite(this.params.theta) || !allFinite(this.params.readout)) return this.diverge();
    return loss;
  }

  private diverge(): number {
    this.divergedAt = this.stepsTaken - 1;
    return NaN;
  }
}

function allFinite(a: Floats): boolean {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * 0;
  return s === 0;
}
