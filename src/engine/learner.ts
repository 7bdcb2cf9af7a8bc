/**
 * One online learner (an arm of the experiment) for the vanilla RNN: the model, its gradient estimator
 * (full or sparse-k RTRL, UORO, KF-RTRL, SnAp-1, TBPTT; see estimators.ts) and its optimizer. Each step
 * runs the forward pass, the loss, the estimator's g_t and the parameter update (science.md §2-§4).
 * Nothing is allocated inside `step`.
 */
import { createRnnEstimator } from './estimators';
import type { GradientEstimator } from './gradientEstimator';
import { methodLabel, type LearningMethod } from './learningMethod';
import { applyOnlineUpdate, type UpdateTarget } from './onlineUpdate';
import { createOptimizer, type Optimizer, type OptimizerConfig } from './optimizer';
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
import { Rng } from './rng';
import { RtrlEstimator } from './rtrlEstimator';
import type { Sensitivity } from './sensitivity';
import type { Sequence } from './tasks/task';

export interface LearnerOptions {
  optimizer: OptimizerConfig;
  /** stream the path selection draws from (only sparse arms draw) */
  selectionRng: Rng;
  /** stream of UORO's and KF-RTRL's noise; defaults to a stream labelled by the arm (seed 1) */
  noiseRng?: Rng;
  /** skip the parameter update: θ held fixed, gradients still computed (the exactness tests) */
  frozenParams?: boolean;
}

export class OnlineLearner {
  readonly method: LearningMethod;
  readonly label: string;
  readonly params: RnnParams;
  readonly state: RnnState;
  /** the gradient estimate of this arm (null for frozen) */
  readonly estimator: GradientEstimator | null;
  /** P_t of the full and sparse-k arms (null for the others) */
  readonly sensitivity: Sensitivity | null;
  /** g_t for θ = (W, U, b), overwritten each step */
  readonly gradTheta: Floats;
  /** exact readout gradient (V, c), overwritten each step */
  readonly gradReadout: Floats;
  private readonly rtrl: RtrlEstimator | null;
  private readonly optimizerTheta: Optimizer;
  private readonly optimizerReadout: Optimizer;
  private readonly options: LearnerOptions;
  /** what the optimizer step touches, gathered once so `step` allocates nothing */
  private readonly update: UpdateTarget;
  /** adaptation steps taken */
  stepsTaken = 0;
  /** the stream this arm's path selection draws from (the GPU engine continues it) */
  get selectionRng(): Rng {
    return this.options.selectionRng;
  }
  /** the adaptation step at which a NaN/Inf appeared, or -1 */
  divergedAt = -1;
  /** called after this arm's transport and before its update (the gradient-fidelity probe rides here) */
  onTransport: ((learner: OnlineLearner, seq: Sequence, t: number) => void) | null = null;

  constructor(params: RnnParams, method: LearningMethod, options: LearnerOptions, hInit?: Floats) {
    const precision = precisionOf(params.theta);
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
    const noise = options.noiseRng ?? Rng.forLabel(1, `noise ${this.label}`);
    this.estimator = createRnnEstimator(method, this.params, this.state, { selection: options.selectionRng, noise });
    this.rtrl = this.estimator instanceof RtrlEstimator ? this.estimator : null;
    this.sensitivity = this.rtrl ? this.rtrl.sensitivity : null;
    this.update = {
      theta: this.params.theta,
      readout: this.params.readout,
      gradTheta: this.gradTheta,
      gradReadout: this.gradReadout,
      optimizerTheta: this.optimizerTheta,
      optimizerReadout: this.optimizerReadout,
      clipNorm: options.optimizer.clipNorm,
    };
  }

  /** kept sources per row: n*k indices (n*n for full RTRL; empty for the arms without a mask) */
  get sources(): Int32Array {
    return this.rtrl ? this.rtrl.sources : EMPTY_SOURCES;
  }

  /** number of times the mask was (re)drawn, for tests and the UI */
  get selectionsDrawn(): number {
    return this.rtrl ? this.rtrl.selectionsDrawn : 0;
  }

  /** ‖P_t‖ or its stand-in (NaN for frozen and TBPTT) */
  sensitivityNorm(): number {
    return this.estimator ? this.estimator.sensitivityNorm() : NaN;
  }

  /** Changes the learning rate mid-run (the UI's live control). */
  setLearningRate(lr: number): void {
    this.optimizerTheta.lr = lr;
    this.optimizerReadout.lr = lr;
  }

  /** One online step on step t of `seq`. Returns L_t (NaN once the arm has diverged). */
  step(seq: Sequence, t: number): number {
    if (this.divergedAt >= 0) return NaN;
    const { shape } = this.params;
    const { m, o } = shape;
    const state = this.state;
    const estimator = this.estimator;
    this.stepsTaken++;

    if (seq.reset[t]) {
      resetState(state);
      estimator?.reset();
    }
    forwardStep(this.params, state, seq.x, t * m);
    const hasError = seq.errorMask[t] === 1;
    const loss = readoutStep(this.params, state, seq.y, t * o, hasError);
    if (!Number.isFinite(loss)) return this.diverge();
    if (estimator === null) return loss;

    estimator.step(seq, t, this.gradTheta);
    readoutGradient(shape, state, this.gradReadout);
    this.onTransport?.(this, seq, t);

    if (!hasError || this.options.frozenParams) return loss;
    return applyOnlineUpdate(this.update) ? loss : this.diverge();
  }

  private diverge(): number {
    this.divergedAt = this.stepsTaken - 1;
    return NaN;
  }
}

const EMPTY_SOURCES = new Int32Array(0);
