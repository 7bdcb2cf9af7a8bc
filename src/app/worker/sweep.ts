/**
 * Recovery as a function of k: one experiment whose arms are frozen, full and k ∈ {0, 1, 2, 4, …, n},
 * run seed by seed so each point fills in as its seeds finish. Pure; sweepWorker.ts runs it off the page.
 */
import { defaultConfig, sparseArm, type ExperimentConfig } from '../../engine/config';
import { frontierArms } from '../../engine/frontier';
import { DEFAULT_LR_GRID } from '../../engine/learningRates';
import { planMap, type MapPlan } from '../../engine/recoveryMap';
import type { SelectionStrategy } from '../../engine/transportMask';
import { CPU_FULL_RTRL_MAX_N, cpuFullRtrlSecondsPerStep, cpuSparseSecondsPerStep } from '../cpuLimits';
import { taskOptionsOf, withChange, type LabParams } from '../labParams';

/** 0, the powers of two below n, and n itself. */
export function sweepKs(n: number): number[] {
  const ks = [0];
  for (let k = 1; k < n; k *= 2) ks.push(k);
  ks.push(n);
  return ks;
}

export const SWEEP_SEEDS = 3;

/** Adaptation steps of the sweep: fewer at large n, where full RTRL dominates the cost. */
export function sweepSteps(n: number): number {
  return n <= 32 ? 600 : n <= 64 ? 400 : 200;
}

export function sweepConfig(p: LabParams): ExperimentConfig {
  const base = defaultConfig();
  return {
    ...base,
    task: p.task,
    // the lab's τ (delay) or length (adding), so a sweep runs the task the live run shows
    taskOptions: taskOptionsOf(p),
    n: p.n,
    leak: p.leak,
    optimizer: { kind: p.optimizer, lr: p.lr, clipNorm: 0 },
    seeds: Array.from({ length: SWEEP_SEEDS }, (_, i) => p.seed + i),
    pretrain: { ...base.pretrain, steps: 3000, epochs: 6 },
    adaptSteps: sweepSteps(p.n),
    metricsEvery: 0,
    // k = n is full RTRL: its point is the full arm's (100 % by definition), not a second n⁴ run
    arms: [{ kind: 'frozen' }, { kind: 'full' }, ...sweepKs(p.n).filter((k) => k < p.n).map((k) => sparseArm(k, p.strategy, p.refresh, p.rescale))],
  };
}

/** n values of the recovery-vs-n sweep at fixed k: up to 64 on the CPU, where full RTRL costs n⁴. */
export function sweepNs(k: number): number[] {
  return [16, 32, 64].filter((n) => n >= Math.max(4, k));
}

export function sweepConfigsN(p: LabParams): ExperimentConfig[] {
  return sweepNs(p.k).map((n) => {
    const c = sweepConfig({ ...p, n });
    return { ...c, seeds: c.seeds.slice(0, 2), adaptSteps: sweepSteps(n), arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(p.k, p.strategy, p.refresh, p.rescale)] };
  });
}

/** Seeds per point of the learning-rate sweep (one: the panel says so). */
export const LR_SWEEP_SEEDS = 1;
/** The sparse k the learning-rate sweep shows beside k = 0 (capped at n). */
export const LR_SWEEP_K = 4;

/** The learning-rate sweep: the current settings at each lr of the grid, arms frozen, full, k = 0, k = 4. */
export function lrSweepConfigs(p: LabParams, grid: readonly number[] = DEFAULT_LR_GRID): ExperimentConfig[] {
  const k = Math.min(LR_SWEEP_K, p.n);
  return grid.map((lr) => {
    const c = sweepConfig({ ...p, lr });
    return { ...c, seeds: c.seeds.slice(0, LR_SWEEP_SEEDS), arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(0, p.strategy, 0, false), sparseArm(k, p.strategy, p.refresh, p.rescale)] };
  });
}

/**
 * What a learning arm costs per step besides its transport (forward pass, immediate term, gradient,
 * optimizer): about 30 µs + 0.4 µs per parameter on this project's 2-core machine (measured from n = 8
 * to 64). Counting transports alone put the map at n = 32 at 7 s when it takes about 80 s.
 */
export function armOverheadSeconds(n: number): number {
  return 30e-6 + 0.4e-6 * n * (n + 2);
}

/** One seed's pretraining: about 15 µs + 0.02 µs·n² per step and epoch here (0.3 s at n = 8, 1.8 s at n = 64). */
export function pretrainSeconds(c: ExperimentConfig): number {
  return c.pretrain.steps * c.pretrain.epochs * (15e-6 + 0.02e-6 * c.n * c.n);
}

