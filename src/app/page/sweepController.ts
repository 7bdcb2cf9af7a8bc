/**
 * Background jobs in their own worker, each with a small store the panels render: the recovery sweeps
 * (over k at the current n, over n at the current k), the learning-rate sweep, the recovery map (k × τ on
 * the delay task, two strategies) and cost against quality (the frontier's arms on the current task). Every job reports
 * "steps done / total, ≈ seconds left", can be cancelled, and is refused (or warned about, with its
 * estimated time) where the live view would refuse it (cpuLimits.ts).
 */
import { create, type StoreApi, type UseBoundStore } from 'zustand';
import type { ExperimentConfig } from '../../engine/config';
import { CPU_FULL_RTRL_MAX_N } from '../cpuLimits';
import {
  frontierConfig,
  JOB_BUDGET_S,
  jobCheck,
  lrSweepConfigs,
  mapJob,
  sweepConfig,
  sweepConfigsN,
  transformerSweepSeconds,
  transformerSweepSpec,
  type MapJob,
  type TransformerSweepSpec,
} from '../worker/sweep';
import type { FromSweep, ToSweep } from '../worker/sweepWorker';
import { experimentOf, type SeedArms } from './analysisResults';
import type { ExperimentResult } from '../../engine/experiment';
import { useLab } from './store';

// the panels read the map's constants and commands here, beside the jobs that use them
export { MAP_MAX_N, MAP_TAUS, mapCliCommand } from '../worker/sweep';

/** Above this estimate the panel says how long the job will take before it starts. */
export const JOB_WARN_S = 30;

export type JobStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'refused' | 'error';

/** What every job shows: its progress in adaptation steps and an estimate of the time left. */
export interface JobProgress {
  status: JobStatus;
  /** what the job runs, for the caption */
  label: string;
  stepsDone: number;
  stepsTotal: number;
  /** seconds left at the speed so far (null before the first progress report) */
  etaS: number | null;
  /** the estimate made before starting (seconds) */
  estimateS: number;
  /** why the job did not start or failed */
  error: string | null;
}

const IDLE: JobProgress = { status: 'idle', label: '', stepsDone: 0, stepsTotal: 0, etaS: null, estimateS: 0, error: null };

/** "1,200 / 4,000 steps, ≈ 12 s left" */
export function progressText(p: JobProgress): string {
  const steps = `${p.stepsDone.toLocaleString('en')} / ${p.stepsTotal.toLocaleString('en')} steps`;
  if (p.status === 'running') return `${steps}, ${p.etaS === null ? `≈ ${Math.max(1, Math.ceil(p.estimateS))} s estimated` : `≈ ${Math.ceil(p.etaS)} s left`}`;
  if (p.status === 'done') return `${steps}, done`;
  if (p.status === 'cancelled') return `${steps}, cancelled`;
  if (p.status === 'refused') return p.error ?? 'refused';
  if (p.status === 'error') return `failed: ${p.error}`;
  return '';
}

/** One worker per kind of job; a new job of that kind replaces the running one. */
class Job<S extends JobProgress> {
  private worker: Worker | null = null;
  private id = 0;
  constructor(
    readonly store: UseBoundStore<StoreApi<S>>,
    private readonly onSeed: (m: Extract<FromSweep, { type: 'seed' }>) => void,
  ) {}

  /** `check`: the job's own refusal rule where it has one (the map's n limit), else jobCheck's */
  start(configs: ExperimentConfig[], label: string, initial: Partial<S>, check = jobCheck(configs)): void {
    this.cancel();
    const total = configs.reduce((a, c) => a + c.seeds.length * c.adaptSteps, 0);
    if (check.refused) {
      this.store.setState({ ...IDLE, ...initial, status: 'refused', label, stepsTotal: total, estimateS: check.estimateS, error: check.refused } as Partial<S>);
      return;
    }
    this.id++;
    this.store.setState({ ...IDLE, ...initial, status: 'running', label, stepsTotal: total, estimateS: check.estimateS } as Partial<S>);
    const m: ToSweep = { type: 'run', sweepId: this.id, configs };
    this.ensureWorker().postMessage(m);
  }

