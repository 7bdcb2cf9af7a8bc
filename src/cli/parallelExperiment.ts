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
  const results: SeedResult[] = new Array(config.seeds.length);
  let taskDescription = '';
  let next = 0;
  const runOne = (seedIndex: number) =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { config, seed: config.seeds[seedIndex] } });
      worker.on('message', (m) => {
        if (m.type === 'progress') {
          onProgress?.({ seedIndex, seedCount: config.seeds.length, phase: m.phase, step: m.step, steps: config.adaptSteps });
        } else if (m.type === 'result') {
          results[seedIndex] = m.result;
          taskDescription = m.taskDescription;
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 && results[seedIndex] ? resolve() : reject(new Error(`seed ${config.seeds[seedIndex]}: worker exited with code ${code}`))));
    });
  const lane = async () => {
    while (next < config.seeds.length) await runOne(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, threads) }, lane));
  return summarize(config, results, taskDescription);
}
