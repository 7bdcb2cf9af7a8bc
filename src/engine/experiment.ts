/**
 * The experiment protocol (science.md §6): pretrain on regime A, drift to regime B, then adapt every arm
 * in lockstep from identical weights on an identical stream. One `SeedRun` is one seed, steppable (the
 * app's worker advances it frame by frame); `runExperiment` runs every seed and summarises.
 */
import type { ExperimentConfig } from './config';
import { armLearningRate, validateConfig } from './config';
import { GradientFidelityProbe } from './gradientFidelity';
import { OnlineLearner } from './learner';
import { methodCost, methodLabel, type LearningMethod } from './methods';
import { jacobianSpectrum, recoveryPercent, sensitivitySpectrum } from './metrics';
import { referenceImprovement, seedStatistics, type ReferenceImprovement, type SeedStatistics } from './statistics';
import { initLstm, lstmParamCount, type LstmParams } from './models/lstm';
import { lstmBpttGradient } from './models/bptt';
import { createModel } from './models';
import { pretrain, pretrainWith } from './pretrain';
import { initRnn, recurrentParamCount, type RnnParams, type RnnShape } from './models/rnn';
import { Rng, seededStreams } from './rng';
import { createTask } from './tasks';
import type { Sequence, Task } from './tasks/task';

export interface ArmSeedResult {
  label: string;
  /** mean per-step loss over the recovery window (steps with an error signal only) */
  meanLoss: number;
  /** recovery in % against this seed's frozen and full arms; NaN if this arm or full diverged */
  recovery: number;
  /** adaptation step of the first NaN/Inf, or -1 */
  divergedAt: number;
  /** measured wall time per step of this arm */
  msPerStep: number;
}

export interface SeedResult {
  seed: number;
  /** p, the recurrent parameter count (columns of P) */
  paramCount: number;
  /** mean loss per pretraining epoch on regime A */
  pretrainLoss: number[];
  arms: ArmSeedResult[];
  /** per-arm loss curves over the adaptation, indexed like `arms` */
  losses: Float32Array[];
  /** condition numbers of the full arm's J_t, sampled every `metricsEvery` steps */
  jacobianCondition: number[];
  /** effective ranks of the full arm's J_t, sampled alongside */
  jacobianEffectiveRank: number[];
  /** condition numbers of the full arm's P_t (through its Gram matrix), sampled alongside */
  sensitivityCondition: number[];
  /** ‖P_t‖ per arm (NaN for frozen), sampled every `metricsEvery` steps: sensitivityNorm[arm][sample] */
  sensitivityNorm: number[][];
  /** mean cos(g_k, g_full) per sparse arm over the adaptation (only with `fidelity`), by label */
  gradientCosine: Record<string, number>;
}

export interface ArmSummary {
  label: string;
  method: LearningMethod;
  /** the learning rate this arm ran with (its own under `--lr-select per-arm`) */
  learningRate: number;
  meanLoss: SeedStatistics;
  /** recovery per seed, paired (each seed's arm against that seed's frozen and full), as statistics */
  recovery: SeedStatistics;
  /** null when recovery means something; else why it does not (the reference did not adapt) */
  recoveryUndefined: string | null;
  diverged: number;
  msPerStep: number;
  macsPerStep: number;
  bytesPerStep: number;
}

export interface ExperimentResult {
  config: ExperimentConfig;
  taskDescription: string;
  /** full RTRL's own improvement over frozen, (L_frozen − L_full) / L_frozen, and whether recovery is defined */
  reference: ReferenceImprovement;
  arms: ArmSummary[];
  seeds: SeedResult[];
  jacobianCondition: SeedStatistics;
  jacobianEffectiveRank: SeedStatistics;
  sensitivityCondition: SeedStatistics;
}

export interface Progress {
  seedIndex: number;
  seedCount: number;
  /** 'pretrain' while pretraining, else the adaptation step reached */
  phase: 'pretrain' | 'adapt';
  step: number;
  steps: number;
}

/** An arm's learner: the RNN's or the LSTM's, stepped alike. */
export type ArmLearner = OnlineLearner;

export class SeedRun {
  readonly seed: number;
  readonly config: ExperimentConfig;
  /** n, m, o of the model (leak is the RNN's only) */
  readonly shape: RnnShape;
  readonly task: Task;
  readonly pretrained: RnnParams | LstmParams;
  readonly pretrainLoss: number[];
  readonly stream: Sequence;
  readonly learners: ArmLearner[];
  readonly losses: Float32Array[];
  readonly probe: GradientFidelityProbe | null;
  /** adaptation steps done */
  t = 0;
  private readonly elapsedMs: Float64Array;
  private readonly cosineSum: Float64Array;
  private readonly cosineCount: Float64Array;
  readonly jacobianCondition: number[] = [];
  readonly jacobianEffectiveRank: number[] = [];
  readonly sensitivityCondition: number[] = [];
  readonly sensitivityNorm: number[][];

