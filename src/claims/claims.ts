/**
 * The paper's claims (science.md §1) as runnable experiments with a stated verdict rule. Pure: it builds
 * configurations and judges results; the CLI (src/cli/claims.ts) and later the app's presets run them.
 * The verdict rules are ours [choice]: each says in words what "holds" means, so a reader can disagree.
 */
import { defaultConfig, sparseArm, type ExperimentConfig } from '../engine/config';
import type { ExperimentResult } from '../engine/experiment';
import { defaultLearningRate } from '../engine/learningRates';
import type { Precision } from '../engine/precision';
import { Rng } from '../engine/rng';
import { transportBackendInfo } from '../engine/transport';
import { NO_TRANSPORT_NEEDED, type ReferenceImprovement, type SeedStatistics } from '../engine/statistics';
import { defaultTransformerConfig, type TransformerExperimentConfig } from '../engine/models/transformer';
import type { TaskName } from '../engine/tasks/task';
import type { SelectionStrategy } from '../engine/transportMask';

export type ClaimSize = 'full' | 'reduced';

/**
 * How our measurement compares with the paper's [choice, stated so a reader can disagree]:
 * - `reproduced`: our 95 % CI overlaps the paper's mean ± 2 std (or, for a qualitative claim, our CI
 *   excludes the opposite of the claim);
 * - `stronger than the paper` / `weaker than the paper`: our CI lies wholly above / below that band, with
 *   the effect itself still present (weaker: the CI stays above the claim's floor, e.g. "most" = 50 %);
 * - `not reproduced`: the effect is absent, or the opposite holds, or our CI cannot tell;
 * - `undefined`: the reference (full RTRL) did not adapt, so there is nothing to recover;
 * - `not run`: outside the lab's models, or an error.
 */
export type Verdict = 'reproduced' | 'stronger than the paper' | 'weaker than the paper' | 'not reproduced' | 'undefined' | 'not run';
export const VERDICTS: readonly Verdict[] = ['reproduced', 'stronger than the paper', 'weaker than the paper', 'not reproduced', 'undefined', 'not run'];

export interface ClaimOutcome {
  /** the measured number, in the unit of `paper` */
  measured: string;
  /** the single number a table sorts or a test checks (NaN when not run) */
  value: number;
  verdict: Verdict;
  /** how the verdict was reached, with the numbers */
  detail: string;
  /** whether the claim's task(s) need transport: full RTRL's gain over readout-only with its CI, per task */
  transport: string;
  /** readout-only's own recovery against frozen (the paper's definition), per task */
  readoutOnly: string;
  /** the claim's arm's recovery beyond the readout, per task ("undefined: no transport needed" where so) */
  beyondReadout: string;
  /** the settings the number depends on: learning rate and how it was chosen, precision, seeds, n */
  settings: string;
}

export interface Claim {
  id: string;
  statement: string;
  paper: string;
  /** what each verdict means for this claim */
  rule: string;
  /** a note on how this run differs from the paper's setting, if it does */
  note?: (size: ClaimSize, options?: ClaimOptions) => string;
  /** the experiments to run, by name */
  experiments(size: ClaimSize, options?: ClaimOptions): Record<string, ExperimentConfig>;
  judge(results: Record<string, ExperimentResult>, size: ClaimSize): Judged;
  /** the arm whose recovery beyond the readout the row shows (default k=4) */
  beyondArm?: string;
  /** a claim about the transformer: its run (the CLI runs it through the transformer engine) and its judge */
  transformer?: (size: ClaimSize, options?: ClaimOptions) => { config: TransformerExperimentConfig; seeds: number[] };
  judgeTransformer?: (result: HeadSparseResult) => Judged;
}

/** What a claim's judge decides; the transport columns are filled from the results alike for every claim. */
export type Judged = Pick<ClaimOutcome, 'measured' | 'value' | 'verdict' | 'detail'>;

/** What the transformer claim reads off a multi-seed transformer run (arms against frozen and dense). */
export interface HeadSparseResult {
  arms: {
    label: string;
    recovery: SeedStatistics;
    recoveryUndefined: string | null;
    recoveryBeyondReadout: SeedStatistics;
    recoveryBeyondReadoutUndefined: string | null;
  }[];
  reference: ReferenceImprovement;
  /** the dense arm's gain over readout-only */
  transportGain: ReferenceImprovement | null;
}

