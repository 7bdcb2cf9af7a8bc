/// <reference lib="webworker" />
/**
 * Runs a background job (the recovery-vs-k and -vs-n sweeps, the learning-rate sweep, the recovery map, cost
 * against quality): configurations × seeds, one SeedRun at a time, posting each seed's result as it
 * finishes and its progress in steps every few steps. A `cancel`, or a newer `run`, stops the job at the
 * next progress point.
 */
import type { ArmSeedResult } from '../../engine/protocol/results';
import { SeedRun } from '../../engine/experiment';
import type { ExperimentConfig } from '../../engine/config';
import { TransformerSeedRun } from '../../engine/models/transformer/protocol';
import type { TransformerSweepSpec } from './sweep';
import { transformerSweepConfig } from './transformerLiveRun';

export type ToSweep =
  | { type: 'run'; sweepId: number; configs: ExperimentConfig[] }
  /** the transformer at several head fractions (recovery vs ρ), seed by seed */
  | { type: 'run-transformer'; sweepId: number; spec: TransformerSweepSpec }
  | { type: 'cancel'; sweepId: number };
export type FromSweep =
  | {
      type: 'seed';
      sweepId: number;
      configIndex: number;
      seedIndex: number;
      labels: string[];
      recovery: number[];
      meanLoss: number[];
      /** the seed's arms as the engine reports them, and what summarize needs beside them (the map and the frontier) */
      arms: ArmSeedResult[];
      paramCount: number;
      taskDescription: string;
    }
  | { type: 'progress'; sweepId: number; stepsDone: number; stepsTotal: number; elapsedMs: number }
  | { type: 'done'; sweepId: number }
  | { type: 'cancelled'; sweepId: number }
  | { type: 'error'; sweepId: number; message: string };

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
  if (m.type === 'run-transformer') {
    await runTransformer(m.sweepId, m.spec, post);
    return;
  }
  const { sweepId, configs } = m;
  current = sweepId;
  const stepsTotal = configs.reduce((a, c) => a + c.seeds.length * c.adaptSteps, 0);
  let stepsDone = 0;
  const t0 = performance.now();
  try {
    // seed-major, so every configuration gets a first point early
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
        post(seedMessage(sweepId, ci, s, result.arms, result.paramCount, run.task.description));
      }
    }
    post({ type: 'done', sweepId });
  } catch (e) {
    post({ type: 'error', sweepId, message: e instanceof Error ? e.message : String(e) });
  }
};

/**
 * The transformer's sweep: per seed one TransformerSeedRun (pretraining, then frozen, dense and each ρ in
 * lockstep); its arms are labelled frozen, dense, rho=ρ. Progress counts adaptation steps (pretraining,
 * most of a seed's time, is not counted).
 */
async function runTransformer(sweepId: number, spec: TransformerSweepSpec, post: (r: FromSweep) => void): Promise<void> {
  current = sweepId;
  const config = transformerSweepConfig(spec);
  const stepsTotal = spec.seeds.length * spec.adaptSteps;
  let stepsDone = 0;
  const t0 = performance.now();
  try {
    for (let s = 0; s < spec.seeds.length; s++) {
      const run = new TransformerSeedRun(config, spec.seeds[s]);
      while (!run.done) {
        for (let i = 0; i < PROGRESS_EVERY && !run.done; i++) run.step();
        stepsDone = s * spec.adaptSteps + run.t;
        post({ type: 'progress', sweepId, stepsDone, stepsTotal, elapsedMs: performance.now() - t0 });
        await new Promise((r) => setTimeout(r, 0));
        if (current !== sweepId) return;
      }
      const result = run.result();
      post(seedMessage(sweepId, 0, s, result.arms, result.paramCount, ''));
    }
    post({ type: 'done', sweepId });
  } catch (e) {
    post({ type: 'error', sweepId, message: e instanceof Error ? e.message : String(e) });
  }
}

/** One finished seed's arms as the page reads them: a diverged arm has no recovery and no mean loss. */
function seedMessage(sweepId: number, configIndex: number, seedIndex: number, arms: readonly ArmSeedResult[], paramCount: number, taskDescription: string): FromSweep {
  return {
    type: 'seed',
    sweepId,
    configIndex,
    seedIndex,
    labels: arms.map((a) => a.label),
    recovery: arms.map((a) => (a.divergedAt >= 0 ? NaN : a.recovery)),
    meanLoss: arms.map((a) => (a.divergedAt >= 0 ? NaN : a.meanLoss)),
    arms: arms.map((a) => ({ ...a })),
    paramCount,
    taskDescription,
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
