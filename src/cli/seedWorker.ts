/** Worker thread: runs one seed of an experiment (recurrent or transformer) and posts its result (and progress) back. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExperimentConfig } from '../engine/config';
import { SeedRun } from '../engine/experiment';
import { runTransformerSeedJob, type TransformerJob } from './transformerExperiment';

const data = workerData as { config: ExperimentConfig; seed: number } | { transformer: TransformerJob; seed: number };
const port = parentPort!;
port.postMessage({ type: 'progress', phase: 'pretrain', step: 0 });
if ('transformer' in data) {
  const { result, taskDescription } = runTransformerSeedJob(data.transformer, data.seed, (step) =>
    port.postMessage({ type: 'progress', phase: 'adapt', step }),
  );
  port.postMessage({ type: 'result', result, taskDescription });
} else {
  const { config, seed } = data;
  const run = new SeedRun(config, seed);
  const every = Math.max(1, Math.floor(config.adaptSteps / 20));
  while (!run.done) {
    run.step();
    if (run.t % every === 0) port.postMessage({ type: 'progress', phase: 'adapt', step: run.t });
  }
  const result = run.result();
  port.postMessage(
    { type: 'result', result, taskDescription: run.task.description },
    result.losses.map((l) => l.buffer as ArrayBuffer),
  );
}
