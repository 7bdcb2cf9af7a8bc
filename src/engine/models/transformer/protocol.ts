/**
 * The lab's protocol for the transformer (pretrain on A, drift, arms in lockstep on B, recovery against
 * frozen and dense, recovery beyond the readout against readout-only and dense), one seed at a time. `TransformerSeedRun` is steppable (the app advances it frame by
 * frame); `runTransformerSeed` runs it to the end. The data come from `seededStreams(seed).data` exactly as
 * the RNN's SeedRun draws them (regime A of `pretrain.dataSteps` steps, then regime B), so for the same seed
 * and A length the transformer and the RNN see the identical regime-B stream.
 */
import { seedArmResults, windowStart } from '../../protocol/lossWindow';
import { stepArms } from '../../protocol/seedRun';
import type { ArmSeedResult } from '../../experiment';
import { ConfigError } from '../../config';
import type { OptimizerConfig } from '../../optimizer';
import { precisionOf, type Precision } from '../../precision';
import { Rng, seededStreams } from '../../rng';
import { createTask } from '../../tasks';
import type { Sequence, Task, TaskName } from '../../tasks/task';
import { transformerArmCost, type TransformerCost } from './cost';
import { checkHeadFraction, headArm, headArmLabel, type HeadArm, type HeadStrategy } from './headSelection';
import { TransformerLearner } from './learner';
import { initTransformer, transformerParamCount, validateTransformerShape, type TransformerParams, type TransformerShape } from './model';
import { DEFAULT_TRANSFORMER_PRETRAIN, pretrainTransformer, type TransformerPretrainOptions } from './pretrain';

/** The model's shape (d_model, heads, layers, context W, positions, final norm) less the task's sizes, which the task fixes. */
export interface TransformerExperimentConfig extends Omit<TransformerShape, 'inputSize' | 'outputSize'> {
  task: TaskName;
  /**
   * ρ of the learning arms besides frozen and readout; 1 is the dense reference and is added when missing,
   * so the arms are frozen, readout, dense, then the other fractions in the order given
   */
  headFractions: number[];
  strategy: HeadStrategy;
  /** choose S_ℓ again every R updates; 0 = once */
  refreshEvery: number;
  woLocal: boolean;
  qkvLocal: boolean;
  optimizer: OptimizerConfig;
  /** `dataSteps`: length of the regime-A stream (equal to the RNN's pretrain.steps for the same B stream) */
  pretrain: TransformerPretrainOptions & { dataSteps: number };
  adaptSteps: number;
  /** the loss window recovery is measured on */
  window: 'all' | 'last-quarter';
  precision: Precision;
  /** record each head's gradient norm every step (the app's heads panel) */
  trackHeads: boolean;
}

export function defaultTransformerConfig(): TransformerExperimentConfig {
  return {
    task: 'sine',
    dModel: 32,
    heads: 4,
    layers: 1,
    context: 32,
    positions: 'learned',
    finalNorm: true,
    headFractions: [1, 0.5, 0.33, 0.25, 0],
    strategy: 'random',
    refreshEvery: 0,
    woLocal: true,
    qkvLocal: false,
    // the dense arm's selected rate on sine (grid 1e-4..3e-3, tuning seeds 101-103; Lorenz selects 3e-5)
    optimizer: { kind: 'adam', lr: 3e-4, clipNorm: 1 },
    pretrain: { ...DEFAULT_TRANSFORMER_PRETRAIN, dataSteps: 4000 },
    adaptSteps: 1000,
    window: 'all',
    precision: 'f32',
    trackHeads: false,
  };
}

/**
 * The arms of a config: frozen, readout (the floor of recovery beyond the readout), dense, then each other
 * fraction (duplicates and a repeated 1 dropped).
 */
export function transformerArms(c: TransformerExperimentConfig): HeadArm[] {
  const opts = { strategy: c.strategy, refreshEvery: c.refreshEvery, woLocal: c.woLocal, qkvLocal: c.qkvLocal };
  const arms: HeadArm[] = [{ kind: 'frozen' }, { kind: 'readout' }, headArm(1, opts)];
  for (const f of c.headFractions) {
    checkHeadFraction(f);
    if (f === 1 || arms.some((a) => a.kind === 'heads' && a.fraction === f)) continue;
    arms.push(headArm(f, opts));
  }
  return arms;
}

export function transformerShape(c: TransformerExperimentConfig, task: Pick<Task, 'inputSize' | 'outputSize'>): TransformerShape {
  return {
    inputSize: task.inputSize,
    outputSize: task.outputSize,
    dModel: c.dModel,
    heads: c.heads,
    layers: c.layers,
    context: c.context,
    positions: c.positions,
    finalNorm: c.finalNorm,
  };
}

