/**
 * Learning-rate selection, part of the protocol. Recovery divides by full RTRL's improvement, so the
 * reference must be a sound adapter at the rate it runs with; the rate is therefore chosen by a stated
 * procedure on tuning seeds disjoint from the evaluation seeds, never by hand and never to make a claim pass:
 * - `fixed`: the given rate (optimizer.lr) for every arm;
 * - `full`: the grid rate that minimises full RTRL's mean adaptation loss on the tuning seeds, used by every
 *   arm (the comparison the paper most likely made);
 * - `per-arm`: each arm its own best grid rate on the tuning seeds (the fair comparison for a method paper).
 * A rate at which an arm diverges on any tuning seed scores +∞ for that arm. Ties go to the smaller rate.
 * The engine only plans and judges; the caller runs the tuning experiments (in threads, with a cache).
 */
import { armLearningRate, BOUNDS, ConfigError, type ExperimentConfig } from './config';
import type { ExperimentResult } from './experiment';
import { methodLabel } from './methods';

export type LrSelectMode = 'fixed' | 'full' | 'per-arm';
export const LR_SELECT_MODES: readonly LrSelectMode[] = ['fixed', 'full', 'per-arm'];

/** Tuning seeds start here: far from the evaluation seeds users pick (1, 2, 3, …). */
export const TUNING_SEED_BASE = 1_000_001;
export const DEFAULT_TUNING_SEEDS = 3;

export interface LrSelection {
  mode: LrSelectMode;
  grid: number[];
  tuningSeeds: number[];
  /** mean adaptation loss over the tuning seeds at each grid rate, per arm label (+∞ where it diverged) */
  scores: Record<string, number[]>;
  /** the rate each arm runs with */
  chosen: Record<string, number>;
}

/** `count` tuning seeds, none of them an evaluation seed. */
export function tuningSeeds(evaluationSeeds: readonly number[], count: number): number[] {
  const taken = new Set(evaluationSeeds);
  const seeds: number[] = [];
  for (let s = TUNING_SEED_BASE; seeds.length < count; s++) if (!taken.has(s)) seeds.push(s);
  return seeds;
}

/** Throws a ConfigError naming `option` unless the grid is non-empty, strictly increasing and within BOUNDS.lr. */
export function checkLrGrid(grid: readonly number[], option = '--lr-grid'): void {
  if (grid.length === 0) throw new ConfigError(option, `${option} must list at least one learning rate`);
  grid.forEach((lr, i) => {
    if (!Number.isFinite(lr) || lr < BOUNDS.lr.min || lr > BOUNDS.lr.max) {
      throw new ConfigError(
        option,
        `${option}: ${Number.isNaN(lr) ? 'not a number' : lr} is outside the learning-rate bounds [${BOUNDS.lr.min}, ${BOUNDS.lr.max}]`,
      );
    }
    if (i > 0 && !(lr > grid[i - 1])) throw new ConfigError(option, `${option} must be sorted, smallest first, without repeats (got ${grid.join(',')})`);
  });
}

/**
 * The experiments the selection needs: one per grid rate, on the tuning seeds. Under `full` only frozen
 * and full run (the other arms do not vote), so tuning costs about one full-RTRL run per rate and seed.
 */
export function tuningConfigs(
  config: ExperimentConfig,
  mode: Exclude<LrSelectMode, 'fixed'>,
  grid: readonly number[],
  seeds: readonly number[],
): ExperimentConfig[] {
  const arms = mode === 'full' ? config.arms.filter((a) => a.kind === 'frozen' || a.kind === 'full') : config.arms;
  return grid.map((lr) => ({
    ...config,
    arms,
    seeds: [...seeds],
    optimizer: { ...config.optimizer, lr },
    armLearningRates: undefined,
    metricsEvery: 0,
    fidelity: false,
  }));
}

/** What selection reads off a tuning run: each arm's mean loss over seeds and how many seeds diverged. */
export interface TuningRun {
  arms: readonly { label: string; meanLoss: { mean: number }; diverged: number }[];
}

/** Each arm's score per grid rate (`runs[i]` ran at grid[i]): its mean loss, +∞ if it diverged on any seed. */
export function scoreRates(runs: readonly TuningRun[]): Record<string, number[]> {
  const scores: Record<string, number[]> = {};
  for (const { label } of runs[0].arms) {
    scores[label] = runs.map((r) => {
      const a = r.arms.find((x) => x.label === label);
      return !a || a.diverged > 0 || !Number.isFinite(a.meanLoss.mean) ? Infinity : a.meanLoss.mean;
    });
  }
  return scores;
}

/**
 * The rate each arm runs with: under `full` the reference's best rate for every arm, under `per-arm` each
 * arm its own best (frozen, which never updates, takes the reference's). A tie goes to the smaller rate.
 */
export function pickRates(
  mode: Exclude<LrSelectMode, 'fixed'>,
  grid: readonly number[],
  scores: Record<string, number[]>,
  reference: string,
): Record<string, number> {
  const best = (label: string) => {
    const s = scores[label];
    let at = 0;
    for (let i = 1; i < s.length; i++) if (s[i] < s[at]) at = i;
    return grid[at];
  };
  const referenceRate = best(reference);
  return Object.fromEntries(Object.keys(scores).map((label) => [label, mode === 'per-arm' && label !== 'frozen' ? best(label) : referenceRate]));
}

/** Judges the tuning runs (`results[i]` ran at `grid[i]`) and says which rate each arm of `config` gets. */
export function chooseLearningRates(
  config: ExperimentConfig,
  mode: Exclude<LrSelectMode, 'fixed'>,
  grid: readonly number[],
  seeds: readonly number[],
  results: readonly ExperimentResult[],
): LrSelection {
  const scores = scoreRates(results);
  const picked = pickRates(mode, grid, scores, 'full');
  // every arm of the evaluation config (under `full` its tuning ran frozen and full only)
  const chosen = Object.fromEntries(config.arms.map((m) => methodLabel(m)).map((label) => [label, picked[label] ?? picked['full']]));
  return { mode, grid: [...grid], tuningSeeds: [...seeds], scores, chosen };
}

/** The evaluation config with the selected rates applied. */
export function applyLearningRates(config: ExperimentConfig, selection: LrSelection): ExperimentConfig {
  const fullRate = selection.chosen['full'];
  return {
    ...config,
    optimizer: { ...config.optimizer, lr: fullRate },
    armLearningRates: selection.mode === 'per-arm' ? { ...selection.chosen } : undefined,
  };
}

/** Every arm's rate under `config`, by label (for tables and JSON when no selection ran). */
export function learningRatesOf(config: ExperimentConfig): Record<string, number> {
  return Object.fromEntries(config.arms.map((a) => [methodLabel(a), armLearningRate(config, methodLabel(a))]));
}