  /** The transformer's head-fraction sweep (its own message: the worker builds the engine's config). */
  startTransformer(spec: TransformerSweepSpec, label: string, initial: Partial<S>): void {
    this.cancel();
    this.id++;
    this.store.setState({ ...IDLE, ...initial, status: 'running', label, stepsTotal: spec.seeds.length * spec.adaptSteps, estimateS: transformerSweepSeconds(spec) } as Partial<S>);
    const m: ToSweep = { type: 'run-transformer', sweepId: this.id, spec };
    this.ensureWorker().postMessage(m);
  }

  private ensureWorker(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('../worker/sweepWorker.ts', import.meta.url), { type: 'module', name: 'sweep' });
      this.worker.onmessage = (e: MessageEvent<FromSweep>) => this.onMessage(e.data);
    }
    return this.worker;
  }

  cancel(): void {
    if (this.store.getState().status !== 'running') return;
    const m: ToSweep = { type: 'cancel', sweepId: this.id };
    this.worker?.postMessage(m);
    // the page stops listening at once; the worker stops at its next progress point
    this.id++;
    this.store.setState({ status: 'cancelled', etaS: null } as Partial<S>);
  }

  private onMessage(m: FromSweep): void {
    if (m.sweepId !== this.id) return;
    if (m.type === 'error') this.store.setState({ status: 'error', error: m.message } as Partial<S>);
    else if (m.type === 'done') this.store.setState({ status: 'done', etaS: 0, stepsDone: this.store.getState().stepsTotal } as Partial<S>);
    else if (m.type === 'cancelled') this.store.setState({ status: 'cancelled' } as Partial<S>);
    else if (m.type === 'progress') {
      const rate = m.elapsedMs / Math.max(1, m.stepsDone);
      this.store.setState({ stepsDone: m.stepsDone, stepsTotal: m.stepsTotal, etaS: (rate * (m.stepsTotal - m.stepsDone)) / 1000 } as Partial<S>);
    } else this.onSeed(m);
  }
}

// ---- recovery vs k (or n) ----

export interface SweepState extends JobProgress {
  /** over k at the current n, over n at the current k, or the transformer over its head fraction ρ */
  mode: 'k' | 'n' | 'heads';
  /** the x values: k for mode k, n for mode n */
  ks: number[];
  /** recovery per x value, one entry per finished seed */
  recovery: number[][];
  /** full RTRL's own improvement (L̄frozen − L̄full)/L̄frozen per x value, one entry per finished seed */
  fullImprovement: number[][];
  seeds: number;
  steps: number;
}

export const useSweep = create<SweepState>(() => ({ ...IDLE, mode: 'k', ks: [], recovery: [], fullImprovement: [], seeds: 0, steps: 0 }));

const sweepJob = new Job(useSweep, (m) => {
  const { ks, mode } = useSweep.getState();
  const frozen = m.meanLoss[m.labels.indexOf('frozen')];
  // the reference: full RTRL, or the transformer's dense arm
  const full = m.meanLoss[m.labels.findIndex((l) => l.startsWith('full') || l === 'dense')];
  const improvement = Number.isFinite(frozen) && Number.isFinite(full) && frozen > 0 ? (frozen - full) / frozen : NaN;
  useSweep.setState((s) => ({
    recovery: s.recovery.map((values, i) => {
      if (mode === 'heads') return [...values, m.recovery[m.labels.indexOf(ks[i] === 1 ? 'dense' : `rho=${ks[i]}`)] ?? NaN];
      if (mode === 'k') {
        const at = m.labels.indexOf(`k=${ks[i]}`);
        // k = n is run once, as the full arm
        return [...values, at >= 0 ? m.recovery[at] : m.recovery[m.labels.indexOf('full')]];
      }
      return i === m.configIndex ? [...values, m.recovery[m.labels.findIndex((l) => l.startsWith('k='))]] : values;
    }),
    fullImprovement: s.fullImprovement.map((values, i) => (mode !== 'n' || i === m.configIndex ? [...values, improvement] : values)),
  }));
});

