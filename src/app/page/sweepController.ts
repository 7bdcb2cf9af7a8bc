/**
 * Background jobs in their own worker, each with a small store the panels render: the recovery sweeps
 * (over k at the current n, over n at the current k), the learning-rate sweep, the recovery map (k × τ on
 * the delay task, two strategies) and cost against quality (the frontier's arms on the current task). Every job reports
 * "steps done / total, ≈ seconds left", can be cancelled, and is refused (or warned about, with its
 * estimated time) where the live view would refuse it (cpuLimits.ts).
 */
import { create, type StoreApi, type UseBoundStore } from 'zustand';
import {
  CPU_FULL_RTRL_MAX_N,
  frontierRun,
  JOB_BUDGET_S,
  jobCheck,
  jobEstimate,
  jobSteps,
  lrSweepRuns,
  mapJob,
  sweepRun,
  sweepRunsN,
  transformerSweepSpec,
  type FromSweep,
  type JobCheck,
  type JobKind,
  type JobRun,
  type JobSpec,
  type MapGrid,
  type MapJob,
  type ToSweep,
} from '../contract';
import type { Frontier } from '../../engine/frontier';
import { preparedSeries } from './csvController';
import { useLab } from './store';

// the panels read the map's constants and commands here, beside the jobs that use them
export { MAP_MAX_N, MAP_TAUS, mapCliCommand } from '../contract';
export type { JobKind } from '../contract';

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

type JobMessage = Extract<FromSweep, { type: 'seed' | 'map' | 'frontier' }>;

/** One worker per kind of job; a new job of that kind replaces the running one. */
class Job<S extends JobProgress> {
  private worker: Worker | null = null;
  private id = 0;
  constructor(
    readonly store: UseBoundStore<StoreApi<S>>,
    private readonly onResult: (m: JobMessage) => void,
  ) {}

