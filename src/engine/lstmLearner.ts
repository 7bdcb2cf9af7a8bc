/**
 * One online learner (an arm of the experiment) for the LSTM: the model, its gradient estimator
 * (estimators.ts) and its optimizer, stepped exactly like the RNN's OnlineLearner (learner.ts).
 */
import { createLstmEstimator } from './estimators';
import type { GradientEstimator } from './gradientEstimator';
import type { LearnerOptions } from './learner';
import { methodLabel, type LearningMethod } from './learningMethod';
import { LstmRtrlEstimator } from './lstmRtrl';
import { allocateLstmState, cloneLstmParams, lstmForwardStep, resetLstmState, setLstmState, type LstmParams, type LstmState } from './lstm';
import { applyOnlineUpdate, type UpdateTarget } from './onlineUpdate';
import { createOptimizer } from './optimizer';
import { allocate, precisionOf, type Floats } from './precision';
import { readoutGradient, readoutParamCount, readoutStep } from './rnn';
import { Rng } from './rng';
import type { Sequence } from './tasks/task';

export class LstmLearner {
  readonly method: LearningMethod;
  readonly label: string;
  readonly params: LstmParams;
  readonly state: LstmState;
  readonly estimator: GradientEstimator | null;
  readonly gradTheta: Floats;
  readonly gradReadout: Floats;
  private readonly update: UpdateTarget;
  private readonly frozenParams: boolean;
  stepsTaken = 0;
  divergedAt = -1;

  /** `sInit` is the running state [h; c] (2n) the arm starts from. */
  constructor(params: LstmParams, method: LearningMethod, options: LearnerOptions, sInit?: Floats) {
    const precision = precisionOf(params.theta);
    this.method = method;
    this.label = methodLabel(method);
    this.params = cloneLstmParams(params);
    this.frozenParams = options.frozenParams ?? false;
    this.state = allocateLstmState(params.shape, precision);
    if (sInit) setLstmState(this.state, sInit);
    this.gradTheta = allocate(precision, params.theta.length);
    this.gradReadout = allocate(precision, readoutParamCount(params.shape));
    const noise = options.noiseRng ?? Rng.forLabel(1, `noise ${this.label}`);
    this.estimator = createLstmEstimator(method, this.params, this.state, { selection: options.selectionRng, noise });
    this.update = {
      theta: this.params.theta,
      readout: this.params.readout,
      gradTheta: this.gradTheta,
      gradReadout: this.gradReadout,
      optimizerTheta: createOptimizer(options.optimizer, this.params.theta),
      optimizerReadout: createOptimizer(options.optimizer, this.params.readout),
      clipNorm: options.optimizer.clipNorm,
    };
  }

  /** kept sources per unit of the full and sparse arms (empty for the others) */
  get sources(): Int32Array {
    return this.estimator instanceof LstmRtrlEstimator ? this.estimator.sources : EMPTY_SOURCES;
  }

  /** number of times the mask was (re)drawn */
  get selectionsDrawn(): number {
    return this.estimator instanceof LstmRtrlEstimator ? this.estimator.selectionsDrawn : 0;
  }

  sensitivityNorm(): number {
    return this.estimator ? this.estimator.sensitivityNorm() : NaN;
  }

  setLearningRate(lr: number): void {
    this.update.optimizerTheta.lr = lr;
    this.update.optimizerReadout.lr = lr;
  }

  /** One online step on step t of `seq`. Returns L_t (NaN once the arm has diverged). */
  step(seq: Sequence, t: number): number {
    if (this.divergedAt >= 0) return NaN;
    const { m, o } = this.params.shape;
    const state = this.state;
    this.stepsTaken++;
    if (seq.reset[t]) {
      resetLstmState(state);
      this.estimator?.reset();
    }
    lstmForwardStep(this.params, state, seq.x, t * m);
    const hasError = seq.errorMask[t] === 1;
    const loss = readoutStep(this.params, state, seq.y, t * o, hasError);
    if (!Number.isFinite(loss)) return this.diverge();
    if (this.estimator === null) return loss;
    this.estimator.step(seq, t, this.gradTheta);
    readoutGradient(this.params.shape, state, this.gradReadout);
    if (!hasError || this.frozenParams) return loss;
    return applyOnlineUpdate(this.update) ? loss : this.diverge();
  }

  private diverge(): number {
    this.divergedAt = this.stepsTaken - 1;
    return NaN;
  }
}

const EMPTY_SOURCES = new Int32Array(0);