  constructor(config: ExperimentConfig, seed: number) {
    validateConfig(config);
    this.seed = seed;
    this.config = config;
    const streams = seededStreams(seed);
    this.task = createTask(config.task, streams.data);
    this.shape = { n: config.n, m: this.task.inputSize, o: this.task.outputSize, leak: config.leak };
    const lstm = config.model === 'lstm';
    const precision = config.precision ?? 'f32';
    const params = lstm
      ? initLstm(this.shape, streams.init, config.gain, precision)
      : initRnn(this.shape, streams.init, { gain: config.gain, inputScale: 1 }, precision);
    let hStart: Float32Array | undefined;
    if (config.pretrain.steps > 0) {
      const regimeA = this.task.generate('A', config.pretrain.steps, streams.data);
      const r = lstm
        ? pretrainWith(params as LstmParams, regimeA, config.pretrain, lstmBpttGradient, 2 * config.n)
        : pretrain(params as RnnParams, regimeA, config.pretrain);
      this.pretrainLoss = r.epochLoss;
      hStart = r.hEnd as Float32Array;
    } else {
      this.pretrainLoss = [];
    }
    this.pretrained = params;
    this.stream = this.task.generate('B', config.adaptSteps, streams.data);
    // Each arm's selection and noise streams depend on the seed and its own label only, so adding an arm
    // never reshuffles another arm's paths or noise.
    this.learners = config.arms.map((method) => {
      const label = methodLabel(method);
      const options = { optimizer: { ...config.optimizer, lr: armLearningRate(config, label) }, selectionRng: Rng.forLabel(seed, `selection ${label}`), noiseRng: Rng.forLabel(seed, `noise ${label}`) };
      return new OnlineLearner(createModel(config.model ?? 'rnn', params, hStart), method, options);
    });
    this.losses = config.arms.map(() => new Float32Array(config.adaptSteps).fill(NaN));
    this.elapsedMs = new Float64Array(config.arms.length);
    this.sensitivityNorm = config.arms.map(() => []);
    // the fidelity probe rides on the RNN's full arm (gradientFidelity.ts)
    const full = this.learners.find((l) => l.method.kind === 'full')?.asRnn();
    const sparse = config.arms.filter((a): a is Extract<LearningMethod, { kind: 'sparse' }> => a.kind === 'sparse');
    this.probe = config.fidelity && full ? new GradientFidelityProbe(full, sparse, (label) => Rng.forLabel(seed, label)) : null;
    if (this.probe && full) {
      const probe = this.probe;
      full.onTransport = (learner, seq, t) => probe.observe(learner, seq, t);
    }
    this.cosineSum = new Float64Array(sparse.length);
    this.cosineCount = new Float64Array(sparse.length);
  }

  get done(): boolean {
    return this.t >= this.config.adaptSteps;
  }

  /** Advances every arm by one adaptation step, in lockstep. */
  step(): void {
    const t = this.t;
    for (let a = 0; a < this.learners.length; a++) {
      const start = performance.now();
      this.losses[a][t] = this.learners[a].step(this.stream, t);
      this.elapsedMs[a] += performance.now() - start;
    }
    if (this.probe) {
      for (let j = 0; j < this.probe.lastCosine.length; j++) {
        const c = this.probe.lastCosine[j];
        if (Number.isFinite(c)) {
          this.cosineSum[j] += c;
          this.cosineCount[j]++;
        }
      }
    }
    const every = this.config.metricsEvery;
    if (every > 0 && t % every === 0) this.sampleMetrics();
    this.t++;
  }

  private sampleMetrics(): void {
    // The spectra are the RNN's J_t and P_t; the LSTM's arms report ‖P‖ only.
    const full = this.learners.find((l) => l.method.kind === 'full')?.asRnn();
    if (full && full.divergedAt < 0) {
      const s = jacobianSpectrum(full.params, full.state.d);
      this.jacobianCondition.push(s.condition);
      this.jacobianEffectiveRank.push(s.effectiveRank);
      // P's Gram costs n²p (one full step); skipped at t = 0, where P holds one immediate term only.
      if (this.t > 0 && full.sensitivity) {
        const P = full.sensitivity;
        this.sensitivityCondition.push(sensitivitySpectrum(P.current, P.n, P.p).condition);
      }
    }
    this.learners.forEach((l, a) => this.sensitivityNorm[a].push(l.sensitivityNorm()));
  }

