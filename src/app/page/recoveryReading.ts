/**
 * How the app reads and words recovery, so the legend, the panels and the claims say the same thing.
 * Two recoveries, each with its reference:
 *  - the paper's, (L̄_frozen − L̄_arm) / (L̄_frozen − L̄_full): only meaningful when full RTRL adapted, its
 *    own improvement (L̄_frozen − L̄_full) / L̄_frozen at least FULL_ADAPT_THRESHOLD, else the denominator is
 *    noise and the ratio can be anything (issue: 0 ± 107 %);
 *  - beyond the readout, (L̄_readout − L̄_arm) / (L̄_readout − L̄_full): what the transport adds over an arm
 *    whose readout alone adapts. Every learning arm adapts its readout, so the paper's recovery mostly
 *    measures what they share; when full RTRL's gain over readout-only is under the same 5 %, the task
 *    does not need transport and this recovery is undefined (engine/statistics.ts, the CLI's rule; one
 *    live seed has no confidence interval, so only the 5 % applies).
 * Above 100 % an arm adapted better than the exact online gradient did, which needs saying. Before the
 * drift nothing is undefined: the run is waiting for it.
 */

import { ABOVE_REFERENCE_NOTE, MIN_REFERENCE_IMPROVEMENT, NO_TRANSPORT_NEEDED, type ArmInfo, type LiveArm, type Marker } from '../contract';

/** Full RTRL must cut the frozen loss by at least this fraction for recovery to be defined (the CLI's rule). */
export const FULL_ADAPT_THRESHOLD = MIN_REFERENCE_IMPROVEMENT;

export const UNDEFINED_RECOVERY = 'undefined: full RTRL did not adapt';
export const ABOVE_EXACT = ABOVE_REFERENCE_NOTE;

/**
 * One seed's noise band around 100 %, in percentage points: two standard deviations of the paper's
 * seed-to-seed spread of recovery (84 ± 6 % at k = 4). A live recovery above 100 % says "better than the
 * exact online gradient" only beyond it; within it the arm and the reference are about equal.
 */
export const ONE_SEED_BAND_PCT = 12;
/** "about equal to full RTRL (within the one-seed noise band, 100 ± 12 %)" */
export function aboutEqualText(reference = 'full RTRL'): string {
  return `about equal to ${reference} (within the one-seed noise band, 100 ± ${ONE_SEED_BAND_PCT} %)`;
}
/** "adapted better than the exact online gradient (above the one-seed noise band, 100 ± 12 %)" */
export const ABOVE_EXACT_BAND = `${ABOVE_EXACT} (above the one-seed noise band, 100 ± ${ONE_SEED_BAND_PCT} %)`;

/** The labels of the two recoveries, wherever the app shows them. */
export const PAPER_RECOVERY_LABEL = 'recovery vs frozen (paper’s definition)';
export const BEYOND_READOUT_LABEL = 'beyond the readout';
/** Before the drift there is nothing to recover from. */
export const WAITING_FOR_DRIFT = 'waiting for the drift';
/** After the drift on a task scored at the end of each sequence, before the first such step. */
export const WAITING_FOR_ERROR = 'waiting for the first error signal after the drift';

/** "the task does not need transport: the readout alone adapts about as well as full RTRL". */
export function noTransportText(reference = 'full RTRL'): string {
  return `${NO_TRANSPORT_NEEDED}: the readout alone adapts about as well as ${reference}`;
}

/** (L̄_frozen − L̄_full) / L̄_frozen, or null when either is unknown. */
export function fullImprovement(frozen: number, full: number): number | null {
  return Number.isFinite(frozen) && Number.isFinite(full) && frozen > 0 ? (frozen - full) / frozen : null;
}

/** Full RTRL's gain over readout-only, (L̄_readout − L̄_full) / L̄_readout, or null when either is unknown. */
export function gainOverReadout(readout: number, full: number): number | null {
  return fullImprovement(readout, full);
}

export type RecoveryWords =
  | { kind: 'none'; text: string }
  | { kind: 'undefined'; text: string }
  | { kind: 'value'; value: number; text: string; aboveExact: boolean; aboutExact: boolean };

/**
 * The words for one arm's recovery (percent), given full RTRL's own improvement (a fraction). null
 * recovery (no reference, diverged, before the drift) reads "—".
 */
