/**
 * Runs the learning-rate selection's tuning experiments (in worker threads) and caches the outcome by
 * config, so a repeated command does not silently pay for tuning again. The cache lives under
 * node_modules/.cache/sparse-rtrl-lab/ (ignored by git, dropped by `npm ci`); every message says whether
 * the selection was computed (and what it cost) or read from the cache.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentConfig } from '../engine/config';
import type { ExperimentResult, Progress } from '../engine/experiment';
import { chooseLearningRates, tuningConfigs, type LrSelection, type LrSelectMode } from '../engine/learningRateSelection';

const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.cache', 'sparse-rtrl-lab', 'lr-select');
/** Bump when the engine changes in a way that changes tuning losses. */
const CACHE_VERSION = 1;

export interface SelectionRun {
  selection: LrSelection;
  /** wall seconds the tuning took when it was computed */
  seconds: number;
  cached: boolean;
}

export type ExperimentRunner = (config: ExperimentConfig, onProgress?: (p: Progress) => void) => Promise<ExperimentResult>;

export async function selectLearningRates(
  config: ExperimentConfig,
  mode: Exclude<LrSelectMode, 'fixed'>,
  grid: number[],
  seeds: number[],
  run: ExperimentRunner,
  log: (line: string) => void,
): Promise<SelectionRun> {
  const configs = tuningConfigs(config, mode, grid, seeds);
  const key = createHash('sha256')
    .update(JSON.stringify({ v: CACHE_VERSION, mode, configs }))
    .digest('hex')
    .slice(0, 24);
  const file = join(CACHE_DIR, `${key}.json`);
  try {
    const hit = JSON.parse(readFileSync(file, 'utf8')) as { selection: LrSelection; seconds: number };
    log(`lr selection (${mode}) read from the cache (${file}); computing it took ${hit.seconds.toFixed(0)} s`);
    return { ...hit, cached: true };
  } catch {
    // not cached yet
  }
  log(`lr selection (${mode}): ${grid.length} rates × ${seeds.length} tuning seeds (${seeds.join(', ')}), ${configs[0].arms.length} arms each`);
  const start = performance.now();
  const results: ExperimentResult[] = [];
  for (const [i, c] of configs.entries()) {
    results.push(await run(c));
    log(`  lr ${grid[i]}: done (${((performance.now() - start) / 1000).toFixed(0)} s so far)`);
  }
  const seconds = (performance.now() - start) / 1000;
  const selection = chooseLearningRates(config, mode, grid, seeds, results);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify({ selection, seconds }));
  } catch {
    log('  (could not write the lr-selection cache; the next run will tune again)');
  }
  log(`lr selection (${mode}) took ${seconds.toFixed(0)} s`);
  return { selection, seconds, cached: false };
}
