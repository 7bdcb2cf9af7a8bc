/**
 * One online learner: an arm of the experiment. It owns a model (its weights and running state), the
 * gradient estimator of its learning method for that model, and an optimizer; every step it runs the
 * forward pass and readout, asks the estimator for g_t, and updates θ and the readout. The same learner
 * steps every model (models/), through the RecurrentModel interface.
 */
import { createEstimator, methodLabel, type GradientEstimator, type LearningMethod } from './methods';
import type { RecurrentModel } from './models';
import type { RnnModel } from './models/rnn';
import { readoutParamCount } from './models/readout';
import { applyOnlineUpdate, type UpdateTarget } from './onlineUpdate';
import { createOptimizer, type OptimizerConfig } from './optimizer';
import { allocate, precisionOf, type Floats } from './precision';
import { Rng } from './rng';
import type { Sensitivity } from './sensitivity';
import type { Sequence } from './tasks/task';

/**
 * What the protocol asks of every arm's learner, whatever its model: one online step on a stream, the
 * step it diverged at, a live learning rate, its output and the norm of what it carries. OnlineLearner
 * (the recurrent models) and the transformer's TransformerLearner implement it, so the live loop (the
 * app's LiveLoop) and the seed runs' lockstep (protocol/seedRun.ts stepArms) step either alike.
 */
export interface Learner {
  /** the arm's method as the results name it ('full', 'k=4', 'readout'; the transformer's 'dense', 'rho=0.5') */
  readonly label: string;
  /** adaptation steps taken */
  readonly stepsTaken: number;
  /** the adaptation step at which a NaN/Inf appeared, or -1 (a rebuilt arm carries its predecessor's) */
  divergedAt: number;
  /** One online step on step t of `seq`. Returns L_t (NaN once the arm has diverged). */
  step(seq: Sequence, t: number): number;
  /** Changes the learning rate mid-run (the app's live control). */
  setLearningRate(lr: number): void;
  /** ‖P_t‖ or its stand-in; NaN where the arm carries none (frozen, TBPTT, the transformer's window) */
  sensitivityNorm(): number;
  /** The first output y_t[0] of the last step (the app's task strip). */
  output(): number;
}

export interface LearnerOptions {
  optimizer: OptimizerConfig;
  /** stream the path selection draws from (only sparse arms draw) */
  selectionRng: Rng;
  /** stream of UORO's and KF-RTRL's noise; defaults to a stream labelled by the arm (seed 1) */
  noiseRng?: Rng;
  /** skip the parameter update: θ held fixed, gradients still computed (the exactness tests) */
  frozenParams?: boolean;
}

export class OnlineLearner<M extends RecurrentModel = RecurrentModel> implements Learner {
  readonly model: M;
  readonly method: LearningMethod;
  readonly label: string;
  /** the gradient estimate of this arm (null for frozen) */
  readonly estimator: GradientEstimator | null;
  /** g_t for θ, overwritten each step */
  readonly gradTheta: Floats;
  /** exact readout gradient (V, c), overwritten each step */
  readonly gradReadout: Floats;
  private readonly options: LearnerOptions;
  /** what the optimizer step touches, gathered once so `step` allocates nothing */
  private readonly update: UpdateTarget;
  /** adaptation steps taken */
  stepsTaken = 0;
  /** the adaptation step at which a NaN/Inf appeared, or -1 */
  divergedAt = -1;
  /** called after this arm's transport and before its update (the gradient-fidelity probe rides here) */
  onTransport: ((learner: OnlineLearner<M>, seq: Sequence, t: number) => void) | null = null;

  /** `model` is this arm's own (the learner updates its weights in place). */
  constructor(model: M, method: LearningMethod, options: LearnerOptions) {
    const params = model.params;
    const precision = precisionOf(params.theta);
    this.model = model;
    this.method = method;
    this.label = methodLabel(method);
    this.options = options;
    this.gradTheta = allocate(precision, params.theta.length);
    this.gradReadout = allocate(precision, readoutParamCount(params.shape));
    this.update = {
      theta: params.theta,
      readout: params.readout,
      gradTheta: this.gradTheta,
      gradReadout: this.gradReadout,
      optimizerTheta: createOptimizer(options.optimizer, params.theta),
      optimizerReadout: createOptimizer(options.optimizer, params.readout),
      clipNorm: options.optimizer.clipNorm,
    };
    const noise = options.noiseRng ?? Rng.forLabel(1, `noise ${this.label}`);
    this.noiseRng = noise;
    this.estimator = createEstimator(model, method, { selection: options.selectionRng, noise });
    this.update.thetaFrozen = this.estimator?.freezesTheta ?? false;
  }

  /** the model's weights */
  get params(): M['params'] {
    return this.model.params;
  }

  /** the model's per-step activations */
  get state(): M['state'] {
    return this.model.state;
  }

  /** the stream UORO's and KF-RTRL's noise draws from (the GPU engine continues it) */
  readonly noiseRng: Rng;

  /** the stream this arm's path selection draws from (the GPU engine continues it) */
  get selectionRng(): Rng {
    return this.options.selectionRng;
  }

  /** P_t of the RNN's full and sparse-k arms (null for the others) */
  get sensitivity(): Sensitivity | null {
    return this.estimator?.sensitivity ?? null;
  }

  /** kept sources per unit: n*k indices (n*n for full RTRL; empty for the arms without a mask) */
  get sources(): Int32Array {
    return this.estimator?.sources ?? EMPTY_SOURCES;
  }

  /** number of times the mask was (re)drawn, for tests and the UI */
  get selectionsDrawn(): number {
    return this.estimator?.selectionsDrawn ?? 0;
  }

  /**
   * This learner typed as the RNN's, or null for another model: what reads the RNN's own quantities
   * (its D_t for the J_t spectrum, its P_t, the fidelity probe's transport) asks here.
   */
  asRnn(): OnlineLearner<RnnModel> | null {
    return this.model.kind === 'rnn' ? (this as unknown as OnlineLearner<RnnModel>) : null;
  }

  /** ‖P_t‖ or its stand-in (NaN for frozen and TBPTT) */
  sensitivityNorm(): number {
    return this.estimator ? this.estimator.sensitivityNorm() : NaN;
  }

  /** Changes the learning rate mid-run (the UI's live control). */
  setLearningRate(lr: number): void {
    this.update.optimizerTheta.lr = lr;
    this.update.optimizerReadout.lr = lr;
  }

  /** y_t[0] of the last step. */
  output(): number {
    return this.model.state.y[0];
  }

  /** One online step on step t of `seq`. Returns L_t (NaN once the arm has diverged). */
  step(seq: Sequence, t: number): number {
    if (this.divergedAt >= 0) return NaN;
    const model = this.model;
    const { m, o } = model.params.shape;
    const estimator = this.estimator;
    this.stepsTaken++;

    if (seq.reset[t]) {
      model.reset();
      estimator?.reset();
    }
    model.forward(seq.x, t * m);
    const hasError = seq.errorMask[t] === 1;
    const loss = model.readout(seq.y, t * o, hasError);
    if (!Number.isFinite(loss)) return this.diverge();
    if (estimator === null) return loss;

    estimator.step(seq, t, this.gradTheta);
    model.readoutGradient(this.gradReadout);
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
