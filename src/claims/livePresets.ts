/**
 * Each claim of science.md §1 as a one-click preset of the live app: the settings to show it, and how to
 * read a verdict off one live seed. The headless suite (claims.ts) is the multi-seed measurement; a
 * live verdict is for the room: it says that it is one seed, shows the reference's own improvement, and
 * is `undefined` when full RTRL did not adapt on this seed. Recovery claims say both recoveries: the
 * paper's (against frozen) and beyond the readout (against readout-only, which every learning arm's
 * readout already matches).
 *
 * Before the claims, two stories one click apart (STORY_PRESETS): where the readout does most of the
 * adapting, and where propagation through time matters.
 */
import type { LabParams } from '../app/labParams';
import { defaultLearningRate } from '../engine/learningRates';
import { ABOVE_REFERENCE_NOTE, MIN_REFERENCE_IMPROVEMENT, NO_TRANSPORT_NEEDED, seedStatistics } from '../engine/statistics';
import { ONE_SEED_BAND_PCT, WAITING_FOR_DRIFT } from '../app/page/recoveryReading';
import { CLAIMS, compareWithPaper, type Verdict } from './claims';

/**
 * The headless suite's verdict words, plus `running` until the run has enough steps, and `needs seeds`
 * where the claim is about the spread across seeds, which one live seed cannot judge.
 */
export type LiveVerdict = Verdict | 'running' | 'not modelled' | 'needs seeds';

export interface LiveReading {
  /** the numbers the live run gives for the arms: frozen, full RTRL, k = 0, the chosen k, readout-only */
  recovery: { full: number | null; k0: number | null; k: number | null; readout?: number | null };
  /** recovery beyond the readout (against readout-only and full), null where the run has no readout arm */
  beyondReadout?: { k0: number | null; k: number | null };
  meanLoss: { frozen: number; full: number; k0: number; k: number; readout?: number };
  jacobianCondition: number | null;
  adaptedSteps: number;
  /** the reference's name: full RTRL, or the transformer's dense arm (default full RTRL) */
  reference?: string;
}

export interface ClaimPreset {
  id: string;
  settings: Partial<LabParams>;
  /** adaptation steps before the live reading counts as a verdict */
  minSteps: number;
  /** what the live reading is, honestly: one seed, and where it differs from the claim's own setting */
  scope: string;
  /**
   * What the live reading measures. A recovery is read against the reference's own improvement (said
   * beside it in the caption) and is undefined when the reference did not adapt.
   */
  measures: 'recovery' | 'jacobian condition' | 'spread across seeds' | 'loss cut';
  read(r: LiveReading): { measured: string; verdict: Exclude<LiveVerdict, 'running'> };
}

/** The scope of most live readings: one seed of the claim's own setting. */
const ONE_SEED = 'one seed; npm run claims measures five';

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : `${x.toFixed(0)} %`);

/** Full RTRL's own improvement over frozen on this one seed, (L_frozen − L_full) / L_frozen. */
export function liveReferenceImprovement(r: LiveReading): number {
  return (r.meanLoss.frozen - r.meanLoss.full) / r.meanLoss.frozen;
}

/** "one seed; full RTRL improved on frozen by 41 %": said beside every live recovery. */
function referenceText(r: LiveReading): string {
  const imp = liveReferenceImprovement(r);
  return `one seed; ${r.reference ?? 'full RTRL'} improved on frozen by ${Number.isFinite(imp) ? (100 * imp).toFixed(0) : '—'} %`;
}

/**
 * Above 100 %: better than the exact online gradient only outside one seed's noise band; inside it,
 * about equal (recoveryReading.ts says which band).
 */
export function aboveReferenceText(value: number, reference = 'full RTRL'): string {
  if (!(value > 100.5)) return '';
  return value > 100 + ONE_SEED_BAND_PCT
    ? ` (${ABOVE_REFERENCE_NOTE}: above the one-seed noise band of 100 ± ${ONE_SEED_BAND_PCT} %)`
    : ` (about equal to ${reference}: within the one-seed noise band of 100 ± ${ONE_SEED_BAND_PCT} %)`;
}

/** Null when recovery means something on this seed; else the words that say why not. */
function undefinedReading(r: LiveReading): { measured: string; verdict: 'undefined' } | null {
  const imp = liveReferenceImprovement(r);
  if (Number.isFinite(imp) && imp >= MIN_REFERENCE_IMPROVEMENT) return null;
  return { measured: `undefined: ${r.reference ?? 'full RTRL'} did not adapt (${referenceText(r)})`, verdict: 'undefined' };
}

/** Full RTRL's gain over readout-only on this one seed, (L_readout − L_full) / L_readout (NaN without readout-only). */
export function liveTransportGain(r: LiveReading): number {
  const readout = r.meanLoss.readout ?? NaN;
  return (readout - r.meanLoss.full) / readout;
}

