/**
 * The settings' bounds, from the engine's pure bounds module (not config.ts, whose methods' registry the
 * page must not load). labParams.ts reads them here.
 */
import { BOUNDS } from '../../engine/bounds';
import { ADDING_LENGTH_BOUNDS, DELAY_BOUNDS } from '../../engine/tasks/task';

/** The app's own limits: the engine's, narrowed where a live view would be unusable. */
export const PARAM_BOUNDS = {
  n: { min: 4, max: 256, integer: true },
  refresh: BOUNDS.refreshEvery,
  lr: BOUNDS.lr,
  leak: BOUNDS.leak,
  seed: BOUNDS.seed,
  speed: { min: 1, max: 500, integer: true },
  adapt: { min: 100, max: 100_000, integer: true },
  headFraction: { min: 0, max: 1, integer: false },
  delayA: DELAY_BOUNDS,
  delayB: DELAY_BOUNDS,
  length: ADDING_LENGTH_BOUNDS,
  /** TBPTT's window in a live run: each step backpropagates τ steps, so τ n² per arm and step */
  truncation: { min: 1, max: 256, integer: true },
} as const;
