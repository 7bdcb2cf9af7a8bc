/**
 * How the app reads and words recovery, so the legend, the panels and the claims say the same thing.
 * Recovery = (L̄_frozen − L̄_arm) / (L̄_frozen − L̄_full) is only meaningful when its reference, full
 * RTRL, adapted: its own improvement (L̄_frozen − L̄_full) / L̄_frozen must be at least
 * FULL_ADAPT_THRESHOLD, else the denominator is noise and the ratio can be anything (issue: 0 ± 107 %).
 * Above 100 % an arm adapted better than the exact online gradient did, which needs saying.
 */

import { ABOVE_REFERENCE_NOTE, MIN_REFERENCE_IMPROVEMENT } from '../../engine/statistics';

/** Full RTRL must cut the frozen loss by at least this fraction for recovery to be defined (the CLI's rule). */
export const FULL_ADAPT_THRESHOLD = MIN_REFERENCE_IMPROVEMENT;

export const UNDEFINED_RECOVERY = 'undefined: full RTRL did not adapt';
export const ABOVE_EXACT = ABOVE_REFERENCE_NOTE;

/** (L̄_frozen − L̄_full) / L̄_frozen, or null when either is unknown. */
export function fullImprovement(frozen: number, full: number): number | null {
  return Number.isFinite(frozen) && Number.isFinite(full) && frozen > 0 ? (frozen - full) / frozen : null;
}

export type RecoveryWords =
  | { kind: 'none'; text: string }
  | { kind: 'undefined'; text: string }
  | { kind: 'value'; value: number; text: string; aboveExact: boolean };

/**
 * The words for one arm's recovery (percent), given full RTRL's own improvement (a fraction). null
 * recovery (no reference, diverged, before the drift) reads "—".
 */
export function recoveryWords(recovery: number | null | undefined, improvement: number | null): RecoveryWords {
  if (improvement !== null && improvement < FULL_ADAPT_THRESHOLD) return { kind: 'undefined', text: UNDEFINED_RECOVERY };
  if (recovery === null || recovery === undefined || !Number.isFinite(recovery)) return { kind: 'none', text: '—' };
  return { kind: 'value', value: recovery, text: `${recovery.toFixed(0)} %`, aboveExact: recovery > 100.5 };
}

/** Full RTRL's own improvement in words: "full RTRL cut the frozen loss by 23 %". */
export function improvementText(improvement: number | null, reference = 'full RTRL'): string {
  if (improvement === null) return `${reference}’s own improvement: —`;
  return `${reference}’s own improvement (L̄frozen − L̄${reference === 'full RTRL' ? 'full' : 'dense'})/L̄frozen = ${(100 * improvement).toFixed(0)} %`;
}