/** "30 % beyond the readout", or why it is undefined on this seed (the task does not need transport). */
function beyondText(r: LiveReading, value: number | null | undefined): string {
  if (r.beyondReadout === undefined) return '';
  const gain = liveTransportGain(r);
  if (Number.isFinite(gain) && gain < MIN_REFERENCE_IMPROVEMENT)
    return `beyond the readout undefined (${NO_TRANSPORT_NEEDED}: full RTRL improved on readout-only by ${(100 * gain).toFixed(0)} %)`;
  return `${pct(value ?? null)} beyond the readout`;
}

type Reading = ReturnType<ClaimPreset['read']>;

/** A recovery's reading, undefined (and saying why) on a seed where the reference did not adapt. */
const whenAdapted =
  (read: (r: LiveReading) => Reading) =>
  (r: LiveReading): Reading =>
    undefinedReading(r) ?? read(r);

/** A recovery claim read off one seed: the value against the paper's mean ± 2 std, as the suite judges it. */
const recoveryAgainstPaper = (paperMean: number, paperStd: number, floor = 50) =>
  whenAdapted((r) => {
    const value = r.recovery.k ?? NaN;
    const above = aboveReferenceText(value, r.reference);
    const beyond = beyondText(r, r.beyondReadout?.k);
    return {
      measured: `k = ${pct(r.recovery.k)}${above} vs frozen (paper’s definition)${beyond ? `, ${beyond}` : ''}; ${referenceText(r)}`,
      verdict: compareWithPaper(seedStatistics([value]), paperMean, paperStd, floor),
    };
  });

// Each preset runs at the task's default learning rate: the rate the protocol's selection chose for full
// RTRL (learningRates.ts), never one tuned to make the claim pass.
const lr = (task: LabParams['task'], optimizer: LabParams['optimizer'] = 'adam') => ({ optimizer, lr: defaultLearningRate(task, optimizer) });

/** The claims' RNN setting (n = 64, k = 4 random paths, the task's default rate), with what a claim changes. */
const rnn = (task: LabParams['task'], change: Partial<LabParams> = {}, optimizer: LabParams['optimizer'] = 'adam'): Partial<LabParams> => ({
  model: 'rnn',
  task,
  n: 64,
  k: 4,
  strategy: 'random',
  ...lr(task, optimizer),
  ...change,
});

/** A claim read as a recovery (undefined where the reference did not adapt): one seed, a verdict after 500 adapted steps unless it says otherwise. */
const recoveryPreset = (
  id: string,
  settings: Partial<LabParams>,
  read: (r: LiveReading) => Reading,
  { scope = ONE_SEED, minSteps = 500 }: { scope?: string; minSteps?: number } = {},
): ClaimPreset => ({ id, settings, minSteps, scope, measures: 'recovery', read: whenAdapted(read) });

/** A recovery against the paper's mean ± std. */
const recoveryClaim = (id: string, settings: Partial<LabParams>, paper: { mean: number; std: number }, options?: { scope?: string; minSteps?: number }) =>
  recoveryPreset(id, settings, recoveryAgainstPaper(paper.mean, paper.std), options);