export function startSweep(mode: 'k' | 'n' | 'heads' = 'k'): void {
  const params = useLab.getState().params;
  if (mode === 'heads') {
    const spec = transformerSweepSpec(params);
    const label = `transformer on ${params.task}, ρ in ${spec.fractions.join(', ')}, ${spec.seeds.length} seeds × ${spec.adaptSteps} steps (each seed pretrains first)`;
    sweepJob.startTransformer(spec, label, { mode, ks: spec.fractions, recovery: spec.fractions.map(() => []), fullImprovement: spec.fractions.map(() => []), seeds: spec.seeds.length, steps: spec.adaptSteps });
    return;
  }
  const configs = mode === 'k' ? [sweepConfig(params)] : sweepConfigsN(params);
  const config = configs[0];
  const ks = mode === 'k' ? [...config.arms.flatMap((a) => (a.kind === 'sparse' ? [a.k] : [])), params.n] : configs.map((c) => c.n);
  const label =
    mode === 'k'
      ? `${params.task}, n = ${params.n}, ${params.strategy}, ${config.seeds.length} seeds × ${config.adaptSteps} steps`
      : `${params.task}, k = ${params.k}, n in ${ks.join(', ')}, ${config.seeds.length} seeds`;
  sweepJob.start(configs, label, { mode, ks, recovery: ks.map(() => []), fullImprovement: ks.map(() => []), seeds: config.seeds.length, steps: config.adaptSteps });
}

export function cancelSweep(): void {
  sweepJob.cancel();
}

// ---- learning-rate sensitivity ----

export interface LrSweepState extends JobProgress {
  lrs: number[];
  /** arm labels as the engine names them: frozen, full, k=0, k=4 */
  arms: string[];
  /** meanLoss[lr index][arm index]: one entry per finished seed */
  meanLoss: number[][][];
  /** the lr the live run uses, marked on the chart */
  chosenLr: number;
  seeds: number;
  steps: number;
}

export const useLrSweep = create<LrSweepState>(() => ({ ...IDLE, lrs: [], arms: [], meanLoss: [], chosenLr: NaN, seeds: 0, steps: 0 }));

const lrJob = new Job(useLrSweep, (m) => {
  useLrSweep.setState((s) => ({
    arms: m.labels,
    meanLoss: s.meanLoss.map((perArm, i) => (i === m.configIndex ? m.labels.map((_, a) => [...(perArm[a] ?? []), m.meanLoss[a]]) : perArm)),
  }));
});

export function startLrSweep(): void {
  const params = useLab.getState().params;
  const configs = lrSweepConfigs(params);
  const lrs = configs.map((c) => c.optimizer.lr);
  const label = `${params.task}, n = ${params.n}, ${params.optimizer}, ${configs[0].seeds.length} seed${configs[0].seeds.length > 1 ? 's' : ''} × ${configs[0].adaptSteps} steps per point`;
  lrJob.start(configs, label, { lrs, arms: [], meanLoss: lrs.map(() => []), chosenLr: params.lr, seeds: configs[0].seeds.length, steps: configs[0].adaptSteps });
}

export function cancelLrSweep(): void {
  lrJob.cancel();
}

// ---- the recovery map: k × τ on the delay task, random and top-k side by side ----

/** A finished seed of configuration `configIndex` (its seed drawn from `config`), kept by seed index. */
function withSeed(seeds: (SeedArms | undefined)[][], m: Extract<FromSweep, { type: 'seed' }>, config: ExperimentConfig | undefined): (SeedArms | undefined)[][] {
  const next = seeds.slice();
  const row = (next[m.configIndex] ?? []).slice();
  row[m.seedIndex] = { seed: config?.seeds[m.seedIndex] ?? m.seedIndex, paramCount: m.paramCount, taskDescription: m.taskDescription, arms: m.arms };
  next[m.configIndex] = row;
  return next;
}

export interface MapJobState extends JobProgress {
  /** what runs (null before the first start) */
  job: MapJob | null;
  /** seeds[configIndex][seedIndex] as they finish */
  seeds: (SeedArms | undefined)[][];
  /** each run summarised over its seeds so far (null before its first): redone for the run a seed lands in only */
  results: (ExperimentResult | null)[];
}

export const useMapJob = create<MapJobState>(() => ({ ...IDLE, job: null, seeds: [], results: [] }));

