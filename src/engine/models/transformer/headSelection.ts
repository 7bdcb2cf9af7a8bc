/**
 * The arms of the transformer experiment and how each chooses S_ℓ, the heads per layer whose outputs carry
 * gradient in the backward pass (|S_ℓ| = round(ρ·H)).
 */
import { ConfigError } from '../../config';
import type { Rng } from '../../rng';

export type HeadStrategy = 'random' | 'top' | 'bottom';
export const HEAD_STRATEGIES: readonly HeadStrategy[] = ['random', 'top', 'bottom'];

export const HEAD_STRATEGY_DESCRIPTIONS: Record<HeadStrategy, string> = {
  random: 'round(ρH) heads per layer drawn uniformly (held fixed, or redrawn every R updates)',
  top: 'the round(ρH) heads with the largest ‖∂L/∂o^h‖ of this step (measured in the sparse backward itself)',
  bottom: 'the round(ρH) heads with the smallest ‖∂L/∂o^h‖ of this step (adversarial)',
};

export type HeadArm =
  | { readonly kind: 'frozen' }
  /**
   * every parameter frozen but the output head (W_r, b_r), which adapts from its exact local gradient: the
   * floor recovery beyond the readout is measured from (as the RNN's readout-only arm)
   */
  | { readonly kind: 'readout' }
  | {
      readonly kind: 'heads';
      /** ρ in [0, 1]; 1 is the dense reference */
      readonly fraction: number;
      readonly strategy: HeadStrategy;
      /** choose S_ℓ again every R updates; 0 = chosen at the first update and held */
      readonly refreshEvery: number;
      /** W_O^h of heads outside S_ℓ still gets its local gradient (default true: the literal sg(o^h) W_O^h) */
      readonly woLocal: boolean;
      /** heads outside S_ℓ still train their own W_{q,k,v}^h, passing nothing below (default false) */
      readonly qkvLocal: boolean;
    };

/** `frozen`, `readout`, `dense` (ρ = 1) or `rho=0.5`. */
export function headArmLabel(arm: HeadArm): string {
  if (arm.kind === 'frozen' || arm.kind === 'readout') return arm.kind;
  return arm.fraction === 1 ? 'dense' : `rho=${arm.fraction}`;
}

/** |S_ℓ| = round(ρ·H). */
export function headCount(fraction: number, heads: number): number {
  return Math.round(fraction * heads);
}

export function checkHeadFraction(fraction: number): number {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw new ConfigError('head-fraction', `head-fraction must be a number in [0, 1], got ${Number.isNaN(fraction) ? 'not a number' : fraction}`);
  }
  return fraction;
}

export function headArm(fraction: number, options: { strategy?: HeadStrategy; refreshEvery?: number; woLocal?: boolean; qkvLocal?: boolean } = {}): HeadArm {
  checkHeadFraction(fraction);
  const strategy = options.strategy ?? 'random';
  if (!HEAD_STRATEGIES.includes(strategy)) {
    throw new ConfigError('head-strategy', `head-strategy must be one of ${HEAD_STRATEGIES.join(', ')}, got '${String(strategy)}'`);
  }
  const refreshEvery = options.refreshEvery ?? 0;
  if (!Number.isInteger(refreshEvery) || refreshEvery < 0) {
    throw new ConfigError('refresh', `refresh must be an integer >= 0, got ${refreshEvery}`);
  }
  return { kind: 'heads', fraction, strategy, refreshEvery, woLocal: options.woLocal ?? true, qkvLocal: options.qkvLocal ?? false };
}

/**
 * Chooses S_ℓ for one layer into selected[layer·H .. layer·H+H): `count` heads, by a uniform draw or by
 * ranking `norms` (ties broken by head index, so the choice is deterministic). Allocates nothing given
 * the scratch buffers (each of length H).
 */
export function selectHeads(
  strategy: HeadStrategy,
  layer: number,
  heads: number,
  count: number,
  norms: Float64Array,
  rng: Rng,
  selected: Uint8Array,
  scratchA: Int32Array,
  scratchB: Int32Array,
): void {
  if (count < 0 || count > heads) throw new RangeError(`head count must be in [0, ${heads}], got ${count}`);
  const base = layer * heads;
  selected.fill(0, base, base + heads);
  if (count === 0) return;
  if (strategy === 'random') {
    rng.sampleDistinct(heads, count, scratchA, 0, scratchB);
    for (let j = 0; j < count; j++) selected[base + scratchA[j]] = 1;
    return;
  }
  // insertion sort of head indices by norm (H ≤ 16): descending for top, ascending for bottom
  const sign = strategy === 'top' ? -1 : 1;
  for (let h = 0; h < heads; h++) {
    let i = h;
    while (i > 0) {
      const prev = scratchA[i - 1];
      const cmp = sign * (norms[base + h] - norms[base + prev]);
      if (cmp < 0 || (cmp === 0 && h < prev)) {
        scratchA[i] = prev;
        i--;
      } else break;
    }
    scratchA[i] = h;
  }
  for (let j = 0; j < count; j++) selected[base + scratchA[j]] = 1;
}
