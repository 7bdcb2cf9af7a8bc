/// <reference lib="webworker" />
/**
 * Runs a background job (the recovery-vs-k and -vs-n sweeps, the learning-rate sweep, the recovery map, cost
 * against quality, the transformer's head-fraction sweep) from the page's job spec: it builds the engine's
 * configurations itself (sweep.ts), runs configurations × seeds one SeedRun at a time, and posts each
 * seed's readings as it finishes (the map's grids and the frontier summarised here, for the page to draw)
 * and its progress in steps every few steps. A `cancel`, or a newer `run`, stops the job at the next
 * progress point.
 */
import type { ArmSeedResult } from '../../engine/protocol/results';
import { SeedRun } from '../../engine/experiment';
import type { ExperimentConfig } from '../../engine/config';
import { TransformerSeedRun } from '../../engine/models/transformer/protocol';
import { transformerSweepSpec, type FromSweep, type JobSpec, type ToSweep } from '../contract';
import { JobResults, workerJob } from './sweep';
import { transformerSweepConfig } from './transformerLiveRun';

export type { FromSweep, ToSweep } from '../contract';

/** Adaptation steps between progress messages (and chances to be cancelled). */
const PROGRESS_EVERY = 25;

let current = -1;

self.onmessage = async (event: MessageEvent<ToSweep>) => {
  const m = event.data;
  const post = (r: FromSweep) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(r);
  if (m.type === 'cancel') {
    if (current === m.sweepId) {
      current = -1;
      post({ type: 'cancelled', sweepId: m.sweepId });
    }
    return;
  }
  current = m.sweepId;
  try {
    if (m.spec.kind === 'heads') await runTransformer(m.sweepId, m.spec, post);
    else await runExperiments(m.sweepId, m.spec, post);
  } catch (e) {
    post({ type: 'error', sweepId: m.sweepId, message: e instanceof Error ? e.message : String(e) });
  }
};

/** The RNN's jobs: every configuration seed by seed (seed-major, so every configuration gets a first point early). */
async function runExperiments(sweepId: number, spec: JobSpec, post: (r: FromSweep) => void): Promise<void> {
  const job = workerJob(spec);
  const { configs } = job;
  const results = new JobResults(job);
  const stepsTotal = configs.reduce((a, c) => a + c.seeds.length * c.adaptSteps, 0);
  let stepsDone = 0;
  const t0 = performance.now();
  const seedCount = Math.max(...configs.map((c) => c.seeds.length));
  for (let s = 0; s < seedCount; s++) {
    for (let ci = 0; ci < configs.length; ci++) {
      const config = configs[ci];
      if (s >= config.seeds.length) continue;
      const run = new SeedRun(config, config.seeds[s]);
      while (!run.done) {
        for (let i = 0; i < PROGRESS_EVERY && !run.done; i++) run.step();
        stepsDone += PROGRESS_EVERY;
        post({ type: 'progress', sweepId, stepsDone: Math.min(stepsDone, stepsTotal), stepsTotal, elapsedMs: performance.now() - t0 });
        // let a cancel or a newer job in
        await new Promise((r) => setTimeout(r, 0));
        if (current !== sweepId) return;
      }
      // exact count (the last batch of a run may be short)
      stepsDone = doneAfter(configs, s, ci);
      const result = run.result();
      post(seedMessage(sweepId, ci, s, result.arms));
      results.add(ci, s, {
        seed: config.seeds[s],
        paramCount: result.paramCount,
        taskDescription: run.task.description,
        arms: result.arms.map((a) => ({ ...a })),
      });
      if (spec.kind === 'map') post({ type: 'map', sweepId, grids: results.grids()! });
      if (spec.kind === 'frontier') post({ type: 'frontier', sweepId, ...results.frontier()! });
    }
  }
  post({ type: 'done', sweepId });
}

/**
 * The transformer's sweep: per seed one TransformerSeedRun (pretraining, then frozen, dense and each ρ in
 * lockstep); its arms are labelled frozen, dense, rho=ρ. Progress counts adaptation steps (pretraining,
 * most of a seed's time, is not counted).
 */
async function runTransformer(sweepId: number, jobSpec: JobSpec, post: (r: FromSweep) => void): Promise<void> {
  const spec = transformerSweepSpec(jobSpec.params);
  const config = transformerSweepConfig(spec);
  const stepsTotal = spec.seeds.length * spec.adaptSteps;
  let stepsDone = 0;
  const t0 = performance.now();
  for (let s = 0; s < spec.seeds.length; s++) {
    const run = new TransformerSeedRun(config, spec.seeds[s]);
    while (!run.done) {
      for (let i = 0; i < PROGRESS_EVERY && !run.done; i++) run.step();
      stepsDone = s * spec.adaptSteps + run.t;
      post({ type: 'progress', sweepId, stepsDone, stepsTotal, elapsedMs: performance.now() - t0 });
      await new Promise((r) => setTimeout(r, 0));
      if (current !== sweepId) return;
    }
    post(seedMessage(sweepId, 0, s, run.result().arms));
  }
  post({ type: 'done', sweepId });
}

/** One finished seed's arms as the page reads them: a diverged arm has no recovery and no mean loss. */
function seedMessage(sweepId: number, configIndex: number, seedIndex: number, arms: readonly ArmSeedResult[]): FromSweep {
  return {
    type: 'seed',
    sweepId,
    configIndex,
    seedIndex,
    labels: arms.map((a) => a.label),
    recovery: arms.map((a) => (a.divergedAt >= 0 ? NaN : a.recovery)),
    meanLoss: arms.map((a) => (a.divergedAt >= 0 ? NaN : a.meanLoss)),
  };
}

/** Adaptation steps done once seed round s of configuration ci has finished (seed-major order). */
function doneAfter(configs: ExperimentConfig[], s: number, ci: number): number {
  let total = 0;
  for (let j = 0; j < configs.length; j++) {
    const rounds = Math.min(configs[j].seeds.length, j <= ci ? s + 1 : s);
    total += rounds * configs[j].adaptSteps;
  }
  return total;
}
