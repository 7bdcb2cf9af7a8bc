/**
 * The experiment runner's transformer path: `--model transformer` (src/engine/models/transformer). The
 * same protocol, table, JSON, statistics and learning-rate selection as the RNN's, with `dense` (ρ = 1,
 * every head carries gradient) as the reference in place of full RTRL and `readout` (only the output head
 * adapts) as the floor of recovery beyond the readout. Seeds run in worker threads.
 */
import { availableParallelism } from 'node:os';
import { armStatistics, type ArmSummary, type Progress } from '../engine/experiment';
import { pickRates, scoreRates } from '../engine/learningRateSelection';
import { headArmLabel, TransformerSeedRun, type TransformerExperimentConfig, type TransformerSeedResult } from '../engine/models/transformer';
import { NO_READOUT_ARM, referenceImprovement, transportGain, type ReferenceImprovement } from '../engine/statistics';
import { runSeedsInWorkers } from './parallelExperiment';

/** A transformer run: the config, its evaluation seeds and, under --lr-select per-arm, each arm's rate. */
export interface TransformerJob {
  config: TransformerExperimentConfig;
  seeds: number[];
  armLearningRates?: Record<string, number>;
}

/** The RNN's arm summary without the learning method: a transformer arm is named by its head fraction. */
export type TransformerArmSummary = Omit<ArmSummary, 'method'>;

export interface TransformerExperimentResult {
  job: TransformerJob;
  taskDescription: string;
  /** the dense arm's own improvement over frozen, and whether recovery is defined */
  reference: ReferenceImprovement;
  /** the dense arm's gain over readout-only, (L_readout − L_dense) / L_readout, and whether the task needs transport; null without a readout arm */
  transportGain: ReferenceImprovement | null;
  arms: TransformerArmSummary[];
  seeds: TransformerSeedResult[];
}

/** One seed, in this thread: the steppable run with any per-arm rates applied before the first step. */
export function runTransformerSeedJob(
  job: TransformerJob,
  seed: number,
  onProgress?: (step: number) => void,
): { result: TransformerSeedResult; taskDescription: string } {
  const run = new TransformerSeedRun(job.config, seed);
  run.learners.forEach((l, a) => {
    const own = job.armLearningRates?.[headArmLabel(run.arms[a])];
    if (own !== undefined) l.setLearningRate(own);
  });
  const every = Math.max(1, Math.floor(job.config.adaptSteps / 20));
  while (!run.done) {
    run.step();
    if (run.t % every === 0) onProgress?.(run.t);
  }
  return { result: run.result(), taskDescription: run.task.description };
}

/** Every seed of the job (in `threads` worker threads, or in-process with one), summarised per arm. */
export async function runTransformerExperiment(
  job: TransformerJob,
  threads: number = availableParallelism(),
  onProgress?: (p: Progress) => void,
): Promise<TransformerExperimentResult> {
  const steps = job.config.adaptSteps;
  if (threads > 1) {
    const { results, taskDescription } = await runSeedsInWorkers<TransformerSeedResult>(
      job.seeds,
      (seed) => ({ transformer: job, seed }),
      threads,
      steps,
      onProgress,
    );
    return summarizeTransformer(job, results, taskDescription);
  }
  const seedCount = job.seeds.length;
  let taskDescription = '';
  const results = job.seeds.map((seed, seedIndex) => {
    onProgress?.({ seedIndex, seedCount, phase: 'pretrain', step: 0, steps });
    const r = runTransformerSeedJob(job, seed, (step) => onProgress?.({ seedIndex, seedCount, phase: 'adapt', step, steps }));
    taskDescription = r.taskDescription;
    return r.result;
  });
  return summarizeTransformer(job, results, taskDescription);
}

export function summarizeTransformer(job: TransformerJob, seeds: TransformerSeedResult[], taskDescription: string): TransformerExperimentResult {
  const labels = seeds[0].arms.map((a) => a.label);
  const at = (label: string) => labels.indexOf(label);
  // a seed where the arm diverged gives NaN and drops out of the reference's statistics
  const lossOf = (a: number) => seeds.map((s) => (s.arms[a].divergedAt >= 0 ? NaN : s.arms[a].meanLoss));
  const reference = referenceImprovement(
    seeds.map((s) => s.arms[at('frozen')].meanLoss),
    lossOf(at('dense')),
  );
  reference.undefinedReason = denseWording(reference.undefinedReason);
  const gain = at('readout') >= 0 ? transportGain(lossOf(at('readout')), lossOf(at('dense'))) : null;
  if (gain) gain.undefinedReason = denseWording(gain.undefinedReason);
  const beyondUndefined = gain === null ? NO_READOUT_ARM : gain.undefinedReason;
  const arms = labels.map((label, a): TransformerArmSummary => {
    const perSeed = seeds.map((s) => s.arms[a]);
    return {
      label,
      learningRate: job.armLearningRates?.[label] ?? job.config.optimizer.lr,
      recoveryUndefined: reference.undefinedReason,
      recoveryBeyondReadoutUndefined: beyondUndefined,
      ...armStatistics(perSeed),
      macsPerStep: seeds[0].costs[a].macs,
      bytesPerStep: seeds[0].costs[a].bytes,
    };
  });
  return { job, taskDescription, reference, transportGain: gain, arms, seeds };
}

/** The statistics module's reasons name the RNN's reference; the transformer's is the dense arm. */
function denseWording(reason: string | null): string | null {
  return reason === null ? null : reason.replace(/full RTRL/g, 'the dense arm');
}

/**
 * --lr-select for the transformer: each grid rate on the tuning seeds; `full` takes the rate that minimises
 * the dense arm's mean loss for every arm, `per-arm` each arm its own. Not cached: it prints its cost.
 */
export async function selectTransformerRates(
  job: TransformerJob,
  mode: 'full' | 'per-arm',
  grid: readonly number[],
  tuningSeeds: number[],
  threads: number,
  log: (line: string) => void,
): Promise<{ job: TransformerJob; chosen: Record<string, number>; scores: Record<string, number[]>; seconds: number }> {
  const start = performance.now();
  log(`lr selection (${mode}, transformer): ${grid.length} rates × ${tuningSeeds.length} tuning seeds (${tuningSeeds.join(', ')})`);
  const runs: TransformerExperimentResult[] = [];
  for (const lr of grid) {
    runs.push(await runTransformerExperiment({ config: { ...job.config, optimizer: { ...job.config.optimizer, lr } }, seeds: tuningSeeds }, threads));
    log(`  lr ${lr}: done (${((performance.now() - start) / 1000).toFixed(0)} s so far)`);
  }
  const scores = scoreRates(runs);
  const chosen = pickRates(mode, grid, scores, 'dense');
  const dense = chosen['dense'];
  const seconds = (performance.now() - start) / 1000;
  log(`lr selection (${mode}, transformer) took ${seconds.toFixed(0)} s`);
  const selected: TransformerJob = {
    ...job,
    config: { ...job.config, optimizer: { ...job.config.optimizer, lr: dense } },
    armLearningRates: mode === 'per-arm' ? chosen : undefined,
  };
  return { job: selected, chosen, scores, seconds };
}