export interface ClaimOptions {
  precision?: Precision;
  /** the larger n of the scaling claim, instead of scalingN(size) (e.g. 128 where n = 256 would take hours) */
  scalingN?: number;
}

interface SizeSpec {
  n: number;
  seeds: number[];
  pretrain: number;
  adapt: number;
  /** the larger n of the scaling claim (the paper's 256 where the CPU engine allows it) */
  nLarge: number;
}

export const SIZES: Record<ClaimSize, SizeSpec> = {
  full: { n: 64, seeds: [1, 2, 3, 4, 5], pretrain: 4000, adapt: 1000, nLarge: 256 },
  reduced: { n: 16, seeds: [1, 2], pretrain: 800, adapt: 150, nLarge: 24 },
};

/**
 * The larger n of the scaling claim: the paper's 256 at full size where the CPU engine runs its WebAssembly
 * kernel (full RTRL at n = 256 is 4.3 G multiply-adds per step); 128 on the TypeScript kernel, where one
 * step takes seconds and 5 seeds × 1000 steps would take hours. The row says which and why.
 */
export function scalingN(size: ClaimSize): number {
  if (size === 'reduced') return SIZES.reduced.nLarge;
  return transportBackendInfo().kernel === 'wasm' ? SIZES.full.nLarge : 128;
}

function scalingNote(size: ClaimSize, options?: ClaimOptions): string {
  if (options?.scalingN !== undefined) {
    return `n = ${SIZES[size].n} → ${options.scalingN} (--scaling-n)${options.scalingN === 256 ? '' : ", not the paper's 256"}`;
  }
  const n = scalingN(size);
  if (size === 'reduced') return `reduced size: n = ${SIZES.reduced.n} → ${n}`;
  if (n === 256) return 'n = 64 → 256 as in the paper';
  return `n = 64 → ${n}, not the paper's 256: the CPU engine runs its TypeScript kernel here (${transportBackendInfo().reason || 'no WebAssembly SIMD'}), where full RTRL at n = 256 takes seconds per step`;
}

/**
 * A claim's experiment at `size`. The learning rate is the task's default: the rate the protocol's
 * selection (`--lr-select full`, tuning seeds disjoint from these) picked for full RTRL, tabled in the README.
 */
function experiment(
  size: ClaimSize,
  options: ClaimOptions | undefined,
  overrides: Partial<ExperimentConfig> & { ks?: number[]; strategy?: SelectionStrategy; task?: TaskName },
): ExperimentConfig {
  const s = SIZES[size];
  const base = defaultConfig();
  const { ks = [4], strategy = 'random', ...rest } = overrides;
  const n = rest.n ?? s.n;
  const task = rest.task ?? base.task;
  const optimizer = rest.optimizer ?? { ...base.optimizer, lr: defaultLearningRate(task, 'adam') };
  return {
    ...base,
    n,
    task,
    seeds: s.seeds,
    pretrain: { ...base.pretrain, steps: s.pretrain },
    adaptSteps: s.adapt,
    metricsEvery: size === 'full' ? 100 : 50,
    arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, ...ks.filter((k) => k <= n).map((k) => sparseArm(k, strategy))],
    precision: options?.precision ?? 'f32',
    ...rest,
    optimizer,
  };
}

function arm(r: ExperimentResult, label: string) {
  const a = r.arms.find((x) => x.label === label);
  if (!a) throw new Error(`no arm ${label}`);
  return a;
}

function pct(s: SeedStatistics): string {
  if (!Number.isFinite(s.mean)) return 'n/a';
  const ci = s.ci95 ? ` [${s.ci95[0].toFixed(0)}, ${s.ci95[1].toFixed(0)}]` : '';
  return `${s.mean.toFixed(0)} ± ${s.std.toFixed(0)} %${ci}`;
}

/** Our CI (or the single value when there is one seed) as an interval. */
function interval(s: SeedStatistics): [number, number] {
  return s.ci95 ?? [s.mean, s.mean];
}

/**
 * A recovery against the paper's mean ± 2 std: reproduced when the intervals overlap, stronger / weaker when
 * ours lies wholly above / below, not reproduced when ours lies below `floor` too (the effect is gone).
 */