  /** Sends the job spec to the worker (which builds its configurations), or says why it is refused. */
  start(spec: JobSpec, label: string, initial: Partial<S>, check: JobCheck = jobEstimate(spec)): void {
    this.cancel();
    const total = jobSteps(spec);
    if (check.refused) {
      this.store.setState({ ...IDLE, ...initial, status: 'refused', label, stepsTotal: total, estimateS: check.estimateS, error: check.refused } as Partial<S>);
      return;
    }
    this.id++;
    this.store.setState({ ...IDLE, ...initial, status: 'running', label, stepsTotal: total, estimateS: check.estimateS } as Partial<S>);
    // the csv task's table goes with the job (the worker has no file of its own)
    const csv = spec.params.task === 'csv' ? preparedSeries(spec.params) : null;
    const m: ToSweep = { type: 'run', sweepId: this.id, spec: csv ? { ...spec, csv } : spec };
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
    } else this.onResult(m);
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

/** The per-seed readings of a sweep (its other messages are the map's and the frontier's). */
function seedOnly(on: (m: Extract<FromSweep, { type: 'seed' }>) => void): (m: JobMessage) => void {
  return (m) => {
    if (m.type === 'seed') on(m);
  };
}

const sweepJob = new Job(
  useSweep,
  seedOnly((m) => {
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
  }),
);

export function startSweep(mode: 'k' | 'n' | 'heads' = 'k'): void {
  const params = useLab.getState().params;
  const spec: JobSpec = { kind: mode, params };
  if (mode === 'heads') {
    const t = transformerSweepSpec(params);
    const label = `transformer on ${params.task}, ρ in ${t.fractions.join(', ')}, ${t.seeds.length} seeds × ${t.adaptSteps} steps (each seed pretrains first)`;
    sweepJob.start(spec, label, {
      mode,
      ks: t.fractions,
      recovery: t.fractions.map(() => []),
      fullImprovement: t.fractions.map(() => []),
      seeds: t.seeds.length,
      steps: t.adaptSteps,
    });
    return;
  }
  const runs = mode === 'k' ? [sweepRun(params)] : sweepRunsN(params);
  const run = runs[0];
  const ks = mode === 'k' ? [...run.arms.flatMap((a) => (a.kind === 'sparse' ? [a.k] : [])), params.n] : runs.map((c) => c.n);
  const label =
    mode === 'k'
      ? `${params.task}, n = ${params.n}, ${params.strategy}, ${run.seeds.length} seeds × ${run.adaptSteps} steps`
      : `${params.task}, k = ${params.k}, n in ${ks.join(', ')}, ${run.seeds.length} seeds`;
  sweepJob.start(spec, label, { mode, ks, recovery: ks.map(() => []), fullImprovement: ks.map(() => []), seeds: run.seeds.length, steps: run.adaptSteps });
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

const lrJob = new Job(
  useLrSweep,
  seedOnly((m) => {
    useLrSweep.setState((s) => ({
      arms: m.labels,
      meanLoss: s.meanLoss.map((perArm, i) => (i === m.configIndex ? m.labels.map((_, a) => [...(perArm[a] ?? []), m.meanLoss[a]]) : perArm)),
    }));
  }),
);

export function startLrSweep(): void {
  const params = useLab.getState().params;
  const runs = lrSweepRuns(params);
  const lrs = runs.map((c) => c.optimizer.lr);
  const label = `${params.task}, n = ${params.n}, ${params.optimizer}, ${runs[0].seeds.length} seed${runs[0].seeds.length > 1 ? 's' : ''} × ${runs[0].adaptSteps} steps per point`;
  lrJob.start({ kind: 'lr', params }, label, {
    lrs,
    arms: [],
    meanLoss: lrs.map(() => []),
    chosenLr: params.lr,
    seeds: runs[0].seeds.length,
    steps: runs[0].adaptSteps,
  });
}

export function cancelLrSweep(): void {
  lrJob.cancel();
}

// ---- the recovery map: k × τ on the delay task, random and top-k side by side ----

export interface MapJobState extends JobProgress {
  /** what runs (null before the first start) */
  job: MapJob | null;
  /** the grids over the seeds finished so far, as the worker summarised them (null before the first seed) */
  grids: MapGrid[] | null;
}

export const useMapJob = create<MapJobState>(() => ({ ...IDLE, job: null, grids: null }));

const mapRunner = new Job(useMapJob, (m) => {
  if (m.type === 'map') useMapJob.setState({ grids: m.grids });
});

/** What the map runs at the current settings (n at most MAP_MAX_N), with its refusal or estimate. */
export function mapJobNow(params = useLab.getState().params): { job: MapJob; check: JobCheck } {
  const job = mapJob(params);
  return { job, check: jobCheck(job.runs) };
}

export function startMapJob(): void {
  const params = useLab.getState().params;
  const { job, check } = mapJobNow(params);
  const c = job.runs[0];
  const label = `delay task, n = ${job.n}${job.capNote ? ` (the lab’s ${job.labN} is above the map’s ${job.n})` : ''}, k × τ for ${job.strategies.join(' and ')}, ${c.seeds.length} seeds × ${c.adaptSteps} steps per run, ${job.runs.length} runs`;
  mapRunner.start({ kind: 'map', params }, label, { job, grids: null }, check);
}

export function cancelMapJob(): void {
  mapRunner.cancel();
}

// ---- cost against quality: the frontier's arms on the current task ----

/** What the frontier job runs at these settings, with its estimate or refusal. */
export function frontierNow(params = useLab.getState().params): { run: JobRun; check: JobCheck } {
  const run = frontierRun(params);
  return { run, check: jobCheck([run]) };
}

export interface FrontierJobState extends JobProgress {
  /** what runs (null before the first start) */
  run: JobRun | null;
  /** the frontier over the seeds finished so far, as the worker summarised it (null before the first) */
  frontier: Frontier | null;
  seedsDone: number;
}

export const useFrontierJob = create<FrontierJobState>(() => ({ ...IDLE, run: null, frontier: null, seedsDone: 0 }));

const frontierRunner = new Job(useFrontierJob, (m) => {
  if (m.type === 'frontier') useFrontierJob.setState({ frontier: m.frontier, seedsDone: m.seedsDone });
});

export function startFrontierJob(): void {
  const params = useLab.getState().params;
  const run = frontierRun(params);
  const label = `${params.task}, n = ${run.n}, ${run.arms.length - 1} arms, ${run.seeds.length} seeds × ${run.adaptSteps} steps`;
  frontierRunner.start({ kind: 'frontier', params }, label, { run, frontier: null, seedsDone: 0 });
}

export function cancelFrontierJob(): void {
  frontierRunner.cancel();
}

/** "(≈ 190 s)" when a job would take long enough to say so before it starts, else "". */
export function estimateNote(kind: JobKind): string {
  const params = useLab.getState().params;
  const e = jobEstimate({ kind, params });
  if (e.refused) {
    const n = params.n;
    // refused for time below the n where the live view drops full RTRL
    return n > CPU_FULL_RTRL_MAX_N
      ? ` Not at n = ${n} on the CPU: full RTRL is left out there.`
      : ` Not on the CPU at n = ${n}: about ${Math.round(e.estimateS)} s, over the ${JOB_BUDGET_S} s a background job may take.`;
  }
  return e.estimateS > JOB_WARN_S ? ` Estimated ≈ ${Math.round(e.estimateS)} s.` : '';
}
