/**
 * The experiment protocol on the GPU, with the CPU engine's interface: `GpuSeedRun` mirrors SeedRun
 * (async `create`, `advance(steps)`, `result()`), and `runExperimentGpu` mirrors runExperiment, batching
 * every arm and seed into the same dispatches (in waves when the memory planner says they do not fit).
 * Pretraining and the drift stream come from the engine's protocol (engine/protocol/prepareSeed.ts), the
 * initial selections from laneFor (protocol.ts), and the loss window and recovery from the same code as
 * SeedRun.result() (engine/protocol/lossWindow.ts); GpuSeedRun and SeedRun share the SeedRunner interface.
 *
 * Differences from the CPU engine, by design: ms/step is the wall time of one batched step (all lanes
 * together), the same for every arm of a batch; the gradient-fidelity probe (--fidelity) is not run on
 * the GPU, so gradientCosine stays empty; only the methods whose record says the GPU runs them for the
 * model (runsOnGpu) run here, at one learning rate for every arm. Every model's lanes run in a GpuBatch
 * (batch.ts) through the model's GPU record.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { validateConfig, type ExperimentConfig } from '../engine/config';
import { summarize, type ExperimentResult, type Progress, type SeedResult, type SeedRunner } from '../engine/experiment';
import { gpuMethodKinds, methodLabel, methodRecord, runsOnGpu, type LearningMethod } from '../engine/methods';
import { jacobianSpectrum, spectrumOf } from '../engine/metrics';
import { MODEL_KINDS, MODELS, type ModelKind } from '../engine/models';
import { pStorageSetting, type PStorage } from '../engine/precision';
import type { RnnParams } from '../engine/models/rnn';
import type { Sequence } from '../engine/tasks/task';
import { armSeedResults, referenceArms } from '../engine/protocol/lossWindow';
import { GpuBatch, type GpuContext, type MetricSample } from './batch';
import { GpuError } from './errors';
import { planMemory, planOneBatch, type MemoryPlan } from './memoryPlan';
import { laneFor, prepareSeed, type PreparedSeed } from './protocol';
import type { SparsePreference } from './sparseVariant';

/** The arm kinds the GPU engine runs (for the RNN), as the method registry states them. */
export const GPU_ARM_KINDS: readonly string[] = gpuMethodKinds('rnn');

/** The models the GPU engine runs: those some method's record runs on the GPU. */
const GPU_MODELS: readonly ModelKind[] = MODEL_KINDS.filter((m) => gpuMethodKinds(m).length > 0);

/**
 * Throws a GpuError naming what the GPU engine does not run: a model, a method, or (given the rates)
 * per-arm learning rates that differ (the GPU batch has one learning rate for every lane).
 */
export function checkGpuArms(
  arms: readonly LearningMethod[],
  model?: string,
  rates?: { optimizer: { lr: number }; armLearningRates?: Record<string, number> },
): void {
  const kind = (model ?? 'rnn') as ModelKind;
  if (!GPU_MODELS.includes(kind))
    throw new GpuError('validation', `the GPU engine runs the ${GPU_MODELS.join(', ')} model only; --model ${model} runs on the CPU engine (--backend cpu)`);
  const other = arms.find((a) => !runsOnGpu(a, kind));
  if (other) {
    const forms = gpuMethodKinds(kind).map((k) => methodRecord(k).form);
    const forModel = GPU_MODELS.length > 1 ? ` for the ${kind.toUpperCase()}` : '';
    throw new GpuError('validation', `the GPU engine runs ${forms.join(', ')} arms only${forModel}; '${other.kind}' runs on the CPU engine (--backend cpu)`);
  }
  const own = Object.entries(rates?.armLearningRates ?? {}).find(([label, lr]) => lr !== rates!.optimizer.lr && arms.some((a) => methodLabel(a) === label));
  if (own)
    throw new GpuError(
      'validation',
      `the GPU engine runs every arm at one learning rate; ${own[0]} has its own (${own[1]}): per-arm rates run on the CPU engine (--backend cpu)`,
    );
}

export interface GpuRunOptions {
  /** memory budget for the planner (bytes) */
  budgetBytes?: number;
  /** steps per submit and per loss readback */
  readbackEvery?: number;
  /** the sparse transport kernel (sparseVariant.ts); 'auto' chooses by adapter */
  sparseKernel?: SparsePreference;
  /**
   * how P is stored between steps (BatchOptions.pStorage); default the engine's setting,
   * SPARSE_RTRL_P_STORAGE (precision.ts), so a CPU run and a GPU run with one setting store P alike
   */
  pStorage?: PStorage;
}

