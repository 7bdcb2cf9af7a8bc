/**
 * Background jobs between the page and the job worker (sweepWorker.ts): what the page asks for (a job
 * spec: its kind and the lab's settings), the runs each job makes as plain data, their time estimates and
 * refusals, and what the worker sends back (per-seed readings for the sweeps, the map's grids and the
 * frontier, summarised on the worker's side: the page only renders them).
 *
 * The runs here are the engine's ExperimentConfig over its defaults: the worker adds those
 * (defaultConfig) and runs them; the page reads the same runs for its estimates and captions before a job
 * starts, without loading the engine.
 */
import type { ExperimentConfig } from '../../engine/config';
import { frontierArms, type Frontier } from '../../engine/frontier';
import { DEFAULT_LR_GRID } from '../../engine/learningRates';
import type { LearningMethod } from '../../engine/methods';
import type { RecoveryMap } from '../../engine/recoveryMap';
import type { SelectionStrategy } from '../../engine/transportMask';
import type { CsvSeries } from '../../engine/tasks/csv';
import { taskOptionsOf, withChange, type LabParams } from '../labParams';
import { CPU_FULL_RTRL_MAX_N, cpuFullRtrlSecondsPerStep, cpuSparseSecondsPerStep } from './cpuLimits';

export type JobKind = 'k' | 'n' | 'lr' | 'heads' | 'map' | 'frontier';

/** What the page asks the job worker for: the kind of job on the lab's settings (the worker builds its configs). */
export interface JobSpec {
  kind: JobKind;
  params: LabParams;
  /** the csv task's table, prepared from the user's file (contract/csv.ts): it reaches the job worker by postMessage */
  csv?: CsvSeries;
}

/**
 * One experiment of a job as plain data: what its ExperimentConfig sets beyond the engine's defaults
 * (the worker adds them: gain, window, precision, no metrics).
 */
export type JobRun = Pick<ExperimentConfig, 'task' | 'taskOptions' | 'n' | 'leak' | 'optimizer' | 'seeds' | 'adaptSteps' | 'arms'> & {
  pretrain: { steps: number; epochs: number };
};

/** The sparse arm with the lab's selection settings (engine/config's sparseArm, as plain data). */
function sparse(k: number, strategy: SelectionStrategy, refreshEvery = 0, rescale = false): LearningMethod {
  return { kind: 'sparse', k, strategy, refreshEvery, rescale };
}

// ---- recovery as a function of k (or n), the learning-rate sweep ----

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

/** Recovery vs k: one experiment whose arms are frozen, full and k ∈ {0, 1, 2, 4, …} below n, on the lab's settings. */
export function sweepRun(p: LabParams): JobRun {
  return {
    task: p.task,
    // the lab's τ (delay) or length (adding), so a sweep runs the task the live run shows
    taskOptions: taskOptionsOf(p),
    n: p.n,
    leak: p.leak,
    optimizer: { kind: p.optimizer, lr: p.lr, clipNorm: 0 },
    seeds: Array.from({ length: SWEEP_SEEDS }, (_, i) => p.seed + i),
    pretrain: { steps: 3000, epochs: 6 },
    adaptSteps: sweepSteps(p.n),
    // k = n is full RTRL: its point is the full arm's (100 % by definition), not a second n⁴ run
    arms: [
      { kind: 'frozen' },
      { kind: 'full' },
      ...sweepKs(p.n)
        .filter((k) => k < p.n)
        .map((k) => sparse(k, p.strategy, p.refresh, p.rescale)),
    ],
  };
}

/** n values of the recovery-vs-n sweep at fixed k: up to 64 on the CPU, where full RTRL costs n⁴. */
export function sweepNs(k: number): number[] {
  return [16, 32, 64].filter((n) => n >= Math.max(4, k));
}

export function sweepRunsN(p: LabParams): JobRun[] {
  return sweepNs(p.k).map((n) => {
    const c = sweepRun({ ...p, n });
    return {
      ...c,
      seeds: c.seeds.slice(0, 2),
      adaptSteps: sweepSteps(n),
      arms: [{ kind: 'frozen' }, { kind: 'full' }, sparse(p.k, p.strategy, p.refresh, p.rescale)],
    };
  });
}

/** Seeds per point of the learning-rate sweep (one: the panel says so). */
export const LR_SWEEP_SEEDS = 1;
/** The sparse k the learning-rate sweep shows beside k = 0 (capped at n). */
export const LR_SWEEP_K = 4;

/** The learning-rate sweep: the current settings at each lr of the grid, arms frozen, full, k = 0, k = 4. */
export function lrSweepRuns(p: LabParams, grid: readonly number[] = DEFAULT_LR_GRID): JobRun[] {
  const k = Math.min(LR_SWEEP_K, p.n);
  return grid.map((lr) => {
    const c = sweepRun({ ...p, lr });
    return {
      ...c,
      seeds: c.seeds.slice(0, LR_SWEEP_SEEDS),
      arms: [{ kind: 'frozen' }, { kind: 'full' }, sparse(0, p.strategy, 0, false), sparse(k, p.strategy, p.refresh, p.rescale)],
    };
  });
}