const mapRunner = new Job(useMapJob, (m) =>
  useMapJob.setState((s) => {
    const config = s.job?.configs[m.configIndex];
    if (!config) return {};
    const seeds = withSeed(s.seeds, m, config);
    const results = s.results.slice();
    results[m.configIndex] = experimentOf(config, seeds[m.configIndex]);
    return { seeds, results };
  }),
);

/** What the map runs at the current settings (n at most MAP_MAX_N), with its refusal or estimate. */
export function mapJobNow(params = useLab.getState().params): { job: MapJob; check: { refused: string | null; estimateS: number } } {
  const job = mapJob(params);
  return { job, check: jobCheck(job.configs) };
}

export function startMapJob(): void {
  const { job, check } = mapJobNow();
  const c = job.configs[0];
  const label = `delay task, n = ${job.n}${job.capNote ? ` (the lab’s ${job.labN} is above the map’s ${job.n})` : ''}, k × τ for ${job.strategies.join(' and ')}, ${c.seeds.length} seeds × ${c.adaptSteps} steps per run, ${job.configs.length} runs`;
  mapRunner.start(job.configs, label, { job, seeds: job.configs.map(() => []), results: job.configs.map(() => null) }, check);
}

export function cancelMapJob(): void {
  mapRunner.cancel();
}

// ---- cost against quality: the frontier's arms on the current task ----

/** What the frontier job runs at these settings, with its estimate or refusal. */
export function frontierNow(params = useLab.getState().params): { config: ExperimentConfig; check: { refused: string | null; estimateS: number } } {
  const config = frontierConfig(params);
  return { config, check: jobCheck([config]) };
}

export interface FrontierJobState extends JobProgress {
  config: ExperimentConfig | null;
  seeds: (SeedArms | undefined)[];
  /** the experiment over the seeds so far (null before the first) */
  result: ExperimentResult | null;
}

export const useFrontierJob = create<FrontierJobState>(() => ({ ...IDLE, config: null, seeds: [], result: null }));

const frontierRunner = new Job(useFrontierJob, (m) =>
  useFrontierJob.setState((s) => {
    if (!s.config) return {};
    const seeds = withSeed([s.seeds], { ...m, configIndex: 0 }, s.config)[0];
    return { seeds, result: experimentOf(s.config, seeds) };
  }),
);

export function startFrontierJob(): void {
  const params = useLab.getState().params;
  const config = frontierConfig(params);
  const label = `${params.task}, n = ${config.n}, ${config.arms.length - 1} arms, ${config.seeds.length} seeds × ${config.adaptSteps} steps`;
  frontierRunner.start([config], label, { config, seeds: [], result: null });
}

export function cancelFrontierJob(): void {
  frontierRunner.cancel();
}

export type JobKind = 'k' | 'n' | 'lr' | 'heads' | 'map' | 'frontier';

/** The estimate shown before a job starts, for the current settings (seconds), and whether it is refused. */
export function jobEstimate(kind: JobKind): { estimateS: number; refused: string | null } {
  const params = useLab.getState().params;
  if (kind === 'heads') return { estimateS: transformerSweepSeconds(transformerSweepSpec(params)), refused: null };
  if (kind === 'map') return mapJobNow().check;
  const configs = kind === 'k' ? [sweepConfig(params)] : kind === 'n' ? sweepConfigsN(params) : kind === 'frontier' ? [frontierConfig(params)] : lrSweepConfigs(params);
  const c = jobCheck(configs);
  return { estimateS: c.estimateS, refused: c.refused };
}

/** "(≈ 190 s)" when a job would take long enough to say so before it starts, else "". */
export function estimateNote(kind: JobKind): string {
  const e = jobEstimate(kind);
  if (e.refused) {
    const n = useLab.getState().params.n;
    // refused for time below the n where the live view drops full RTRL
    return n > CPU_FULL_RTRL_MAX_N ? ` Not at n = ${n} on the CPU: full RTRL is left out there.` : ` Not on the CPU at n = ${n}: about ${Math.round(e.estimateS)} s, over the ${JOB_BUDGET_S} s a background job may take.`;
  }
  return e.estimateS > JOB_WARN_S ? ` Estimated ≈ ${Math.round(e.estimateS)} s.` : '';
}