export const CLAIM_PRESETS: ClaimPreset[] = [
  recoveryClaim('k4-recovers', rnn('sine'), { mean: 84, std: 6 }),
  // n = 256 steps too slowly for a live run in the room (full RTRL ≈ n⁴): the live view shows the middle of the range
  recoveryClaim(
    'k4-scales',
    rnn('sine', { n: 128 }),
    { mean: 78, std: 6 },
    { scope: 'one seed, live at n = 128; n = 256 runs in the claims suite (npm run claims)', minSteps: 300 },
  ),
  recoveryClaim('selection-invariant', rnn('sine', { strategy: 'bottom-k' }), { mean: 84, std: 6 }),
  // the delay task: the target x_{t-τ} needs credit carried through time, where a step can show
  recoveryPreset('step-at-k1', rnn('delay', { k: 1 }), (r) => {
    const step = (r.recovery.k0 ?? Infinity) < 30 && (r.recovery.k ?? -Infinity) >= 60;
    return { measured: `k = 0: ${pct(r.recovery.k0)}, k = 1: ${pct(r.recovery.k)}; ${referenceText(r)}`, verdict: step ? 'reproduced' : 'not reproduced' };
  }),
  {
    id: 'jacobian-isotropic',
    settings: { model: 'rnn', task: 'sine', n: 64, k: 4, leak: 0.3 },
    minSteps: 50,
    scope: ONE_SEED,
    measures: 'jacobian condition',
    read: (r) => ({
      measured: r.jacobianCondition === null ? '—' : `cond(J) = ${r.jacobianCondition.toFixed(1)} (one seed)`,
      verdict: r.jacobianCondition !== null && r.jacobianCondition >= 2.6 && r.jacobianCondition <= 6.5 ? 'reproduced' : 'not reproduced',
    }),
  },
  {
    id: 'lorenz-stable',
    settings: rnn('lorenz'),
    minSteps: 500,
    scope: 'one seed: the claim is about the spread across seeds, which npm run claims measures over five',
    measures: 'spread across seeds',
    // one seed cannot give a CV across seeds: it shows both mean losses and leaves the judgment to the suite
    read: (r) => ({
      measured: `one seed: L̄ k = 4 ${r.meanLoss.k.toExponential(2)} vs full ${r.meanLoss.full.toExponential(2)} (the CV across seeds needs npm run claims)`,
      verdict: 'needs seeds',
    }),
  },
  recoveryClaim('neural-decoding', rnn('neural', { n: 20 }), { mean: 80, std: 11 }, { scope: 'one seed, on simulated recordings' }),
  // the headline on recorded data, at the n = 32 their rates were selected at (the claims suite's setting)
  recoveryClaim('recorded-weather', rnn('weather', { n: 32 }), { mean: 84, std: 6 }, { scope: 'one seed, on recorded weather normals' }),
  recoveryClaim('recorded-co2', rnn('co2', { n: 32 }), { mean: 84, std: 6 }, { scope: 'one seed, on recorded CO₂' }),
  recoveryClaim('sgd', rnn('sine', {}, 'sgd'), { mean: 92, std: 1 }),
  {
    id: 'needs-continuous-error',
    settings: rnn('adding'),
    minSteps: 30,
    scope: ONE_SEED,
    measures: 'loss cut',
    read: (r) => {
      const best = Math.min(r.meanLoss.full, r.meanLoss.k0, r.meanLoss.k);
      const gain = (r.meanLoss.frozen - best) / r.meanLoss.frozen;
      return { measured: `one seed: the best arm cuts the loss by ${(100 * gain).toFixed(0)} %`, verdict: gain < 0.25 ? 'reproduced' : 'not reproduced' };
    },
  },
  // the live transformer (d = 32, 4 heads, one layer, window 32) at ρ = 0.5, the claim's fraction
  recoveryPreset('transformers', { model: 'transformer', task: 'sine', headFraction: 0.5, refresh: 0, optimizer: 'adam' }, (r) => {
    const value = r.recovery.k ?? NaN;
    // the suite's rule on one seed: above dense beyond the noise band, about equal from 90 %, below that not
    const verdict = value > 100 + ONE_SEED_BAND_PCT ? 'reproduced' : value >= 90 ? 'weaker than the paper' : 'not reproduced';
    return { measured: `ρ = 0.5: ${pct(r.recovery.k)}${aboveReferenceText(value, r.reference)} of the dense arm’s adaptation; ${referenceText(r)}`, verdict };
  }),
];

/** Two stories one click apart, on the first screen beside the claims. */
export interface StoryPreset {
  id: string;
  title: string;
  /** what to look at, one line */
  text: string;
  settings: Partial<LabParams>;
}

export const STORY_PRESETS: StoryPreset[] = [
  {
    id: 'story-redundancy',
    title: 'Redundancy: the readout does most of it',
    text: 'The default sine drift: the readout-only line (θ frozen, only V and c adapt) lands close to full RTRL.',
    // the default settings (their pretrained weights ship with the app)
    settings: { task: 'sine', model: 'rnn', n: 64, k: 4, strategy: 'random', leak: 0.3, refresh: 0, rescale: false, ...lr('sine') },
  },
  {
    id: 'story-propagation',
    title: 'Where propagation matters',
    text:
      'Delayed recall, τ 4 → 2, each unit keeping its largest-|W| paths: the target lies steps back, so the transport carries credit the readout cannot. ' +
      'Drag k: measured over 5 seeds, recovery beyond the readout rises from 32 % at k = 0 to 103 % at k = 16.',
    // settings: from the recovery map (README, "Where the transport matters"): the delay task τ 4 → 2 at
    // n = 64 with top-k paths, where recovery beyond the readout rises most with k; lr 3e-3 is the rate
    // `--lr-select full` picked for exactly these settings (tuning seeds 1000001–1000003), not tuned by hand
    settings: { task: 'delay', model: 'rnn', delayA: 4, delayB: 2, n: 64, k: 4, strategy: 'top-k', refresh: 0, rescale: false, optimizer: 'adam', lr: 3e-3 },
  },
];

/** A claim's or a story's id: what the link's `claim=` may carry. */
export function isClaimPreset(id: string): boolean {
  return CLAIMS.some((c) => c.id === id) || STORY_PRESETS.some((s) => s.id === id);
}

/** The verdict for the live reading, or `running` until enough steps have passed. */
export function liveVerdict(id: string, r: LiveReading): { measured: string; verdict: LiveVerdict } {
  const preset = CLAIM_PRESETS.find((p) => p.id === id);
  if (!preset) return { measured: 'not modelled', verdict: 'not modelled' };
  // before the first adapted step nothing is a verdict, nor undefined: the run waits for the drift
  if (r.adaptedSteps === 0) return { measured: WAITING_FOR_DRIFT.charAt(0).toUpperCase() + WAITING_FOR_DRIFT.slice(1), verdict: 'running' };
  const reading = preset.read(r);
  return r.adaptedSteps < preset.minSteps ? { measured: reading.measured, verdict: 'running' } : reading;
}
