/**
 * Runs an experiment's seeds in parallel worker threads (one per core), then summarises exactly as
 * `runExperiment` does. Seeds are independent, so the numbers are identical to a sequential run; only
 * the wall time and the measured ms/step (which is per arm, per seed, under shared cores) change.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../engine/config';
import { summarize, type ExperimentResult, type Progress, type SeedResult } from '../engine/experiment';

// The worker is TypeScript, like the CLI: Node 20 workers do not inherit tsx's --import hook, so the
// bootstrap registers tsx itself before importing the worker module.
const WORKER_URL = new URL('./seedWorker.ts', import.meta.url).href;
const WORKER_BOOTSTRAP = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL)}); });`;

export async function runExperimentParallel(
  config: ExperimentConfig,
  onProgress?: (p: Progress) => void,
  threads = Math.min(availableParallelism(), config.seeds.length),
): Promise<ExperimentResult> {
  const { results, taskDescription } = await runSeedsInWorkers<SeedResult>(config.seeds, (seed) => ({ config, seed }), threads, config.adaptSteps, onProgress);
  return summarize(config, results, taskDescription);
}

/**
 * Runs one seedWorker per seed, at most `threads` at once, and collects each seed's posted result in seed
 * order. `workerData(seed)` says what the worker runs (a recurrent config, or a transformer job).
 */
export async function runSeedsInWorkers<R>(
  seeds: readonly number[],
  workerData: (seed: number) => unknown,
  threads: number,
  steps: number,
  onProgress?: (p: Progress) => void,
): Promise<{ results: R[]; taskDescription: string }> {
  const results: R[] = new Array(seeds.length);
  let taskDescription = '';
  let next = 0;
  const runOne = (seedIndex: number) =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: workerData(seeds[seedIndex]) });
      worker.on('message', (m) => {
        if (m.type === 'progress') {
          onProgress?.({ seedIndex, seedCount: seeds.length, phase: m.phase, step: m.step, steps });
        } else if (m.type === 'result') {
          results[seedIndex] = m.result;
          taskDescription = m.taskDescription;
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) =>
        code === 0 && results[seedIndex] ? resolve() : reject(new Error(`seed ${seeds[seedIndex]}: worker exited with code ${code}`)),
      );
    });
  const lane = async () => {
    while (next < seeds.length) await runOne(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, seeds.length)) }, lane));
  return { results, taskDescription };
}