/** Seconds a job takes: per seed, pretraining and every arm's steps (transport at the CPU's rate, plus overhead). */
export function estimateSeconds(configs: ExperimentConfig[]): number {
  let s = 0;
  for (const c of configs) {
    let perStep = 0;
    for (const a of c.arms) {
      if (a.kind === 'full') perStep += cpuFullRtrlSecondsPerStep(c.n);
      else if (a.kind === 'sparse') perStep += cpuSparseSecondsPerStep(c.n, a.k);
      if (a.kind !== 'frozen' && a.kind !== 'readout') perStep += armOverheadSeconds(c.n);
    }
    s += c.seeds.length * (pretrainSeconds(c) + c.adaptSteps * perStep);
  }
  return s;
}

/** A background job estimated to take longer than this on the CPU is refused (the CLI runs it, in threads). */
export const JOB_BUDGET_S = 300;

/**
 * Whether a job may run on the CPU: refused above the n where the live view drops full RTRL (every sweep
 * needs it as the reference of recovery), or when its estimated time exceeds JOB_BUDGET_S; else its estimate.
 */
export function jobCheck(configs: ExperimentConfig[]): { refused: string | null; estimateS: number } {
  const needsFull = (c: ExperimentConfig) => c.arms.some((a) => a.kind === 'full' || (a.kind === 'sparse' && a.k === c.n));
  const big = configs.find((c) => c.n > CPU_FULL_RTRL_MAX_N && needsFull(c));
  const estimateS = estimateSeconds(configs);
  if (big) return { refused: `refused: at n = ${big.n} full RTRL takes about ${cpuFullRtrlSecondsPerStep(big.n).toFixed(1)} s per step on the CPU (the live view leaves it out above n = ${CPU_FULL_RTRL_MAX_N}); this job would take about ${Math.round(estimateS)} s`, estimateS };
  if (estimateS > JOB_BUDGET_S) {
    const n = Math.max(...configs.map((c) => c.n));
    return {
      refused: `refused: at n = ${n} this job would take about ${Math.round(estimateS)} s on the CPU (full RTRL about ${cpuFullRtrlSecondsPerStep(n).toFixed(2)} s per step), over the ${JOB_BUDGET_S} s a background job may take; the CLI runs it (npm run experiment)`,
      estimateS,
    };
  }
  return { refused: null, estimateS };
}

// ---- the recovery map (k × τ on the delay task) and cost against quality ----

/** τ after the drift, the map's rows. */
export const MAP_TAUS: readonly number[] = [1, 2, 4, 8, 16];
/** The two selection strategies drawn side by side. */
export const MAP_STRATEGIES: readonly SelectionStrategy[] = ['random', 'top-k'];
/** Largest n the app runs the map at: ten experiments with full RTRL each take minutes above it on the CPU. */
export const MAP_MAX_N = 32;

/** k = 0, 1, 2, 4, … up to n/2, the map's columns. */
export function mapKs(n: number): number[] {
  const ks = [0];
  for (let k = 1; k <= n / 2; k *= 2) ks.push(k);
  return ks;
}

/** The lab's settings on the delay task: its learning rate follows the task's default unless the user set one. */
export function delayParams(p: LabParams): LabParams {
  return p.task === 'delay' ? p : withChange(p, 'task', 'delay');
}

export interface MapJob {
  /** the n the map runs at: the lab's, at most MAP_MAX_N */
  n: number;
  /** the lab's n */
  labN: number;
  /** why n is not the lab's (null when it is) */
  capNote: string | null;
  /** the lab's delay τ before and after the drift (the map's τ axis replaces the latter) */
  labDelay: { A: number; B: number };
  /** one plan per strategy, MAP_STRATEGIES order */
  plans: MapPlan[];
  strategies: SelectionStrategy[];
  /** every plan's runs, plan after plan: the job's configurations */
  configs: ExperimentConfig[];
  /** configs[i] is run `run` of plan `plan` */
  runOf: { plan: number; run: number }[];
}

function mapPlans(q: LabParams): { plans: MapPlan[]; configs: ExperimentConfig[]; runOf: MapJob['runOf'] } {
  const base: ExperimentConfig = { ...sweepConfig(q), arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }] };
  const plans = MAP_STRATEGIES.map((strategy) =>
    planMap(
      { ...base, arms: [...base.arms, sparseArm(0, strategy, q.refresh, q.rescale)] },
      [
        { name: 'k', values: mapKs(q.n) },
        { name: 'tau', values: [...MAP_TAUS] },
      ],
    ),
  );
  const runOf = plans.flatMap((plan, pi) => plan.runs.map((_, ri) => ({ plan: pi, run: ri })));
  return { plans, runOf, configs: runOf.map(({ plan, run }) => plans[plan].runs[run].config) };
}

