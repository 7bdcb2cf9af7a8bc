/**
 * Recovery as a function of k: one experiment whose arms are frozen, full and k ∈ {0, 1, 2, 4, …, n},
 * run seed by seed so each point fills in as its seeds finish. Pure; sweepWorker.ts runs it off the page.
 */
import { defaultConfig, sparseArm, type ExperimentConfig } from '../engine/config';
import type { LabParams } from './labParams';

/** 0, the powers of two below n, and n itself. */
export function sweepKs(n: number): number[] {
  const ks = [0];
  for (let k = 1; k < n; k *= 2) ks.push(k);
  ks.push(n);
  return ks;
}

export const SWEEP_SEEDS = 3;

/** Adaptation steps of the sweep: fewer at large n, where full RTRL dominates the cost. */
export function sweepSteps(n: number): number {
  return n <= 32 ? 600 : n <= 64 ? 400 : 200;
}

export function sweepConfig(p: LabParams): ExperimentConfig {
  const base = defaultConfig();
  return {
    ...base,
    task: p.task,
    n: p.n,
    leak: p.leak,
    optimizer: { kind: p.optimizer, lr: p.lr, clipNorm: 0 },
    seeds: Array.from({ length: SWEEP_SEEDS }, (_, i) => p.seed + i),
    pretrain: { ...base.pretrain, steps: 3000, epochs: 6 },
    adaptSteps: sweepSteps(p.n),
    metricsEvery: 0,
    arms: [{ kind: 'frozen' }, { kind: 'full' }, ...sweepKs(p.n).map((k) => sparseArm(k, p.strategy, p.refresh, p.rescale))],
  };
}

/** n values of the recovery-vs-n sweep at fixed k: up to 64 on the CPU, where full RTRL costs n⁴. */
export function sweepNs(k: number): number[] {
  return [16, 32, 64].filter((n) => n >= Math.max(4, k));
}

export function sweepConfigsN(p: LabParams): ExperimentConfig[] {
  return sweepNs(p.k).map((n) => {
    const c = sweepConfig({ ...p, n });
    return { ...c, seeds: c.seeds.slice(0, 2), adaptSteps: sweepSteps(n), arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(p.k, p.strategy, p.refresh, p.rescale)] };
  });
}