// ---- what a job costs on the CPU ----

/**
 * What a learning arm costs per step besides its transport (forward pass, immediate term, gradient,
 * optimizer): about 30 µs + 0.4 µs per parameter on this project's 2-core machine (measured from n = 8
 * to 64). Counting transports alone put the map at n = 32 at 7 s when it takes about 80 s.
 */
export function armOverheadSeconds(n: number): number {
  return 30e-6 + 0.4e-6 * n * (n + 2);
}

/** One seed's pretraining: about 15 µs + 0.02 µs·n² per step and epoch here (0.3 s at n = 8, 1.8 s at n = 64). */
export function pretrainSeconds(c: Pick<JobRun, 'n' | 'pretrain'>): number {
  return c.pretrain.steps * c.pretrain.epochs * (15e-6 + 0.02e-6 * c.n * c.n);
}

type Estimated = Pick<JobRun, 'n' | 'seeds' | 'adaptSteps' | 'arms' | 'pretrain'>;

/** Seconds a job takes: per seed, pretraining and every arm's steps (transport at the CPU's rate, plus overhead). */
export function estimateSeconds(runs: readonly Estimated[]): number {
  let s = 0;
  for (const c of runs) {
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

export interface JobCheck {
  /** why the job does not run on the CPU (null: it runs) */
  refused: string | null;
  estimateS: number;
}

/**
 * Whether a job may run on the CPU: refused above the n where the live view drops full RTRL (every sweep
 * needs it as the reference of recovery), or when its estimated time exceeds JOB_BUDGET_S; else its estimate.
 */
export function jobCheck(runs: readonly Estimated[]): JobCheck {
  const needsFull = (c: Estimated) => c.arms.some((a) => a.kind === 'full' || (a.kind === 'sparse' && a.k === c.n));
  const big = runs.find((c) => c.n > CPU_FULL_RTRL_MAX_N && needsFull(c));
  const estimateS = estimateSeconds(runs);
  if (big)
    return {
      refused: `refused: at n = ${big.n} full RTRL takes about ${cpuFullRtrlSecondsPerStep(big.n).toFixed(1)} s per step on the CPU (the live view leaves it out above n = ${CPU_FULL_RTRL_MAX_N}); this job would take about ${Math.round(estimateS)} s`,
      estimateS,
    };
  if (estimateS > JOB_BUDGET_S) {
    const n = Math.max(...runs.map((c) => c.n));
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

/** The map's base run for one strategy: frozen, readout-only, full and the strategy's sparse arm (planMap's base config). */
export function mapBaseRun(q: LabParams, strategy: SelectionStrategy): JobRun {
  return { ...sweepRun(q), arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, sparse(0, strategy, q.refresh, q.rescale)] };
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
  /** the map's columns (k) and rows (τ after the drift) */
  ks: number[];
  taus: number[];
  strategies: SelectionStrategy[];
  /**
   * every run, strategy after strategy, one per τ with the k values as its sparse arms (what the engine's
   * planMap makes of mapBaseRun with these axes)
   */
  runs: JobRun[];
  /** runs[i] is run `run` (its τ's index) of plan `plan` (its strategy's index) */
  runOf: { plan: number; run: number }[];
}

function mapRuns(q: LabParams): Pick<MapJob, 'runs' | 'runOf'> {
  const ks = mapKs(q.n);
  const runOf = MAP_STRATEGIES.flatMap((_, plan) => MAP_TAUS.map((_, run) => ({ plan, run })));
  const runs = runOf.map(({ plan, run }): JobRun => {
    const strategy = MAP_STRATEGIES[plan];
    const base = mapBaseRun(q, strategy);
    return {
      ...base,
      taskOptions: { ...base.taskOptions, delay: { A: q.delayA, B: MAP_TAUS[run] } },
      arms: [...base.arms.slice(0, 3), ...ks.map((k) => sparse(k, strategy, q.refresh, q.rescale))],
    };
  });
  return { runs, runOf };
}

/**
 * The map job: for each strategy, k (columns) × τ (rows) on the delay task with the lab's n (at most
 * MAP_MAX_N, saying why), τ before the drift, optimizer, rate, leak and selection settings, and the
 * sweep's seeds and short pretraining and adaptation. One run per τ: its k values are arms of that run.
 */
export function mapJob(p: LabParams): MapJob {
  const lab = delayParams(p);
  const n = Math.min(lab.n, MAP_MAX_N);
  let capNote: string | null = null;
  if (n < lab.n) {
    const full = mapRuns(lab);
    capNote = `the map runs at n = ${n}, not the lab’s n = ${lab.n}: its ${full.runs.length} experiments of ${SWEEP_SEEDS} seeds, each with full RTRL, would take about ${Math.round(estimateSeconds(full.runs))} s at n = ${lab.n} on the CPU; the CLI runs them (the commands below)`;
  }
  return {
    n,
    labN: lab.n,
    capNote,
    labDelay: { A: lab.delayA, B: lab.delayB },
    ks: mapKs(n),
    taus: [...MAP_TAUS],
    strategies: [...MAP_STRATEGIES],
    ...mapRuns({ ...lab, n }),
  };
}

/**
 * The CLI command for one strategy's map at the lab's n (in threads, no app limit), with the map's settings
 * and the CLI's longer pretraining and adaptation.
 */
export function mapCliCommand(job: MapJob, strategy: SelectionStrategy): string {
  const c = job.runs[0];
  const d = job.labDelay;
  const arm = c.arms.find((a) => a.kind === 'sparse');
  const selection = arm?.kind === 'sparse' ? `${arm.refreshEvery > 0 ? ` --refresh ${arm.refreshEvery}` : ''}${arm.rescale ? ' --rescale' : ''}` : '';
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
export function frontierRun(p: LabParams): JobRun {
  const c = sweepRun(p);
  return { ...c, arms: frontierArms({ ...c, arms: [sparse(0, p.strategy, p.refresh, p.rescale)] }) };
}

// ---- the transformer: recovery as a function of the head fraction ρ (its "recovery vs k") ----

/** The head fractions of the transformer's sweep; 1 is dense, the reference (100 % by definition). */
export const HEAD_SWEEP_FRACTIONS: readonly number[] = [0, 0.25, 0.5, 1];

/**
 * What the transformer sweep runs, as plain data (the worker builds the engine's config from it): the lab's
 * task, optimizer, lr, seed and redraw R, on the live run's model (d = 32, H = 4, one layer, window 32, 300
 * pretraining steps) at ρ = 0, 0.25, 0.5 and dense, SWEEP_SEEDS seeds, 400 adaptation steps each.
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

// ---- one job, whatever its kind ----

/** The runs of a job (the transformer's sweep has its own spec, and no runs here). */
export function jobRuns(spec: JobSpec): JobRun[] {
  const p = spec.params;
  switch (spec.kind) {
    case 'k':
      return [sweepRun(p)];
    case 'n':
      return sweepRunsN(p);
    case 'lr':
      return lrSweepRuns(p);
    case 'map':
      return mapJob(p).runs;
    case 'frontier':
      return [frontierRun(p)];
    case 'heads':
      return [];
  }
}

/** Adaptation steps a job takes in all (its progress bar's total). */
export function jobSteps(spec: JobSpec): number {
  if (spec.kind === 'heads') {
    const s = transformerSweepSpec(spec.params);
    return s.seeds.length * s.adaptSteps;
  }
  return jobRuns(spec).reduce((a, c) => a + c.seeds.length * c.adaptSteps, 0);
}

/** The estimate shown before a job starts, and whether it is refused (the map at its own n, at most MAP_MAX_N). */
export function jobEstimate(spec: JobSpec): JobCheck {
  if (spec.kind === 'heads') return { estimateS: transformerSweepSeconds(transformerSweepSpec(spec.params)), refused: null };
  return jobCheck(jobRuns(spec));
}

// ---- what the job worker sends back ----

/** One cell grid of the recovery map as the worker summarised it so far. */
export interface MapGrid {
  strategy: SelectionStrategy;
  map: RecoveryMap;
  /** pending[yi][xi]: the cell's run has no finished seed yet */
  pending: boolean[][];
  /** seeds finished in the run with the fewest */
  seedsDone: number;
}

export type ToSweep = { type: 'run'; sweepId: number; spec: JobSpec } | { type: 'cancel'; sweepId: number };

export type FromSweep =
  /** a finished seed of run `configIndex`: each arm's engine label, recovery and mean loss (NaN where it diverged) */
  | { type: 'seed'; sweepId: number; configIndex: number; seedIndex: number; labels: string[]; recovery: number[]; meanLoss: number[] }
  /** the map over the seeds finished so far, sent when a seed lands (the engine's summary and grid) */
  | { type: 'map'; sweepId: number; grids: MapGrid[] }
  /** cost against quality over the seeds finished so far */
  | { type: 'frontier'; sweepId: number; frontier: Frontier; seedsDone: number }
  | { type: 'progress'; sweepId: number; stepsDone: number; stepsTotal: number; elapsedMs: number }
  | { type: 'done'; sweepId: number }
  | { type: 'cancelled'; sweepId: number }
  | { type: 'error'; sweepId: number; message: string };
