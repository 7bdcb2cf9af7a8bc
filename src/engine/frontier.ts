/**
 * Cost against quality: every way of estimating the gradient on one task, placed by its multiply-adds per
 * step (x) and its recovery beyond the readout (y). An arm is on the frontier when no cheaper arm does at
 * least as well: there sparse RTRL earns its place, or does not, beside SnAp-1, UORO, KF-RTRL and
 * truncated BPTT with a window equal to the task's memory demand.
 */
// no runtime import of config.ts (the methods' registry): the app's page reads frontierArms for its job estimates
import type { ExperimentConfig } from './config';
import type { LearningMethod } from './methods';
import type { ArmSummary, ExperimentResult } from './protocol/results';
import type { SeedStatistics } from './statistics';
import { DEFAULT_ADDING_LENGTH } from './tasks/task';
import { DELAY_STEPS } from './tasks/delay';

/** TBPTT's window where the task states no memory demand [choice]: a few steps, like the delay default's. */
export const FRONTIER_DEFAULT_WINDOW = 8;

/** The task's memory demand in steps: the delay task's τ after the drift, the adding problems' length. */
export function taskMemoryDemand(config: Pick<ExperimentConfig, 'task' | 'taskOptions'>): number {
  if (config.task === 'delay') return config.taskOptions?.delay?.B ?? DELAY_STEPS.B;
  if (config.task === 'adding' || config.task === 'adding-difference') return config.taskOptions?.length ?? DEFAULT_ADDING_LENGTH;
  return FRONTIER_DEFAULT_WINDOW;
}

/** k = 0, 1, 2, 4, … up to n (n itself included), the sparse arms of the frontier. */
export function frontierKs(n: number): number[] {
  const ks = [0];
  for (let k = 1; k < n; k *= 2) ks.push(k);
  ks.push(n);
  return ks;
}

/**
 * The arms of a frontier run: frozen, readout-only, full RTRL, k = 0 … n with the config's selection
 * settings, SnAp-1, UORO, KF-RTRL and TBPTT(τ) with τ the task's memory demand. (k = n runs the sparse
 * kernel over every path: its cost is the masked transport's, its result full RTRL's.)
 */
export function frontierArms(config: Pick<ExperimentConfig, 'arms' | 'n' | 'task' | 'taskOptions'>): LearningMethod[] {
  const first = config.arms.find((a) => a.kind === 'sparse');
  const sparse = (k: number): LearningMethod =>
    first?.kind === 'sparse' ? { ...first, k } : { kind: 'sparse', k, strategy: 'random', refreshEvery: 0, rescale: false };
  return [
    { kind: 'frozen' },
    { kind: 'readout' },
    { kind: 'full' },
    ...frontierKs(config.n).map(sparse),
    { kind: 'snap1' },
    { kind: 'uoro' },
    { kind: 'kf' },
    { kind: 'tbptt', truncation: taskMemoryDemand(config) },
  ];
}

export interface FrontierPoint {
  label: string;
  method: LearningMethod;
  macsPerStep: number;
  /** recovery beyond the readout; null where undefined (then `meanLoss` places the arm) */
  beyondReadout: SeedStatistics | null;
  recovery: SeedStatistics | null;
  meanLoss: SeedStatistics;
  diverged: number;
  /** no arm that costs no more does better (higher recovery beyond the readout, or lower loss where that is undefined) */
  onFrontier: boolean;
}

export interface Frontier {
  task: string;
  /** why recovery beyond the readout is undefined on this task (null: defined) */
  beyondReadoutUndefined: string | null;
  points: FrontierPoint[];
}

/**
 * The points of a run, frozen left out (it does not learn). The frontier is judged on recovery beyond the
 * readout where defined, else on the mean loss; a diverged arm (on any seed) is never on it.
 */
export function frontierOf(result: ExperimentResult): Frontier {
  const arms = result.arms.filter((a) => a.method.kind !== 'frozen');
  const undefinedReason = arms[0]?.recoveryBeyondReadoutUndefined ?? null;
  const score = (a: ArmSummary) => (undefinedReason === null ? a.recoveryBeyondReadout.mean : -a.meanLoss.mean);
  // at equal cost, a lead smaller than this is a tie (k = n and full RTRL are the same arithmetic): half a
  // recovery point, or half a percent of the loss
  const tie = (a: ArmSummary) => (undefinedReason === null ? 0.5 : 0.005 * a.meanLoss.mean);
  const points = arms.map((a): FrontierPoint => {
    const dominated = arms.some(
      (b) =>
        b !== a &&
        b.diverged === 0 &&
        ((b.macsPerStep < a.macsPerStep && score(b) >= score(a)) || (b.macsPerStep <= a.macsPerStep && score(b) > score(a) + tie(a))),
    );
    return {
      label: a.label,
      method: a.method,
      macsPerStep: a.macsPerStep,
      beyondReadout: a.recoveryBeyondReadoutUndefined === null ? a.recoveryBeyondReadout : null,
      recovery: a.recoveryUndefined === null ? a.recovery : null,
      meanLoss: a.meanLoss,
      diverged: a.diverged,
      onFrontier: a.diverged === 0 && Number.isFinite(score(a)) && !dominated,
    };
  });
  points.sort((p, q) => p.macsPerStep - q.macsPerStep);
  return { task: result.taskDescription, beyondReadoutUndefined: undefinedReason, points };
}