  /** Per-arm results of this seed; call when `done`. */
  result(): SeedResult {
    const { adaptSteps, window } = this.config;
    const from = window === 'last-quarter' ? Math.floor((adaptSteps * 3) / 4) : 0;
    const meanLoss = this.losses.map((curve) => {
      let sum = 0;
      let count = 0;
      for (let t = from; t < this.t; t++) {
        if (this.stream.errorMask[t] !== 1) continue;
        sum += curve[t];
        count++;
      }
      return sum / count;
    });
    const frozenIndex = this.config.arms.findIndex((a) => a.kind === 'frozen');
    const fullIndex = this.config.arms.findIndex((a) => a.kind === 'full');
    const arms = this.learners.map((l, a) => ({
      label: l.label,
      meanLoss: meanLoss[a],
      recovery: recoveryPercent(meanLoss[frozenIndex], meanLoss[a], meanLoss[fullIndex]),
      divergedAt: l.divergedAt,
      msPerStep: this.elapsedMs[a] / Math.max(1, this.t),
    }));
    const gradientCosine: Record<string, number> = {};
    this.config.arms
      .filter((a) => a.kind === 'sparse')
      .forEach((a, j) => (gradientCosine[methodLabel(a)] = this.cosineSum[j] / this.cosineCount[j]));
    return {
      seed: this.seed,
      paramCount: this.config.model === 'lstm' ? lstmParamCount(this.shape) : recurrentParamCount(this.shape),
      pretrainLoss: this.pretrainLoss,
      arms,
      losses: this.losses,
      jacobianCondition: this.jacobianCondition,
      jacobianEffectiveRank: this.jacobianEffectiveRank,
      sensitivityCondition: this.sensitivityCondition,
      sensitivityNorm: this.sensitivityNorm,
      gradientCosine,
    };
  }
}

/** Runs every seed of the experiment on the CPU engine and summarises per arm. */
export function runExperiment(config: ExperimentConfig, onProgress?: (p: Progress) => void): ExperimentResult {
  validateConfig(config);
  const seeds: SeedResult[] = [];
  let taskDescription = '';
  config.seeds.forEach((seed, seedIndex) => {
    onProgress?.({ seedIndex, seedCount: config.seeds.length, phase: 'pretrain', step: 0, steps: config.adaptSteps });
    const run = new SeedRun(config, seed);
    taskDescription = run.task.description;
    const every = Math.max(1, Math.floor(config.adaptSteps / 20));
    while (!run.done) {
      run.step();
      if (run.t % every === 0) onProgress?.({ seedIndex, seedCount: config.seeds.length, phase: 'adapt', step: run.t, steps: config.adaptSteps });
    }
    seeds.push(run.result());
  });
  return summarize(config, seeds, taskDescription);
}

export function summarize(config: ExperimentConfig, seeds: SeedResult[], taskDescription: string): ExperimentResult {
  const p = seeds.length > 0 ? seeds[0].paramCount : config.n * (config.n + 2);
  const frozenIndex = config.arms.findIndex((a) => a.kind === 'frozen');
  const fullIndex = config.arms.findIndex((a) => a.kind === 'full');
  // a seed where full RTRL diverged gives NaN and drops out of the reference's statistics
  const reference = referenceImprovement(
    seeds.map((s) => s.arms[frozenIndex].meanLoss),
    seeds.map((s) => (s.arms[fullIndex].divergedAt >= 0 ? NaN : s.arms[fullIndex].meanLoss)),
  );
  const arms = config.arms.map((method, a): ArmSummary => {
    const cost = methodCost(method, config.n, p, 4, config.model ?? 'rnn');
    const perSeed = seeds.map((s) => s.arms[a]);
    const label = methodLabel(method);
    return {
      label,
      method,
      learningRate: armLearningRate(config, label),
      recoveryUndefined: reference.undefinedReason,
      meanLoss: seedStatistics(perSeed.map((r) => r.meanLoss)),
      recovery: seedStatistics(perSeed.map((r) => (r.divergedAt >= 0 ? NaN : r.recovery))),
      diverged: perSeed.filter((r) => r.divergedAt >= 0).length,
      msPerStep: perSeed.reduce((acc, r) => acc + r.msPerStep, 0) / Math.max(1, perSeed.length),
      macsPerStep: cost.macs,
      bytesPerStep: cost.bytes,
    };
  });
  return {
    config,
    taskDescription,
    reference,
    arms,
    seeds,
    jacobianCondition: seedStatistics(seeds.flatMap((s) => s.jacobianCondition)),
    jacobianEffectiveRank: seedStatistics(seeds.flatMap((s) => s.jacobianEffectiveRank)),
    sensitivityCondition: seedStatistics(seeds.flatMap((s) => s.sensitivityCondition)),
  };
}