/** Per-arm outcome of one lane, gathered from whichever wave ran it. */
interface LaneOutcome {
  losses: Float32Array;
  divergedAt: number;
  msPerStep: number;
  norms: number[];
  /** full arm only: spectra inputs per sample */
  fullSamples: MetricSample['full'][number][];
  sampleSteps: number[];
}

/** The batch of `prepared`'s model: each lane one arm (`arms[i]`) of the seed on streams[streamOf[i]]. */
async function createBatch(
  ctx: GpuContext,
  config: ExperimentConfig,
  prepared: readonly PreparedSeed[],
  streams: readonly Sequence[],
  lanes: readonly { prepared: PreparedSeed; arm: LearningMethod; stream: number }[],
  label: string,
  options: GpuRunOptions,
): Promise<GpuBatch> {
  const first = prepared[0];
  return GpuBatch.create(
    ctx,
    first.shape,
    streams,
    lanes.map((l) => laneFor(l.prepared, l.arm, l.stream)),
    { ...batchOptions(config, label, options), model: first.model },
  );
}

function laneOutcome(batch: GpuBatch, ext: number): LaneOutcome {
  return {
    losses: batch.losses[ext],
    divergedAt: batch.divergedAt[ext],
    msPerStep: batch.elapsedMs / Math.max(1, batch.t),
    norms: batch.samples.map((s) => s.norms[ext]),
    fullSamples: batch.samples.map((s) => s.full.find((f) => f.lane === ext)).filter((f): f is NonNullable<typeof f> => f !== undefined),
    sampleSteps: batch.samples.map((s) => s.t),
  };
}

/** SeedRun.result() for lanes that ran on the GPU (same windows, recovery and metrics). */
function seedResult(config: ExperimentConfig, prepared: PreparedSeed, outcomes: LaneOutcome[], stepsDone: number): SeedResult {
  const curves = outcomes.map((o) => o.losses);
  const arms = armSeedResults(
    config,
    curves,
    prepared.stream.errorMask,
    stepsDone,
    (a) => outcomes[a].divergedAt,
    (a) => outcomes[a].msPerStep,
  );
  const fullIndex = referenceArms(config.arms).full;
  const jacobianCondition: number[] = [];
  const jacobianEffectiveRank: number[] = [];
  const sensitivityCondition: number[] = [];
  if (fullIndex >= 0) {
    const full = outcomes[fullIndex];
    const { n } = prepared.shape;
    full.fullSamples.forEach((s, j) => {
      const t = full.sampleSteps[j];
      // SeedRun samples only while the full arm is alive (divergedAt is set at the step that diverged)
      if (full.divergedAt >= 0 && full.divergedAt <= t) return;
      // the RNN's spectra (an LSTM batch samples ‖P‖ only, as SeedRun does for the LSTM)
      const spec = jacobianSpectrum({ shape: prepared.shape, theta: s.W, readout: new Float32Array(0) } as RnnParams, s.d);
      jacobianCondition.push(spec.condition);
      jacobianEffectiveRank.push(spec.effectiveRank);
      if (t > 0) sensitivityCondition.push(gramSpectrumCondition(s.gram, n));
    });
  }
  return {
    seed: prepared.seed,
    paramCount: MODELS[prepared.model].paramCount(prepared.shape),
    pretrainLoss: prepared.pretrainLoss,
    arms,
    losses: curves,
    jacobianCondition,
    jacobianEffectiveRank,
    sensitivityCondition,
    sensitivityNorm: outcomes.map((o) => o.norms),
    gradientCosine: {},
  };
}

/** Condition number of P from its Gram matrix P Pᵀ: σ = sqrt(eig) (metrics.ts sensitivitySpectrum). */
export function gramSpectrumCondition(gram: Float32Array, n: number): number {
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => 0.5 * (gram[i * n + j] + gram[j * n + i])));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  return spectrumOf(evd.realEigenvalues.map((e) => Math.sqrt(Math.max(0, e)))).condition;
}

function batchOptions(config: ExperimentConfig, label: string, options: GpuRunOptions) {
  return {
    optimizer: config.optimizer,
    metricsEvery: config.metricsEvery,
    readbackEvery: options.readbackEvery ?? 50,
    label,
    sparseKernel: options.sparseKernel,
    pStorage: options.pStorage ?? pStorageSetting(),
  };
}

