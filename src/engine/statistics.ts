/**
 * Statistics over seeds: mean, sample std, CV and a seeded 95 % bootstrap CI of the mean; the reference's
 * own improvement and the rule that says when recovery has no meaning.
 *
 * Recovery divides by full RTRL's improvement over the frozen network, L_frozen − L_full. When that gap is
 * not clearly above zero, the ratio is noise divided by noise (0 ± 107 % was once printed): we call it
 * undefined instead of showing a number.
 */
import { Rng } from './rng';

export interface SeedStatistics {
  mean: number;
  /** sample standard deviation (n - 1); 0 for a single value */
  std: number;
  /** coefficient of variation std / |mean| */
  cv: number;
  /** how many finite values went in */
  count: number;
  /** 95 % percentile-bootstrap confidence interval of the mean; null with fewer than 2 values */
  ci95: [number, number] | null;
}

/** Resamples of the bootstrap: enough that the 2.5 % / 97.5 % quantiles move by well under 1 % of the range. */
export const BOOTSTRAP_RESAMPLES = 4000;
/** The bootstrap's own seed: the CI is a function of the values, the same on every run. */
const BOOTSTRAP_SEED = 9_0217;

/** Mean, sample std, CV and bootstrap CI of the finite values (a diverged seed contributes NaN and is left out). */
export function seedStatistics(values: readonly number[]): SeedStatistics {
  const finite = values.filter(Number.isFinite);
  const count = finite.length;
  if (count === 0) return { mean: NaN, std: NaN, cv: NaN, count, ci95: null };
  const mean = finite.reduce((a, b) => a + b, 0) / count;
  const std = count > 1 ? Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (count - 1)) : 0;
  return { mean, std, cv: std / Math.abs(mean), count, ci95: bootstrapMeanCI(finite) };
}

/**
 * Percentile bootstrap of the mean: resample the values with replacement BOOTSTRAP_RESAMPLES times and
 * take the 2.5 % and 97.5 % quantiles of the resampled means. Seeded, so the same values give the same CI.
 * With 5 seeds it is narrow-ish by construction (it cannot exceed the range of the values); we report it
 * because it is what the values support, and the seeds beside it say how many there were.
 */
export function bootstrapMeanCI(values: readonly number[], level = 0.95, resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED): [number, number] | null {
  const n = values.length;
  if (n < 2) return null;
  const rng = new Rng(seed, n);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return [at(tail), at(1 - tail)];
}

/**
 * Full RTRL must improve on frozen by at least this fraction of L_frozen, and its CI must exclude zero,
 * for recovery to be defined [choice]: 5 % is well above the seed-to-seed noise of L_frozen on our tasks.
 */
export const MIN_REFERENCE_IMPROVEMENT = 0.05;

export interface ReferenceImprovement {
  /** (L_frozen − L_full) / L_frozen per seed, as statistics over seeds */
  improvement: SeedStatistics;
  /** null when recovery is defined; else why not, in words */
  undefinedReason: string | null;
}

/** The reference's own improvement over frozen, and whether recovery measured against it means anything. */
export function referenceImprovement(frozenLoss: readonly number[], fullLoss: readonly number[]): ReferenceImprovement {
  const perSeed = frozenLoss.map((f, s) => (f - fullLoss[s]) / f);
  const improvement = seedStatistics(perSeed);
  return { improvement, undefinedReason: undefinedRecoveryReason(improvement) };
}

export function undefinedRecoveryReason(improvement: SeedStatistics): string | null {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  if (improvement.count === 0) return 'full RTRL did not adapt: it diverged on every seed';
  if (improvement.mean < MIN_REFERENCE_IMPROVEMENT) {
    return `full RTRL did not adapt: it improved on frozen by ${pct(improvement.mean)}, under the ${pct(MIN_REFERENCE_IMPROVEMENT)} needed`;
  }
  if (improvement.ci95 && improvement.ci95[0] <= 0) {
    return `full RTRL did not adapt: its improvement over frozen, 95 % CI [${pct(improvement.ci95[0])}, ${pct(improvement.ci95[1])}], includes 0`;
  }
  return null;
}

/**
 * What the transport adds beyond the readout (docs/science.md, "What the transport adds"): full RTRL's gain
 * over the readout-only arm, (L_readout − L_full) / L_readout per seed. When it is under
 * MIN_REFERENCE_IMPROVEMENT or its CI includes 0, the task does not need transport: the readout alone
 * adapts about as well as the exact online gradient, and recovery beyond the readout is undefined.
 */
export function transportGain(readoutLoss: readonly number[], fullLoss: readonly number[]): ReferenceImprovement {
  const perSeed = readoutLoss.map((r, s) => (r - fullLoss[s]) / r);
  const improvement = seedStatistics(perSeed);
  return { improvement, undefinedReason: undefinedBeyondReadoutReason(improvement) };
}

/** The words every table and the app use when the task does not need transport. */
export const NO_TRANSPORT_NEEDED = 'the task does not need transport';

export function undefinedBeyondReadoutReason(gain: SeedStatistics): string | null {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  if (gain.count === 0) return 'full RTRL or readout-only diverged on every seed';
  if (gain.mean < MIN_REFERENCE_IMPROVEMENT) {
    return `${NO_TRANSPORT_NEEDED}: full RTRL improved on readout-only by ${pct(gain.mean)}, under the ${pct(MIN_REFERENCE_IMPROVEMENT)} needed`;
  }
  if (gain.ci95 && gain.ci95[0] <= 0) {
    return `${NO_TRANSPORT_NEEDED}: full RTRL's gain over readout-only, 95 % CI [${pct(gain.ci95[0])}, ${pct(gain.ci95[1])}], includes 0`;
  }
  return null;
}

/** Why recovery beyond the readout is missing when the run has no readout-only arm. */
export const NO_READOUT_ARM = 'no readout-only arm in this run (add readout to the arms)';

/** Words for a recovery above 100 %: the arm adapted better than the exact online gradient it is measured against. */
export const ABOVE_REFERENCE_NOTE = 'adapted better than the exact online gradient';
