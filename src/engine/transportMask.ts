/**
 * Which k of the n incoming transport paths each unit keeps (science.md §3): the mask Ω with
 * Ω_iq = 1 iff q ∈ S_i, stored as k source indices per row (row i's set at [i*k, i*k+k), ascending).
 * The forward pass always uses the full W; only the transport of sensitivities is masked.
 */
import type { Floats } from './precision';
import type { Rng } from './rng';

export type SelectionStrategy = 'random' | 'top-k' | 'bottom-k' | 'self-first' | 'shared-columns';

/** What a selection strategy is: one line for the controls and tables, and whether it ranks the weights. */
export interface StrategyRecord {
  readonly description: string;
  /**
   * true: the choice ranks the current |W| (or the model's path weights), so a redraw must read the weights
   * as they are now (the GPU reads them back first); false: it draws from the arm's selection stream alone.
   */
  readonly usesWeights: boolean;
}

export const STRATEGIES: Readonly<Record<SelectionStrategy, StrategyRecord>> = {
  random: { description: 'k of n sources drawn uniformly per row (the paper headline)', usesWeights: false },
  'top-k': { description: 'the k largest |W_iq| of each row', usesWeights: true },
  'bottom-k': { description: 'the k smallest |W_iq| of each row (adversarial)', usesWeights: true },
  'self-first': { description: 'the unit itself plus k-1 random sources', usesWeights: false },
  'shared-columns': { description: 'one set of k source units shared by every row', usesWeights: false },
};

export const SELECTION_STRATEGIES: readonly SelectionStrategy[] = Object.keys(STRATEGIES) as SelectionStrategy[];

export const STRATEGY_DESCRIPTIONS: Readonly<Record<SelectionStrategy, string>> = Object.fromEntries(
  SELECTION_STRATEGIES.map((s) => [s, STRATEGIES[s].description]),
) as Record<SelectionStrategy, string>;

/**
 * Fills `out` (length n*k) with each row's kept sources. `W` is row-major n×n (the first n² entries of θ).
 * Deterministic given the rng state; draws from `rng` only for the strategies that need it.
 */
export function selectPaths(strategy: SelectionStrategy, W: Floats, n: number, k: number, rng: Rng, out: Int32Array): void {
  if (k < 0 || k > n) throw new RangeError(`k must be in [0, ${n}], got ${k}`);
  if (out.length < n * k) throw new RangeError('mask buffer too small');
  if (k === 0) return;
  const scratch = new Int32Array(n);
  switch (strategy) {
    case 'random':
      for (let i = 0; i < n; i++) rng.sampleDistinct(n, k, out, i * k, scratch);
      break;
    case 'top-k':
    case 'bottom-k': {
      const sign = strategy === 'top-k' ? -1 : 1;
      const order = Array.from({ length: n }, (_, q) => q);
      for (let i = 0; i < n; i++) {
        // ties broken by index so the choice is deterministic
        order.sort((a, b) => sign * (Math.abs(W[i * n + a]) - Math.abs(W[i * n + b])) || a - b);
        for (let j = 0; j < k; j++) out[i * k + j] = order[j];
      }
      break;
    }
    case 'self-first':
      for (let i = 0; i < n; i++) {
        out[i * k] = i;
        // k-1 distinct others: sample from the n-1 units that are not i, then map past i
        rng.sampleDistinct(n - 1, k - 1, out, i * k + 1, scratch);
        for (let j = 1; j < k; j++) if (out[i * k + j] >= i) out[i * k + j]++;
      }
      break;
    case 'shared-columns': {
      const shared = new Int32Array(k);
      rng.sampleDistinct(n, k, shared, 0, scratch);
      for (let i = 0; i < n; i++) out.set(shared, i * k);
      break;
    }
  }
  for (let i = 0; i < n; i++) out.subarray(i * k, i * k + k).sort();
}

/** Every source of every row: the "mask" of full RTRL. */
export function allPaths(n: number): Int32Array {
  const out = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let q = 0; q < n; q++) out[i * n + q] = q;
  return out;
}