/** Throws a ConfigError naming the first bad option. */
export function validateTransformerConfig(c: TransformerExperimentConfig): void {
  validateTransformerShape(transformerShape(c, { inputSize: 1, outputSize: 1 }));
  for (const f of c.headFractions) checkHeadFraction(f);
  transformerArms(c);
  const positive = (option: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new ConfigError(option, `${option} must be an integer >= ${min}, got ${v}`);
  };
  positive('adapt', c.adaptSteps, 1);
  positive('pretrain', c.pretrain.steps, 0);
  positive('pretrain-batch', c.pretrain.batch, 1);
  positive('pretrain-data', c.pretrain.dataSteps, c.pretrain.steps > 0 ? c.context : 0);
  if (!(c.optimizer.lr > 0 && c.optimizer.lr <= 1)) throw new ConfigError('lr', `lr must be a number in (0, 1], got ${c.optimizer.lr}`);
  if (!(c.optimizer.clipNorm >= 0)) throw new ConfigError('clip', `clip must be a number >= 0, got ${c.optimizer.clipNorm}`);
  if (c.optimizer.kind !== 'adam' && c.optimizer.kind !== 'sgd')
    throw new ConfigError('optimizer', `optimizer must be adam or sgd, got '${String(c.optimizer.kind)}'`);
  if (c.window !== 'all' && c.window !== 'last-quarter') throw new ConfigError('window', `window must be all or last-quarter, got '${String(c.window)}'`);
  if (c.precision !== 'f32' && c.precision !== 'f64') throw new ConfigError('precision', `precision must be f32 or f64, got '${String(c.precision)}'`);
}

/** What the app's heads panel shows for one arm at the current step. */
export interface HeadStepInfo {
  layers: number;
  heads: number;
  context: number;
  /** positions in the window now */
  length: number;
  /** [ℓ·H + h] = 1 if head h of layer ℓ carried gradient this step */
  carrying: Uint8Array;
  /** ‖∂L/∂o^h‖ this step, [ℓ·H + h] (NaN where not measured: frozen, or trackHeads off) */
  gradNorm: Float64Array;
  /** the newest position's attention over the window, [(ℓ·H + h)·W + j], j = 0 the oldest */
  attention: Float32Array;
}

export interface TransformerSeedResult {
  seed: number;
  paramCount: number;
  /** mean per-position loss of each 5 % block of pretraining */
  pretrainLoss: number[];
  /** rows shaped like the RNN's: recovery against this seed's frozen and dense arms, beyond the readout against readout and dense */
  arms: ArmSeedResult[];
  /** per-arm loss curves over the adaptation, indexed like `arms` */
  losses: Float32Array[];
  /** theoretical cost per step per arm, indexed like `arms` */
  costs: TransformerCost[];
  /** mean ‖∂L/∂o^h‖ over the adaptation per arm, [ℓ·H + h] (only with trackHeads; else NaN) */
  meanHeadNorm: Float64Array[];
}

export class TransformerSeedRun {
  readonly seed: number;
  readonly config: TransformerExperimentConfig;
  readonly task: Task;
  readonly shape: TransformerShape;
  readonly arms: HeadArm[];
  readonly pretrained: TransformerParams;
  readonly pretrainLoss: number[];
  readonly stream: Sequence;
  readonly learners: TransformerLearner[];
  readonly losses: Float32Array[];
  /** adaptation steps done */
  t = 0;
  private readonly elapsedMs: Float64Array;
  private readonly normSum: Float64Array[];
  private readonly normCount: Float64Array[];
  private readonly info: HeadStepInfo;

  /**
   * `reuse` skips pretraining with a model this seed already pretrained under the same shape and pretrain
   * settings (`run.pretrained` and `run.pretrainLoss` of an earlier run): the learning-rate selection runs
   * one seed at several rates and pretraining does not depend on the adaptation rate.
   */
  constructor(config: TransformerExperimentConfig, seed: number, reuse?: { pretrained: TransformerParams; pretrainLoss: number[] }) {
    validateTransformerConfig(config);
    this.seed = seed;
    this.config = config;
    const streams = seededStreams(seed);
    this.task = createTask(config.task, streams.data);
    this.shape = transformerShape(config, this.task);
    this.arms = transformerArms(config);
    // regime A is generated even without pretraining, so regime B is the RNN's B for the same A length
    const regimeA = this.task.generate('A', config.pretrain.dataSteps, streams.data);
    let params: TransformerParams;
    if (reuse) {
      const same = JSON.stringify(reuse.pretrained.shape) === JSON.stringify(this.shape) && precisionOf(reuse.pretrained.theta) === config.precision;
      if (!same) throw new Error('TransformerSeedRun: the reused pretrained model has another shape or precision');
      params = reuse.pretrained;
      this.pretrainLoss = reuse.pretrainLoss;
    } else {
      params = initTransformer(this.shape, streams.init, config.precision);
      // window starts draw from their own stream: never from `data`, whose state decides regime B
      this.pretrainLoss = pretrainTransformer(params, regimeA, config.pretrain, Rng.forLabel(seed, 'transformer pretrain windows')).blockLoss;
    }
    this.pretrained = params;
    this.stream = this.task.generate('B', config.adaptSteps, streams.data);
    this.learners = this.arms.map((arm) => {
      const l = new TransformerLearner(params, arm, {
        optimizer: config.optimizer,
        selectionRng: Rng.forLabel(seed, `selection ${headArmLabel(arm)}`),
        trackHeads: config.trackHeads,
      });
      // the drift meets a running model: the context holds the tail of regime A
      l.prime(regimeA, regimeA.length - (this.shape.context - 1), regimeA.length);
      return l;
    });
    this.losses = this.arms.map(() => new Float32Array(config.adaptSteps).fill(NaN));
    this.elapsedMs = new Float64Array(this.arms.length);
    const LH = this.shape.layers * this.shape.heads;
    this.normSum = this.arms.map(() => new Float64Array(LH));
    this.normCount = this.arms.map(() => new Float64Array(LH));
    this.info = {
      layers: this.shape.layers,
      heads: this.shape.heads,
      context: this.shape.context,
      length: 0,
      carrying: new Uint8Array(LH),
      gradNorm: new Float64Array(LH),
      attention: new Float32Array(LH * this.shape.context),
    };
  }

