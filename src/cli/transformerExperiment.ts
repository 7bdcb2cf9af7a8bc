/**
 * The experiment runner's transformer path: `--model transformer` (src/engine/models/transformer). The
 * same protocol, table, JSON, statistics and learning-rate selection as the RNN's, with `dense` (ρ = 1,
 * every head carries gradient) as the reference in place of full RTRL. Seeds run in worker threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ArmSummary, Progress } from '../engine/experiment';
import { headArmLabel, TransformerSeedRun, type TransformerExperimentConfig, type TransformerSeedResult } from '../engine/models/transformer';
import { referenceImprovement, seedStatistics, type ReferenceImprovement } from '../engine/statistics';

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
  arms: TransformerArmSummary[];
  seeds: TransformerSeedResult[];
}

/** One seed, in this thread: the steppable run with any per-arm rates applied before the first step. */
export function runTransformerSeedJob(job: TransformerJob, seed: number, onProgress?: (step: number) => void): { result: TransformerSeedResult; taskDescription: string } {
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

// The worker is TypeScript, like the CLI: Node 20 workers do not inherit tsx's hook, so the bootstrap registers it.
const WORKER_URL = new URL('./seedWorker.ts', import.meta.url).href;
const WORKER_BOOTSTRAP = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL)}); });`;

/** Every seed of the job (in `threads` worker threads, or in-process with one), summarised per arm. */
export async function runTransformerExperiment(job: TransformerJob, threads: number = availableParallelism(), onProgress?: (p: Progress) => void): Promise<TransformerExperimentResult> {
  const results: TransformerSeedResult[] = new Array(job.seeds.length);
  let taskDescription = '';
  const seedCount = job.seeds.length;
  if (threads <= 1) {
    job.seeds.forEach((seed, seedIndex) => {
      onProgress?.({ seedIndex, seedCount, phase: 'pretrain', step: 0, steps: job.config.adaptSteps });
      const r = runTransformerSeedJob(job, seed, (step) => onProgress?.({ seedIndex, seedCount, phase: 'adapt', step, steps: job.config.adaptSteps }));
      results[seedIndex] = r.result;
      taskDescription = r.taskDescription;
    });
    return summarizeTransformer(job, results, taskDescription);
  }
  let next = 0;
  const runOne = (seedIndex: number) =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { transformer: job, seed: job.seeds[seedIndex] } });
      worker.on('message', (m) => {
        if (m.type === 'progress') onProgress?.({ seedIndex, seedCount, phase: m.phase, step: m.step, steps: job.config.adaptSteps });
        else if (m.type === 'result') {
          results[seedIndex] = m.result;
          taskDescription = m.taskDescription;
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 && results[seedIndex] ? resolve() : reject(new Error(`seed ${job.seeds[seedIndex]}: worker exited with code ${code}`))));
    });
  const lane = async () => {
    while (next < seedCount) await runOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(threads, seedCount) }, lane));
  return summarizeTransformer(job, results, taskDescription);
}

export function summarizeTransformer(job: TransformerJob, seeds: TransformerSeedResult[], taskDescription: string): TransformerExperimentResult {
  const labels = seeds[0].arms.map((a) => a.label);
  const at = (label: string) => labels.indexOf(label);
  const reference = referenceImprovement(
    seeds.map((s) => s.arms[at('frozen')].meanLoss),
    seeds.map((s) => (s.arms[at('dense')].divergedAt >= 0 ? NaN : s.arms[at('dense')].meanLoss)),
  );
  const arms = labels.map((label, a): TransformerArmSummary => {
    const perSeed = seeds.map((s) => s.arms[a]);
    return {
      label,
      learningRate: job.armLearningRates?.[label] ?? job.config.optimizer.lr,
      meanLoss: seedStatistics(perSeed.map((r) => r.meanLoss)),
      recovery: seedStatistics(perSeed.map((r) => (r.divergedAt >= 0 ? NaN : r.recovery))),
      recoveryUndefined: reference.undefinedReason?.replace('full RTRL', 'the dense arm') ?? null,
      diverged: perSeed.filter((r) => r.divergedAt >= 0).length,
      msPerStep: perSeed.reduce((acc, r) => acc + r.msPerStep, 0) / perSeed.length,
      macsPerStep: seeds[0].costs[a].macs,
      bytesPerStep: seeds[0].costs[a].bytes,
    };
  });
  return { job, taskDescription, reference, arms, seeds };
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
  const scores: Record<string, number[]> = {};
  for (const [i, a] of runs[0].arms.entries()) {
    scores[a.label] = runs.map((r) => (r.arms[i].diverged > 0 || !Number.isFinite(r.arms[i].meanLoss.mean) ? Infinity : r.arms[i].meanLoss.mean));
  }
  const best = (label: string) => grid[scores[label].reduce((b, s, i, all) => (s < all[b] ? i : b), 0)];
  const dense = best('dense');
  const chosen = Object.fromEntries(Object.keys(scores).map((label) => [label, mode === 'per-arm' && label !== 'frozen' ? best(label) : dense]));
  const seconds = (performance.now() - start) / 1000;
  log(`lr selection (${mode}, transformer) took ${seconds.toFixed(0)} s`);
  const selected: TransformerJob = { ...job, config: { ...job.config, optimizer: { ...job.config.optimizer, lr: dense } }, armLearningRates: mode === 'per-arm' ? chosen : undefined };
  return { job: selected, chosen, scores, seconds };
}