/**
 * The map job: for each strategy, the plan of k (columns) × τ (rows) on the delay task with the lab's n (at
 * most MAP_MAX_N, saying why), τ before the drift, optimizer, rate, leak and selection settings, and the
 * sweep's seeds and short pretraining and adaptation. One run per τ: its k values are arms of that run.
 */
export function mapJob(p: LabParams): MapJob {
  const lab = delayParams(p);
  const n = Math.min(lab.n, MAP_MAX_N);
  let capNote: string | null = null;
  if (n < lab.n) {
    const full = mapPlans(lab);
    capNote = `the map runs at n = ${n}, not the lab’s n = ${lab.n}: its ${full.configs.length} experiments of ${SWEEP_SEEDS} seeds, each with full RTRL, would take about ${Math.round(estimateSeconds(full.configs))} s at n = ${lab.n} on the CPU; the CLI runs them (the commands below)`;
  }
  return { n, labN: lab.n, capNote, labDelay: { A: lab.delayA, B: lab.delayB }, strategies: [...MAP_STRATEGIES], ...mapPlans({ ...lab, n }) };
}

/**
 * The CLI command for one strategy's map at the lab's n (in threads, no app limit), with the map's settings
 * and the CLI's longer pretraining and adaptation.
 */
export function mapCliCommand(job: MapJob, strategy: SelectionStrategy): string {
  const c = job.configs[0];
  const d = job.labDelay;
  const sparse = c.arms.find((a) => a.kind === 'sparse');
  const selection = sparse?.kind === 'sparse' ? `${sparse.refreshEvery > 0 ? ` --refresh ${sparse.refreshEvery}` : ''}${sparse.rescale ? ' --rescale' : ''}` : '';
  return [
    `npm run experiment -- --task delay --delay ${d.A}:${d.B} --n ${job.labN} --optimizer ${c.optimizer.kind} --lr ${c.optimizer.lr} --leak ${c.leak}`,
    `--strategy ${strategy}${selection} --map k=${mapKs(job.labN).join(',')} tau=${MAP_TAUS.join(',')}`,
    `--seeds ${c.seeds.length} --seed ${c.seeds[0]}`,
  ].join(' ');
}

/**
 * Cost against quality on the lab's task: the sweep's settings (seeds, short pretraining and adaptation)
 * with the frontier's arms (readout-only, full, k = 0 … n with the lab's selection, SnAp-1, UORO, KF-RTRL,
 * TBPTT with the task's memory demand).
 */
export function frontierConfig(p: LabParams): ExperimentConfig {
  const c = sweepConfig(p);
  return { ...c, arms: frontierArms({ ...c, arms: [sparseArm(0, p.strategy, p.refresh, p.rescale)] }) };
}

// ---- the transformer: recovery as a function of the head fraction ρ (its "recovery vs k") ----

/** The head fractions of the transformer's sweep; 1 is dense, the reference (100 % by definition). */
export const HEAD_SWEEP_FRACTIONS: readonly number[] = [0, 0.25, 0.5, 1];

/**
 * What the transformer sweep runs, as plain data (the sweep worker builds the engine's config from it with
 * transformerSweepConfig, so the page does not load the transformer's code): the lab's task, optimizer, lr,
 * seed and redraw R, on the live run's model (d = 32, H = 4, one layer, window 32, 300 pretraining steps)
 * at ρ = 0, 0.25, 0.5 and dense, SWEEP_SEEDS seeds, 400 adaptation steps each.
 */
export interface TransformerSweepSpec {
  task: LabParams['task'];
  optimizer: LabParams['optimizer'];
  lr: number;
  refresh: number;
  seeds: number[];
  fractions: number[];
  adaptSteps: number;
  pretrainSteps: number;
}

export function transformerSweepSpec(p: LabParams): TransformerSweepSpec {
  return {
    task: p.task,
    optimizer: p.optimizer,
    lr: p.lr,
    refresh: p.refresh,
    seeds: Array.from({ length: SWEEP_SEEDS }, (_, i) => p.seed + i),
    fractions: [...HEAD_SWEEP_FRACTIONS],
    adaptSteps: 400,
    pretrainSteps: 300,
  };
}

/**
 * Seconds the transformer sweep takes, roughly: per seed, pretraining (≈ 35 ms per batch of 8 windows at
 * d = 32 on this project's 2-core machine) and the five arms' steps (≈ 3.5 ms per step); from the model's
 * measurements (docs/transformer.md), an upper bound on a fast machine.
 */
export function transformerSweepSeconds(s: TransformerSweepSpec): number {
  return s.seeds.length * (s.pretrainSteps * 0.035 + s.adaptSteps * 0.0035);
}