  get done(): boolean {
    return this.t >= this.config.adaptSteps;
  }

  /** Advances every arm by one adaptation step, in lockstep. */
  step(): void {
    const t = this.t;
    stepArms(this.learners, this.stream, t, this.losses, this.elapsedMs);
    // each arm's head norms are its own transport's: read after the lockstep step, as right after its own
    for (let a = 0; a < this.learners.length; a++) {
      const l = this.learners[a];
      if (this.config.trackHeads && l.transport !== null && this.stream.errorMask[t] === 1 && l.divergedAt < 0) {
        const norms = l.transport.norms;
        const sum = this.normSum[a];
        const count = this.normCount[a];
        for (let i = 0; i < norms.length; i++) {
          if (Number.isFinite(norms[i])) {
            sum[i] += norms[i];
            count[i]++;
          }
        }
      }
    }
    this.t++;
  }

  /**
   * The heads panel's data for one arm at the current step. Returns a buffer reused by every call (copy
   * what you keep).
   */
  headInfo(armIndex: number): HeadStepInfo {
    const l = this.learners[armIndex];
    const info = this.info;
    const { layers, heads, context } = this.shape;
    info.length = l.workspace.T;
    if (l.transport === null) {
      info.carrying.fill(0);
      info.gradNorm.fill(NaN);
    } else {
      info.carrying.set(l.transport.selected);
      info.gradNorm.set(l.transport.norms);
    }
    for (let ly = 0; ly < layers; ly++) for (let h = 0; h < heads; h++) l.newestAttention(ly, h, info.attention, (ly * heads + h) * context);
    return info;
  }

  /** Per-arm results of this seed (over the steps taken so far; call when `done`). */
  result(): TransformerSeedResult {
    // the lab's one loss window and recoveries (protocol/lossWindow.ts) with dense as the reference; a
    // diverged arm, or a diverged dense (readout-only, for beyond the readout), reads NaN
    const ref = transformerReferenceArms(this.arms);
    const diverged = (a: number) => a < 0 || this.learners[a].divergedAt >= 0;
    const arms = seedArmResults(
      this.learners.map((l) => l.label),
      { frozen: ref.frozen, full: ref.dense, readout: ref.readout },
      this.losses,
      this.stream.errorMask,
      windowStart(this.config),
      this.t,
      (a) => this.learners[a].divergedAt,
      (a) => this.elapsedMs[a] / Math.max(1, this.t),
    ).map((r, a) => ({
      ...r,
      recovery: diverged(ref.dense) || diverged(a) ? NaN : r.recovery,
      recoveryBeyondReadout: diverged(ref.dense) || diverged(ref.readout) || diverged(a) ? NaN : r.recoveryBeyondReadout,
    }));
    return {
      seed: this.seed,
      paramCount: transformerParamCount(this.shape),
      pretrainLoss: this.pretrainLoss,
      arms,
      losses: this.losses,
      costs: this.arms.map((arm) =>
        transformerArmCost(this.shape, arm, { bytesPerFloat: this.config.precision === 'f64' ? 8 : 4, trackHeads: this.config.trackHeads }),
      ),
      meanHeadNorm: this.normSum.map((s, a) => s.map((v, i) => (this.normCount[a][i] > 0 ? v / this.normCount[a][i] : NaN))),
    };
  }
}

/** Where frozen, readout-only and dense (ρ = 1) sit in an arm list (-1 when absent). */
export function transformerReferenceArms(arms: readonly HeadArm[]): { frozen: number; readout: number; dense: number } {
  return {
    frozen: arms.findIndex((a) => a.kind === 'frozen'),
    readout: arms.findIndex((a) => a.kind === 'readout'),
    dense: arms.findIndex((a) => a.kind === 'heads' && a.fraction === 1),
  };
}

/** Runs one seed to the end; `onStep(run, t)` is called after each adaptation step t. */
export function runTransformerSeed(
  config: TransformerExperimentConfig,
  seed: number,
  onStep?: (run: TransformerSeedRun, t: number) => void,
  reuse?: { pretrained: TransformerParams; pretrainLoss: number[] },
): TransformerSeedResult {
  const run = new TransformerSeedRun(config, seed, reuse);
  while (!run.done) {
    run.step();
    onStep?.(run, run.t - 1);
  }
  return run.result();
}