export function recoveryWords(recovery: number | null | undefined, improvement: number | null): RecoveryWords {
  if (improvement !== null && improvement < FULL_ADAPT_THRESHOLD) return { kind: 'undefined', text: UNDEFINED_RECOVERY };
  if (recovery === null || recovery === undefined || !Number.isFinite(recovery)) return { kind: 'none', text: '—' };
  const above = recovery > 100.5;
  return {
    kind: 'value',
    value: recovery,
    text: `${recovery.toFixed(0)} %`,
    aboveExact: above && recovery > 100 + ONE_SEED_BAND_PCT,
    aboutExact: above && recovery <= 100 + ONE_SEED_BAND_PCT,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

/**
 * The words for one arm's recovery beyond the readout: undefined when full RTRL did not adapt (as the
 * paper's), or when its gain over readout-only is under 5 % (the task does not need transport, with the
 * measured gain).
 */
export function beyondReadoutWords(
  recovery: number | null | undefined,
  improvement: number | null,
  gain: number | null,
  reference = 'full RTRL',
): RecoveryWords {
  if (improvement !== null && improvement < FULL_ADAPT_THRESHOLD) return recoveryWords(recovery, improvement);
  if (gain !== null && gain < FULL_ADAPT_THRESHOLD) {
    return {
      kind: 'undefined',
      text: `undefined: ${noTransportText(reference)} (${reference} improved on readout-only by ${pct(gain)}, under the ${pct(FULL_ADAPT_THRESHOLD)} needed)`,
    };
  }
  return recoveryWords(recovery, null);
}

/** Full RTRL's own improvement in words: "full RTRL cut the frozen loss by 23 %". */
export function improvementText(improvement: number | null, reference = 'full RTRL'): string {
  if (improvement === null) return `${reference}’s own improvement: —`;
  return `${reference}’s own improvement (L̄frozen − L̄${reference === 'full RTRL' ? 'full' : 'dense'})/L̄frozen = ${(100 * improvement).toFixed(0)} %`;
}

/** Full RTRL's gain over readout-only in words, beside its improvement over frozen. */
export function gainText(gain: number | null, reference = 'full RTRL'): string {
  if (gain === null) return `${reference}’s gain over readout-only: —`;
  return `${reference}’s gain over readout-only (L̄readout − L̄${reference === 'full RTRL' ? 'full' : 'dense'})/L̄readout = ${(100 * gain).toFixed(0)} %`;
}

/** One arm's readings, for the legend, the summary and the exports. */
export interface ArmRecoveryReading {
  index: number;
  arm: ArmInfo;
  paper: RecoveryWords;
  /** null for readout-only itself (0 % by definition) */
  beyond: RecoveryWords | null;
  diverged: boolean;
}

/** A run's recoveries, read once from the store's numbers. */
export interface RecoveryReading {
  /** null once there is something to read; else what the run is waiting for */
  waiting: string | null;
  /** the reference's name: full RTRL, or the transformer's dense arm */
  reference: string;
  hasFull: boolean;
  hasReadout: boolean;
  /** (L̄_frozen − L̄_full) / L̄_frozen */
  improvement: number | null;
  /** (L̄_readout − L̄_full) / L̄_readout */
  gain: number | null;
  /** why the paper's recovery is undefined (null: defined, or waiting) */
  paperUndefined: string | null;
  /** why recovery beyond the readout is undefined (null: defined, or waiting) */
  beyondUndefined: string | null;
  /** the learning arms other than the reference, each shown once (a duplicate k arm is its twin's); readout-only last */
  arms: ArmRecoveryReading[];
}

export interface RecoveryInput {
  arms: readonly ArmInfo[];
  recovery: readonly (number | null)[];
  recoveryBeyondReadout: readonly (number | null)[];
  meanLoss: readonly number[];
  divergedAt: readonly number[];
  /** the run's markers: the drift's says the lead-in is over (LiveRun's and the transformer's alike) */
  markers: readonly Marker[];
  /** adaptation steps with an error signal so far */
  adaptedSteps: number;
  transformer?: boolean;
}

/** Reads both recoveries of a run, with their references and why either is undefined. */
export function readRecovery(s: RecoveryInput): RecoveryReading {
  const at = (id: string) => s.arms.findIndex((a) => a.id === id);
  const loss = (id: string) => (at(id) >= 0 ? (s.meanLoss[at(id)] ?? NaN) : NaN);
  const reference = s.transformer ? 'the dense arm' : 'full RTRL';
  const hasFull = at('full') >= 0;
  const hasReadout = at('readout') >= 0;
  const drifted = s.markers.some((m) => m.label === 'drift');
  const waiting = !drifted ? WAITING_FOR_DRIFT : s.adaptedSteps === 0 ? WAITING_FOR_ERROR : null;
  const improvement = waiting ? null : fullImprovement(loss('frozen'), loss('full'));
  const gain = waiting ? null : gainOverReadout(loss('readout'), loss('full'));
  const didNotAdapt = s.transformer ? 'undefined: the dense arm did not adapt' : UNDEFINED_RECOVERY;
  const paperUndefined = improvement !== null && improvement < FULL_ADAPT_THRESHOLD ? didNotAdapt : null;
  const beyondWords = beyondReadoutWords(0, improvement, gain, reference);
  const beyondUndefined = beyondWords.kind === 'undefined' ? beyondWords.text : null;
  const learning = s.arms
    .map((arm, index) => ({ arm, index }))
    .filter(({ arm }) => arm.id !== 'frozen' && arm.id !== 'full' && !arm.sameAs)
    .sort((x, y) => Number(x.arm.id === 'readout') - Number(y.arm.id === 'readout'));
  const arms = learning.map(({ arm, index }) => {
    const paper = paperUndefined ? { kind: 'undefined' as const, text: paperUndefined } : recoveryWords(waiting ? null : s.recovery[index], improvement);
    const beyond =
      arm.id === 'readout' ? null : beyondWords.kind === 'undefined' ? beyondWords : recoveryWords(waiting ? null : s.recoveryBeyondReadout[index], null);
    return { index, arm, paper, beyond, diverged: (s.divergedAt[index] ?? -1) >= 0 };
  });
  return { waiting, reference, hasFull, hasReadout, improvement, gain, paperUndefined, beyondUndefined, arms };
}

/** Reads both recoveries from the worker's arm records (the store's `arms`). */
export function readArms(arms: readonly LiveArm[], s: Pick<RecoveryInput, 'markers' | 'adaptedSteps' | 'transformer'>): RecoveryReading {
  return readRecovery({
    ...s,
    arms,
    recovery: arms.map((a) => a.recovery),
    recoveryBeyondReadout: arms.map((a) => a.recoveryBeyondReadout),
    meanLoss: arms.map((a) => a.meanLoss),
    divergedAt: arms.map((a) => a.divergedAt),
  });
}

/** "k = 4 95 %" / "k = 4 diverged" / "k = 4 —", as the lists of the summary and the reading say it. */
export function armValueText(r: ArmRecoveryReading, words: RecoveryWords, reference = 'full RTRL'): string {
  if (r.diverged) return `${r.arm.label} diverged`;
  const note = words.kind !== 'value' ? '' : words.aboveExact ? ` (${ABOVE_EXACT_BAND})` : words.aboutExact ? ` (${aboutEqualText(reference)})` : '';
  return `${r.arm.label} ${words.kind === 'value' ? words.text + note : words.kind === 'undefined' ? 'undefined' : words.text}`;
}

/**
 * The two recoveries as two sentences: "recovery vs frozen (paper’s definition): k = 0 12 %, k = 4 95 %,
 * readout only 93 %" and "beyond the readout: k = 0 −40 %, k = 4 30 %", each undefined with its reason.
 */
export function recoverySentences(r: RecoveryReading): { paper: string; beyond: string } {
  if (r.waiting) return { paper: `${PAPER_RECOVERY_LABEL}: ${r.waiting}`, beyond: `${BEYOND_READOUT_LABEL}: ${r.waiting}` };
  const noFull = `— (its reference, ${r.reference}, is not running)`;
  const paper = !r.hasFull ? noFull : (r.paperUndefined ?? r.arms.map((a) => armValueText(a, a.paper, r.reference)).join(', '));
  const beyondArms = r.arms.filter((a) => a.beyond !== null);
  const beyond = !r.hasFull
    ? noFull
    : !r.hasReadout
      ? '— (no readout-only arm in this run)'
      : (r.beyondUndefined ?? beyondArms.map((a) => armValueText(a, a.beyond!, r.reference)).join(', '));
  return { paper: `${PAPER_RECOVERY_LABEL}: ${paper}`, beyond: `${BEYOND_READOUT_LABEL}: ${beyond}` };
}