export function compareWithPaper(ours: SeedStatistics, paperMean: number, paperStd: number, floor: number): Verdict {
  if (!Number.isFinite(ours.mean)) return 'not reproduced';
  const [lo, hi] = interval(ours);
  const bandLo = paperMean - 2 * paperStd;
  const bandHi = paperMean + 2 * paperStd;
  if (hi >= bandLo && lo <= bandHi) return 'reproduced';
  if (lo > bandHi) return 'stronger than the paper';
  return lo >= floor ? 'weaker than the paper' : 'not reproduced';
}

/** A recovery claim judged against the paper's band, or `undefined` when the reference did not adapt. */
function recoveryVerdict(r: ExperimentResult, label: string, paperMean: number, paperStd: number, floor: number) {
  const a = arm(r, label);
  const ref = r.reference;
  const refText = `full RTRL improved on frozen by ${(100 * ref.improvement.mean).toFixed(0)} %`;
  if (a.recoveryUndefined !== null) {
    return { measured: 'undefined', value: NaN, verdict: 'undefined' as const, detail: a.recoveryUndefined };
  }
  return {
    measured: pct(a.recovery),
    value: a.recovery.mean,
    verdict: compareWithPaper(a.recovery, paperMean, paperStd, floor),
    detail: `${label} at n=${r.config.n}: ${pct(a.recovery)} (95 % CI); paper band ${paperMean - 2 * paperStd}–${paperMean + 2 * paperStd} %; ${refText}`,
  };
}

/** The settings a claim's numbers depend on, named in its row: where, at which rate, in which precision, how many seeds. */
export function describeSettings(results: Record<string, ExperimentResult>): string {
  const configs = Object.values(results).map((r) => r.config);
  const where = [...new Set(configs.map((c) => `${c.task} n=${c.n}`))].join(', ');
  const rates = [...new Set(configs.map((c) => `${c.optimizer.kind} ${c.armLearningRates ? 'lr per arm' : `lr ${c.optimizer.lr}`}`))].join(', ');
  const precisions = [...new Set(configs.map((c) => c.precision ?? 'f32'))].join(', ');
  const seeds = [...new Set(configs.map((c) => c.seeds.length))].join(', ');
  return `${where}; ${rates} (the task's default, chosen for full RTRL by --lr-select full); ${precisions}; ${seeds} seeds`;
}

/** Seed-resampled CI of a statistic of the seeds (for differences of CVs and the like). */
function bootstrapOverSeeds(count: number, stat: (seedIndices: number[]) => number, resamples = 2000): [number, number] | null {
  if (count < 2) return null;
  const rng = new Rng(7_331, count);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const idx = Array.from({ length: count }, () => rng.int(count));
    const v = stat(idx);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  if (values.length === 0) return null;
  return [values[Math.floor(0.025 * (values.length - 1))], values[Math.ceil(0.975 * (values.length - 1))]];
}

