/**
 * The experiment protocol (science.md §6): pretrain on regime A, drift to regime B, then adapt every arm
 * in lockstep from identical weights on an identical stream. One `SeedRun` is one seed, steppable (the
 * app's worker advances it frame by frame); `runExperiment` runs every seed and summarises.
 */
import type { ExperimentConfig } from './config';
import { armLearningRate, validateConfig } from './config';
import { GradientFidelityProbe } from './gradientFidelity';
import type { OnlineLearner } from './learner';
import { methodCost, methodLabel, type LearningMethod } from './methods';
import { modelJacobianSpectrum, sensitivitySpectrum } from './metrics';
import { MODELS, type ModelParams, type ModelSettings } from './models';
import { Rng } from './rng';
import { NO_READOUT_ARM, referenceImprovement, seedStatistics, transportGain } from './statistics';
import type { Sequence, Task } from './tasks/task';
import { createTask } from './tasks';
import { armLearners, prepareSeed } from './protocol/prepareSeed';
import { armSeedResults, referenceArms } from './protocol/lossWindow';
import type { ArmSeedResult, ArmSummary, ExperimentResult, Progress, SeedResult } from './protocol/results';
import { stepArms, type SeedRunner } from './protocol/seedRun';

export type { ArmSeedResult, ArmSummary, ExperimentResult, Progress, SeedResult } from './protocol/results';
export type { SeedRunner } from './protocol/seedRun';

/** An arm's learner: the RNN's or the LSTM's, stepped alike. */
export type ArmLearner = OnlineLearner;

export class SeedRun implements SeedRunner {
  readonly seed: number;
  readonly config: ExperimentConfig;
  /** n, m, o of the model (leak is the RNN's only) */
  readonly shape: ModelSettings;
  readonly task: Task;
  readonly pretrained: ModelParams;
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
    const prepared = prepareSeed(config, seed);
    this.task = prepared.task;
    this.shape = prepared.shape;
    this.pretrained = prepared.pretrained;
    this.pretrainLoss = prepared.pretrainLoss;
    this.stream = prepared.stream;
    this.learners = armLearners(config, prepared);
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

  /** Advances every arm by up to `steps` steps in lockstep (the SeedRunner interface). */
  advance(steps: number): void {
    for (let s = 0; s < steps && !this.done; s++) this.step();
  }

  /** Advances every arm by one adaptation step, in lockstep. */
  step(): void {
    const t = this.t;
    stepArms(this.learners, this.stream, t, this.losses, this.elapsedMs);
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
    // J_t's spectrum from any model's own state Jacobian (n × n for the RNN, 2n × 2n for the LSTM); P_t's
    // where the full arm keeps one (the RNN's)
    const full = this.learners.find((l) => l.method.kind === 'full');
    if (full && full.divergedAt < 0) {
      const s = modelJacobianSpectrum(full.model);
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
    const arms = armSeedResults(
      this.config,
      this.losses,
      this.stream.errorMask,
      this.t,
      (a) => this.learners[a].divergedAt,
      (a) => this.elapsedMs[a] / Math.max(1, this.t),
    );
    const gradientCosine: Record<string, number> = {};
    this.config.arms.filter((a) => a.kind === 'sparse').forEach((a, j) => (gradientCosine[methodLabel(a)] = this.cosineSum[j] / this.cosineCount[j]));
    return {
      seed: this.seed,
      paramCount: MODELS[this.config.model ?? 'rnn'].paramCount(this.shape),
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

/**
 * One arm over seeds: its mean loss and paired recovery as statistics (a diverged seed's recovery drops
 * out), how many seeds diverged, its mean measured time per step. Every model's summary uses it.
 */
export function armStatistics(
  perSeed: readonly ArmSeedResult[],
): Pick<ArmSummary, 'meanLoss' | 'recovery' | 'recoveryBeyondReadout' | 'diverged' | 'msPerStep'> {
  return {
    meanLoss: seedStatistics(perSeed.map((r) => r.meanLoss)),
    recovery: seedStatistics(perSeed.map((r) => (r.divergedAt >= 0 ? NaN : r.recovery))),
    recoveryBeyondReadout: seedStatistics(perSeed.map((r) => (r.divergedAt >= 0 ? NaN : r.recoveryBeyondReadout))),
    diverged: perSeed.filter((r) => r.divergedAt >= 0).length,
    msPerStep: perSeed.reduce((acc, r) => acc + r.msPerStep, 0) / Math.max(1, perSeed.length),
  };
}

export function summarize(config: ExperimentConfig, seeds: SeedResult[], taskDescription: string): ExperimentResult {
  const p = seeds.length > 0 ? seeds[0].paramCount : config.n * (config.n + 2);
  const ref = referenceArms(config.arms);
  // a seed where full RTRL (or readout-only) diverged gives NaN and drops out of the reference's statistics
  const lossOf = (a: number) => seeds.map((s) => (s.arms[a].divergedAt >= 0 ? NaN : s.arms[a].meanLoss));
  const reference = referenceImprovement(
    seeds.map((s) => s.arms[ref.frozen].meanLoss),
    lossOf(ref.full),
  );
  const gain = ref.readout >= 0 ? transportGain(lossOf(ref.readout), lossOf(ref.full)) : null;
  const beyondUndefined = gain === null ? NO_READOUT_ARM : gain.undefinedReason;
  const arms = config.arms.map((method, a): ArmSummary => {
    const cost = methodCost(method, config.n, p, 4, config.model ?? 'rnn');
    const perSeed = seeds.map((s) => s.arms[a]);
    const label = methodLabel(method);
    return {
      label,
      method,
      learningRate: armLearningRate(config, label),
      recoveryUndefined: reference.undefinedReason,
      recoveryBeyondReadoutUndefined: beyondUndefined,
      ...armStatistics(perSeed),
      macsPerStep: cost.macs,
      bytesPerStep: cost.bytes,
    };
  });
  return {
    config,
    taskDescription,
    reference,
    trivialLoss: createTask(config.task, new Rng(0), config.taskOptions).trivialLoss ?? null,
    transportGain: gain,
    arms,
    seeds,
    jacobianCondition: seedStatistics(seeds.flatMap((s) => s.jacobianCondition)),
    jacobianEffectiveRank: seedStatistics(seeds.flatMap((s) => s.jacobianEffectiveRank)),
    sensitivityCondition: seedStatistics(seeds.flatMap((s) => s.sensitivityCondition)),
  };
}