/** One seed of the experiment on the GPU: every arm of the seed in one batch. */
export class GpuSeedRun implements SeedRunner {
  readonly seed: number;
  readonly config: ExperimentConfig;
  readonly prepared: PreparedSeed;
  readonly batch: GpuBatch;

  private constructor(config: ExperimentConfig, prepared: PreparedSeed, batch: GpuBatch) {
    this.config = config;
    this.seed = prepared.seed;
    this.prepared = prepared;
    this.batch = batch;
  }

  static async create(ctx: GpuContext, config: ExperimentConfig, seed: number, options: GpuRunOptions = {}): Promise<GpuSeedRun> {
    validateConfig(config);
    checkGpuArms(config.arms, config.model, config);
    const prepared = prepareSeed(config, seed);
    const { n, m, o } = prepared.shape;
    planOneBatch(
      ctx,
      {
        n,
        m,
        o,
        model: prepared.model,
        arms: config.arms,
        steps: config.adaptSteps,
        budgetBytes: options.budgetBytes,
        pStorage: options.pStorage ?? pStorageSetting(),
      },
      (summary) => `one seed's arms do not fit at once (${summary}); use runExperimentGpu, which runs them in waves`,
    );
    const lanes = config.arms.map((arm) => ({ prepared, arm, stream: 0 }));
    const batch = await createBatch(ctx, config, [prepared], [prepared.stream], lanes, `seed ${seed}`, options);
    return new GpuSeedRun(config, prepared, batch);
  }

  get t(): number {
    return this.batch.t;
  }
  get done(): boolean {
    return this.batch.done;
  }
  get losses(): Float32Array[] {
    return this.batch.losses;
  }

  advance(steps: number): Promise<void> {
    return this.batch.advance(steps);
  }

  setLearningRate(lr: number): void {
    this.batch.setLearningRate(lr);
  }

  result(): SeedResult {
    return seedResult(
      this.config,
      this.prepared,
      this.config.arms.map((_, a) => laneOutcome(this.batch, a)),
      this.batch.t,
    );
  }

  destroy(): void {
    this.batch.destroy();
  }
}

export interface GpuExperimentResult extends ExperimentResult {
  /** how the lanes were laid out on the device */
  plan: MemoryPlan;
}

/** Every seed and arm of the experiment on the GPU, batched (in waves if needed), then summarised. */
export async function runExperimentGpu(
  ctx: GpuContext,
  config: ExperimentConfig,
  onProgress?: (p: Progress) => void,
  options: GpuRunOptions = {},
): Promise<GpuExperimentResult> {
  validateConfig(config);
  checkGpuArms(config.arms, config.model, config);
  const seedCount = config.seeds.length;
  const prepared: PreparedSeed[] = [];
  config.seeds.forEach((seed, seedIndex) => {
    onProgress?.({ seedIndex, seedCount, phase: 'pretrain', step: 0, steps: config.adaptSteps });
    prepared.push(prepareSeed(config, seed));
  });
  const { n, m, o } = prepared[0].shape;
  const plan = planMemory({
    n,
    m,
    o,
    model: prepared[0].model,
    arms: config.arms,
    seedCount,
    steps: config.adaptSteps,
    limits: ctx.device.limits,
    budgetBytes: options.budgetBytes,
    pStorage: options.pStorage ?? pStorageSetting(),
  });
  const outcomes: LaneOutcome[][] = config.seeds.map(() => []);
  for (const [w, wave] of plan.waves.entries()) {
    const seedsInWave = [...new Set(wave.map((l) => l.seedIndex))];
    const lanes = wave.map((l) => ({ prepared: prepared[l.seedIndex], arm: config.arms[l.armIndex], stream: seedsInWave.indexOf(l.seedIndex) }));
    const streams = seedsInWave.map((s) => prepared[s].stream);
    const batch = await createBatch(ctx, config, prepared, streams, lanes, `wave ${w + 1}/${plan.waves.length}`, options);
    try {
      const every = Math.max(1, Math.floor(config.adaptSteps / 20));
      while (!batch.done) {
        await batch.advance(every);
        for (const s of seedsInWave) onProgress?.({ seedIndex: s, seedCount, phase: 'adapt', step: batch.t, steps: config.adaptSteps });
      }
      wave.forEach((l, ext) => (outcomes[l.seedIndex][l.armIndex] = laneOutcome(batch, ext)));
    } finally {
      batch.destroy();
    }
  }
  const seeds = prepared.map((p, s) => seedResult(config, p, outcomes[s], config.adaptSteps));
  return { ...summarize(config, seeds, prepared[0].task.description), plan };
}