/** "3 points" (a rounded −0 reads as 0; NaN as undefined). */
function points(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x) + 0} points` : 'undefined';
}

function cvOf(values: number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / Math.max(1, values.length - 1));
  return sd / Math.abs(m);
}

/** "+12.3 % [8.1, 15.0]": full RTRL's gain over readout-only, in percent with its CI. */
function gainText(g: ReferenceImprovement): string {
  const i = g.improvement;
  const ci = i.ci95 ? ` [${(100 * i.ci95[0]).toFixed(1)}, ${(100 * i.ci95[1]).toFixed(1)}]` : '';
  return `${(100 * i.mean).toFixed(1)} %${ci}`;
}

/** Per task ("sine: …; delay: …") when a claim runs on more than one task, else the one text. */
function perTask(results: Record<string, ExperimentResult>, text: (r: ExperimentResult) => string): string {
  const byTask = new Map<string, string>();
  for (const r of Object.values(results)) if (!byTask.has(r.config.task)) byTask.set(r.config.task, text(r));
  if (byTask.size <= 1) return [...byTask.values()][0] ?? '-';
  return [...byTask.entries()].map(([task, t]) => `${task}: ${t}`).join('; ');
}

/**
 * The three columns every claim row carries [what the transport adds]: does the task need transport (full
 * RTRL's gain over readout-only), readout-only's own recovery, and the claim arm's recovery beyond the readout.
 */
export function transportColumns(results: Record<string, ExperimentResult>, label: string): Pick<ClaimOutcome, 'transport' | 'readoutOnly' | 'beyondReadout'> {
  return {
    transport: perTask(results, (r) => {
      if (!r.transportGain) return 'not measured (no readout arm)';
      const needs = r.transportGain.undefinedReason === null;
      return `${needs ? 'needs transport' : 'does not need transport'}: full RTRL beats readout-only by ${gainText(r.transportGain)}`;
    }),
    readoutOnly: perTask(results, (r) => {
      const a = r.arms.find((x) => x.method.kind === 'readout');
      if (!a) return '-';
      return a.recoveryUndefined === null ? pct(a.recovery) : 'undefined';
    }),
    beyondReadout: perTask(results, (r) => {
      const a = r.arms.find((x) => x.label === label);
      if (!a) return '-';
      if (a.recoveryBeyondReadoutUndefined !== null)
        return a.recoveryBeyondReadoutUndefined.startsWith(NO_TRANSPORT_NEEDED) ? 'undefined: no transport needed' : 'undefined';
      return pct(a.recoveryBeyondReadout);
    }),
  };
}

/** The same three columns for the transformer (readout-only = the output head alone; dense is the reference). */
export function transformerTransportColumns(r: HeadSparseResult, label = 'rho=0.5'): Pick<ClaimOutcome, 'transport' | 'readoutOnly' | 'beyondReadout'> {
  const readout = r.arms.find((a) => a.label === 'readout');
  const arm = r.arms.find((a) => a.label === label);
  const g = r.transportGain;
  return {
    transport: g
      ? `${g.undefinedReason === null ? 'needs transport' : 'does not need transport'}: dense beats readout-only by ${gainText(g)}`
      : 'not measured (no readout arm)',
    readoutOnly: readout && readout.recoveryUndefined === null ? pct(readout.recovery) : '-',
    beyondReadout: !arm
      ? '-'
      : arm.recoveryBeyondReadoutUndefined === null
        ? pct(arm.recoveryBeyondReadout)
        : arm.recoveryBeyondReadoutUndefined.startsWith(NO_TRANSPORT_NEEDED)
          ? 'undefined: no transport needed'
          : 'undefined',
  };
}

/** The strategies the selection claim runs on the delay task (shared-columns is sine-only, as before). */
const DELAY_STRATEGIES = ['random', 'top-k', 'bottom-k', 'self-first'] as const;

export const CLAIMS: Claim[] = [
  {
    id: 'k4-recovers',
    statement: 'k = 4 of n = 64 paths (about 6 %) recovers most of full RTRL’s adaptation',
    paper: '84 ± 6 % (5 seeds)',
    rule: 'reproduced if our 95 % CI of k = 4’s recovery overlaps 72–96 % (the paper’s mean ± 2 std); weaker if below but still above 50 % (“most”)',
    experiments: (size, o) => ({ main: experiment(size, o, { ks: [0, 1, 4] }) }),
    judge: (r) => recoveryVerdict(r.main, 'k=4', 84, 6, 50),
  },
  {
    id: 'k4-scales',
    statement: 'k = 4 stays effective as n grows (64 → 256: 6 % → 1.6 % of paths)',
    paper: '84 % → 78 %',
    rule: 'judged at the larger n against 78 ± 2·6 % (the paper gives no std here; we borrow the headline’s), floor 50 %',
    note: (size, o) => scalingNote(size, o),
    experiments: (size, o) => ({ small: experiment(size, o, {}), large: experiment(size, o, { n: o?.scalingN ?? scalingN(size) }) }),
    judge: (r) => {
      const v = recoveryVerdict(r.large, 'k=4', 78, 6, 50);
      const a = arm(r.small, 'k=4');
      const small = a.recoveryUndefined === null ? pct(a.recovery) : 'undefined';
      return { ...v, measured: `${small} → ${v.measured}`, detail: `n=${r.small.config.n}: ${small}; n=${r.large.config.n}: ${v.detail}` };
    },
  },
  {
    id: 'selection-invariant',
    statement: 'any selection works, even adversarial (bottom-k |W|)',
    paper: 'qualitative',
    rule:
      'on the sine task, reproduced if every strategy’s k = 4 recovery has its 95 % CI above 50 % and its mean within 20 points of random’s; ' +
      'on the delay task (where the transport carries credit) the same 20-point rule on recovery beyond the readout for random, top-k, bottom-k and self-first; ' +
      'reproduced only if it holds on every task where it is defined (the opposite: some selection fails)',
    beyondArm: 'k=4',
    experiments: (size, o) => ({
      ...Object.fromEntries((['random', 'top-k', 'bottom-k', 'self-first', 'shared-columns'] as const).map((s) => [s, experiment(size, o, { strategy: s })])),
      ...Object.fromEntries(DELAY_STRATEGIES.map((s) => [`delay-${s}`, experiment(size, o, { strategy: s, task: 'delay' })])),
    }),
    judge: (r) => {
      // sine: the paper's recovery (against frozen), as the paper measured it
      const sine = Object.entries(r).filter(([name]) => !name.startsWith('delay-'));
      const delay = Object.entries(r).filter(([name]) => name.startsWith('delay-'));
      const undefinedRef = sine.map(([, res]) => res).find((res) => arm(res, 'k=4').recoveryUndefined !== null);
      if (undefinedRef) return { measured: 'undefined', value: NaN, verdict: 'undefined', detail: arm(undefinedRef, 'k=4').recoveryUndefined! };
      const recs = sine.map(([s, res]) => [s, arm(res, 'k=4').recovery] as const);
      const random = recs.find(([s]) => s === 'random')![1].mean;
      const spread = Math.max(...recs.map(([, v]) => Math.abs(v.mean - random)));
      const sineOk = recs.every(([, v]) => Number.isFinite(v.mean) && interval(v)[0] >= 50) && spread <= 20;
      // delay: recovery beyond the readout, where the task needs transport
      const delayUndefined = delay.map(([, res]) => arm(res, 'k=4').recoveryBeyondReadoutUndefined).find((u) => u !== null);
      const beyond = delay.map(([name, res]) => [name.slice('delay-'.length), arm(res, 'k=4').recoveryBeyondReadout] as const);
      const delayRandom = beyond.find(([s]) => s === 'random')?.[1].mean ?? NaN;
      const delaySpread = Math.max(...beyond.map(([, v]) => Math.abs(v.mean - delayRandom)));
      const delayOk = delayUndefined ? null : Number.isFinite(delaySpread) && delaySpread <= 20;
      const verdict: Verdict = sineOk && delayOk !== false ? 'reproduced' : 'not reproduced';
      const delayText = delayUndefined
        ? `delay: ${delayUndefined}`
        : `delay (beyond readout): ${beyond.map(([s, v]) => `${s} ${v.mean.toFixed(0)}`).join(', ')}`;
      return {
        measured: `sine: ${recs.map(([s, v]) => `${s} ${v.mean.toFixed(0)}`).join(', ')}; ${delayText}`,
        value: Math.max(spread, Number.isFinite(delaySpread) ? delaySpread : -Infinity),
        verdict,
        detail:
          `sine, k = 4 recovery per strategy (CI lower bounds ${recs.map(([, v]) => interval(v)[0].toFixed(0)).join(', ')}), largest distance from random ${spread.toFixed(0)} points` +
          (delayUndefined
            ? ''
            : `; delay, recovery beyond the readout, largest distance from random ${delaySpread.toFixed(0)} points (CIs ${beyond.map(([s, v]) => `${s} ${v.ci95 ? `[${v.ci95[0].toFixed(0)}, ${v.ci95[1].toFixed(0)}]` : '-'}`).join(', ')})`) +
          (delayOk === false ? ': where the transport carries credit, which paths are kept decides the result' : ''),
      };
    },
  },
  {
    id: 'step-at-k1',
    statement: 'recovery jumps from zero at k = 0 to most of it at k = 1',
    paper: 'qualitative',
    rule:
      'reproduced if k = 0’s 95 % CI lies under 30 % and k = 1’s above 60 %, on recovery beyond the readout where the task needs transport ' +
      '(else on the paper’s recovery against frozen); measured on the sine task and on the delay task (target x_{t−τ}: temporal credit matters); ' +
      'not reproduced if on both tasks k = 0 already recovers most (no step)',
    beyondArm: 'k=1',
    experiments: (size, o) => ({
      sine: experiment(size, o, { ks: [0, 1, 4] }),
      delay: experiment(size, o, { ks: [0, 1, 4], task: 'delay' }),
    }),
    judge: (r) => {
      const judgeTask = (res: ExperimentResult) => {
        const k0 = arm(res, 'k=0');
        const k1 = arm(res, 'k=1');
        // where the readout alone does the work the step is judged on the paper's recovery, as the paper did
        const beyond = k0.recoveryBeyondReadoutUndefined === null;
        const stat = (a: typeof k0) => (beyond ? a.recoveryBeyondReadout : a.recovery);
        if (!beyond && k0.recoveryUndefined !== null) return { text: 'undefined', step: NaN, verdict: 'undefined' as Verdict };
        const step = interval(stat(k0))[1] < 30 && interval(stat(k1))[0] >= 60;
        return {
          text: `${beyond ? 'beyond readout' : 'vs frozen'} k=0 ${pct(stat(k0))}, k=1 ${pct(stat(k1))}`,
          step: stat(k1).mean - stat(k0).mean,
          verdict: (step ? 'reproduced' : 'not reproduced') as Verdict,
        };
      };
      const sine = judgeTask(r.sine);
      const delay = judgeTask(r.delay);
      const verdicts = [sine.verdict, delay.verdict];
      const verdict: Verdict = verdicts.includes('reproduced') ? 'reproduced' : verdicts.every((v) => v === 'undefined') ? 'undefined' : 'not reproduced';
      return {
        measured: `sine: ${sine.text}; delay: ${delay.text}`,
        value: Math.max(Number.isFinite(sine.step) ? sine.step : -Infinity, Number.isFinite(delay.step) ? delay.step : -Infinity),
        verdict,
        detail: `step from k=0 to k=1: sine ${points(sine.step)}, delay ${points(delay.step)}; where k = 0 already recovers most, the immediate term carries the useful gradient`,
      };
    },
  },
  {
    id: 'jacobian-isotropic',
    statement: 'the Jacobian is full-rank but near-isotropic',
    paper: 'condition numbers 2.6 – 6.5',
    rule: 'reproduced if the CI of the mean condition number of J_t overlaps 2.6–6.5 and the effective rank is above 0.8 n',
    experiments: (size, o) => ({ main: experiment(size, o, { ks: [0, 1, 4] }) }),
    judge: (r) => {
      const c = r.main.jacobianCondition;
      const e = r.main.jacobianEffectiveRank;
      const n = r.main.config.n;
      const [lo, hi] = interval(c);
      const overlaps = hi >= 2.6 && lo <= 6.5;
      return {
        measured: `${c.mean.toFixed(1)} ± ${c.std.toFixed(1)}, eff. rank ${e.mean.toFixed(0)}/${n}`,
        value: c.mean,
        verdict: overlaps && e.mean > 0.8 * n ? 'reproduced' : 'not reproduced',
        detail: `leak α = ${r.main.config.leak}; ${c.count} samples of the full arm’s J_t, CI [${lo.toFixed(1)}, ${hi.toFixed(1)}]`,
      };
    },
  },
  {
    id: 'lorenz-stable',
    statement: 'on the chaotic Lorenz system sparse propagation is more stable than full RTRL',
    paper: 'CV across seeds 13 % vs 88 %',
    rule: 'reproduced if the seed-bootstrap 95 % CI of CV(k = 4) − CV(full) of the mean adaptation loss lies below 0; not reproduced if it includes 0 or lies above',
    experiments: (size, o) => ({ main: experiment(size, o, { task: 'lorenz' }) }),
    judge: (r) => {
      const full = arm(r.main, 'full');
      const k4 = arm(r.main, 'k=4');
      const fi = r.main.config.arms.findIndex((a) => a.kind === 'full');
      const ki = r.main.arms.findIndex((a) => a.label === 'k=4');
      const loss = (a: number) => r.main.seeds.map((s) => s.arms[a].meanLoss);
      const [lf, lk] = [loss(fi), loss(ki)];
      const ci = bootstrapOverSeeds(lf.length, (idx) => cvOf(idx.map((i) => lk[i])) - cvOf(idx.map((i) => lf[i])));
      const diff = k4.meanLoss.cv - full.meanLoss.cv;
      const verdict: Verdict = ci ? (ci[1] < 0 ? 'reproduced' : 'not reproduced') : diff < 0 ? 'reproduced' : 'not reproduced';
      return {
        measured: `CV k=4 ${(100 * k4.meanLoss.cv).toFixed(0)} % vs full ${(100 * full.meanLoss.cv).toFixed(0)} %`,
        value: k4.meanLoss.cv,
        verdict,
        detail: `CV of the mean adaptation loss over seeds; difference ${(100 * diff).toFixed(0)} points, CI ${ci ? `[${(100 * ci[0]).toFixed(0)}, ${(100 * ci[1]).toFixed(0)}]` : 'n/a (one seed)'}; diverged: full ${full.diverged}, k=4 ${k4.diverged}`,
      };
    },
  },
  {
    id: 'neural-decoding',
    statement: 'real primate neural data, cross-session electrode drift, k = 4 (here: simulated recordings)',
    paper: '80 ± 11 %',
    rule: 'reproduced if our CI of k = 4’s recovery on the simulated decoder at n = 20 overlaps 58–102 %; floor 50 %',
    experiments: (size, o) => ({ main: experiment(size, o, { task: 'neural', n: 20 }) }),
    judge: (r) => recoveryVerdict(r.main, 'k=4', 80, 11, 50),
  },
  {
    id: 'sgd',
    statement: 'with SGD instead of Adam',
    paper: '92 ± 1 % (one task)',
    rule: 'reproduced if our CI of k = 4’s recovery with SGD (the rate chosen for full RTRL with SGD) overlaps 90–94 %; floor 50 %',
    experiments: (size, o) => ({ main: experiment(size, o, { optimizer: { kind: 'sgd', lr: defaultLearningRate('sine', 'sgd'), clipNorm: 0 } }) }),
    judge: (r) => recoveryVerdict(r.main, 'k=4', 92, 1, 50),
  },
  {
    id: 'needs-continuous-error',
    statement: 'without a continuous error signal all RTRL variants degrade',
    paper: 'standard adding problem, loss only at the end: BPTT .189, full RTRL .289, constant predictor .167 (MSE)',
    rule:
      'the standard adding problem (target the sum of two marked values at the end of each sequence of T = 30), learned online from the ' +
      'initial weights as in the paper’s table (no pretraining), MSE over the last quarter of the adaptation; reproduced if no RTRL arm (full, k = 0, k = 4) ' +
      'has its 95 % CI of MSE wholly below the constant predictor’s 2/12 ≈ 0.167; not reproduced if some RTRL arm’s CI lies below it (it learned the task)',
    beyondArm: 'k=4',
    experiments: (size, o) => {
      const T = size === 'full' ? 30 : 10;
      return {
        main: experiment(size, o, {
          task: 'adding',
          taskOptions: { length: T },
          pretrain: { ...defaultConfig().pretrain, steps: 0 },
          // 100 sequences at full size: the error arrives once per sequence
          adaptSteps: size === 'full' ? 100 * T : SIZES.reduced.adapt,
          window: 'last-quarter',
          arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, sparseArm(0, 'random'), sparseArm(4, 'random'), { kind: 'tbptt', truncation: T }],
        }),
      };
    },
    judge: (r) => {
      const res = r.main;
      const trivialMse = 2 * (res.trivialLoss ?? 1 / 12);
      const mse = (label: string) => {
        const s = arm(res, label).meanLoss;
        return { mean: 2 * s.mean, ci: s.ci95 ? [2 * s.ci95[0], 2 * s.ci95[1]] : [2 * s.mean, 2 * s.mean] };
      };
      const rtrl = res.arms.filter((a) => a.method.kind === 'full' || a.method.kind === 'sparse').map((a) => a.label);
      const learned = rtrl.filter((l) => mse(l).ci[1] < trivialMse);
      const shown = res.arms.filter((a) => a.method.kind !== 'frozen').map((a) => `${a.label} ${mse(a.label).mean.toFixed(3)}`);
      return {
        measured: `MSE ${shown.join(', ')}; constant ${trivialMse.toFixed(3)}`,
        value: Math.min(...rtrl.map((l) => mse(l).mean)),
        verdict: learned.length === 0 ? 'reproduced' : 'not reproduced',
        detail:
          `${res.config.adaptSteps / (res.config.taskOptions?.length ?? 30)} sequences online from the initial weights; 95 % CIs of MSE: ` +
          res.arms
            .filter((a) => a.method.kind !== 'frozen')
            .map((a) => `${a.label} [${mse(a.label).ci[0].toFixed(3)}, ${mse(a.label).ci[1].toFixed(3)}]`)
            .join(', ') +
          (learned.length ? `; below the constant predictor: ${learned.join(', ')}` : '; no RTRL arm clearly beats the constant predictor'),
      };
    },
  },
  ...(['weather', 'co2'] as const).map((task): Claim => ({
    id: `recorded-${task}`,
    statement:
      task === 'weather'
        ? 'the headline on recorded data: k = 4 of n = 32 paths, Seattle’s hourly weather normals, winter → summer'
        : 'the headline on recorded data: k = 4 of n = 32 paths, Mauna Loa’s monthly CO₂ change, 1964–89 → 1990–2020',
    paper: '84 ± 6 % (the headline, on the paper’s sine task; the paper has no such series)',
    rule:
      'the headline’s rule on a recorded series, at n = 32 where the task’s default rate was chosen for full RTRL (as the neural-decoding claim runs at its n = 20): ' +
      'reproduced if our 95 % CI of k = 4’s recovery ' +
      'overlaps 72–96 %; weaker if below but still above 50 %. The row’s other columns say how much of it readout-only already recovers and what k = 4 adds beyond it',
    // reduced size keeps its own small n
    experiments: (size, o) => ({ main: experiment(size, o, { task, ks: [0, 4], n: size === 'full' ? 32 : SIZES.reduced.n }) }),
    judge: (r) => recoveryVerdict(r.main, 'k=4', 84, 6, 50),
  })),
  {
    id: 'transformers',
    statement: 'transformers: sparse gradient transport over attention heads',
    paper: '50 % of heads beats dense; 33 % borderline',
    rule:
      'a causal transformer (d = 32, H = 4, one layer, window 32) adapts with gradient through round(ρH) heads per layer; ' +
      'reproduced if the 95 % CI of ρ = 0.5’s recovery against dense lies above 100 %; weaker if it includes 100 % or stays above 90 % ' +
      '(half the heads match dense without beating it); not reproduced below',
    experiments: () => ({}),
    transformer: (size, o) => {
      const base = defaultTransformerConfig();
      const full = size === 'full';
      return {
        config: {
          ...base,
          headFractions: full ? [1, 0.5, 0.33, 0.25, 0] : [1, 0.5, 0.33],
          optimizer: { ...base.optimizer, lr: defaultLearningRate('sine', 'adam', 'transformer') },
          pretrain: { ...base.pretrain, steps: full ? base.pretrain.steps : 300 },
          adaptSteps: full ? 1000 : SIZES.reduced.adapt,
          precision: o?.precision ?? 'f32',
        },
        seeds: SIZES[size].seeds,
      };
    },
    beyondArm: 'rho=0.5',
    judge: () => ({ measured: 'not run', value: NaN, verdict: 'not run', detail: 'runs through the transformer' }),
    judgeTransformer: (r) => {
      const at = (label: string) => r.arms.find((a) => a.label === label);
      const half = at('rho=0.5');
      const third = at('rho=0.33');
      if (!half || half.recoveryUndefined !== null) {
        return { measured: 'undefined', value: NaN, verdict: 'undefined', detail: half?.recoveryUndefined ?? 'no ρ = 0.5 arm' };
      }
      const [lo, hi] = interval(half.recovery);
      const verdict: Verdict = lo > 100 ? 'reproduced' : hi >= 100 || lo >= 90 ? 'weaker than the paper' : 'not reproduced';
      return {
        measured: `ρ = 0.5: ${pct(half.recovery)}${third ? `; ρ = 0.33: ${pct(third.recovery)}` : ''}`,
        value: half.recovery.mean,
        verdict,
        detail: `recovery against the dense arm (every head), which improved on frozen by ${(100 * r.reference.improvement.mean).toFixed(0)} %; ${r.arms.map((a) => `${a.label} ${a.recoveryUndefined === null ? a.recovery.mean.toFixed(0) : '-'}`).join(', ')}`,
      };
    },
  },
];
