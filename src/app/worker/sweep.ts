/**
 * The job worker's side of a job: the engine's configurations from the page's job spec (the contract's
 * plain runs over the engine's defaults; the map through the engine's planMap), and the per-seed results
 * summarised with the engine's own summarize, collectMap and frontierOf (the CLI's numbers, CI and
 * undefined rules) into what the page renders. Pure; sweepWorker.ts runs it off the page.
 */
import { defaultConfig, type ExperimentConfig } from '../../engine/config';
import { summarize, type ArmSeedResult, type ExperimentResult, type SeedResult } from '../../engine/experiment';
import { frontierOf, type Frontier } from '../../engine/frontier';
import { collectMap, planMap, type MapPlan } from '../../engine/recoveryMap';
import { delayParams, jobRuns, mapBaseRun, mapJob, MAP_TAUS, type JobRun, type JobSpec, type MapGrid, type MapJob } from '../contract';

/** A job's run as the engine's config: the run's settings over the engine's defaults, no metrics. */
export function experimentConfig(run: JobRun): ExperimentConfig {
  const base = defaultConfig();
  return { ...base, ...run, pretrain: { ...base.pretrain, ...run.pretrain }, metricsEvery: 0 };
}

/** The map's plans, one per strategy: the engine's planMap over k (columns) × τ (rows) from the map's base run. */
export function mapPlans(job: MapJob, spec: JobSpec): MapPlan[] {
  const q = { ...delayParams(spec.params), n: job.n };
  return job.strategies.map((strategy) =>
    planMap(experimentConfig(mapBaseRun(q, strategy)), [
      { name: 'k', values: [...job.ks] },
      { name: 'tau', values: [...MAP_TAUS] },
    ]),
  );
}

/** What the worker runs for a spec: its configs, and for the map the plans they come from. */
export interface WorkerJob {
  spec: JobSpec;
  configs: ExperimentConfig[];
  map: { job: MapJob; plans: MapPlan[] } | null;
}

export function workerJob(spec: JobSpec): WorkerJob {
  if (spec.kind === 'map') {
    const job = mapJob(spec.params);
    const plans = mapPlans(job, spec);
    return { spec, configs: job.runOf.map(({ plan, run }) => plans[plan].runs[run].config), map: { job, plans } };
  }
  // the user's table rides with the spec (the page's prepared series); the engine refuses a csv run without one
  const configs = jobRuns(spec).map(experimentConfig);
  const csv = spec.csv;
  if (csv) {
    // a table streams each regime's rows once per run (the engine refuses a stream that repeats rows, as
    // the CLI does): a job's pretraining and adaptation are cut to the rows the table has
    const positions = (regime: 'A' | 'B') => csv.regimes[regime].reduce((a, [lo, hi]) => a + hi - lo, 0) - csv.horizon;
    for (const c of configs) {
      c.taskOptions = { ...c.taskOptions, csv };
      c.pretrain = { ...c.pretrain, steps: Math.min(c.pretrain.steps, positions('A')) };
      c.adaptSteps = Math.min(c.adaptSteps, positions('B'));
    }
  }
  return { spec, configs, map: null };
}

/** One finished seed of one configuration, as the job keeps it. */
export interface SeedArms {
  seed: number;
  paramCount: number;
  taskDescription: string;
  arms: ArmSeedResult[];
}

/** The engine's SeedResult of a finished seed: no curves or spectra, summarize needs none. */
export function seedResultOf(s: SeedArms): SeedResult {
  return {
    seed: s.seed,
    paramCount: s.paramCount,
    pretrainLoss: [],
    arms: s.arms,
    losses: [],
    jacobianCondition: [],
    jacobianEffectiveRank: [],
    sensitivityCondition: [],
    sensitivityNorm: [],
    gradientCosine: {},
  };
}

/** The experiment over the seeds finished so far (in seed order); null before the first. */
export function experimentOf(config: ExperimentConfig, seeds: readonly (SeedArms | undefined)[]): ExperimentResult | null {
  const done = seeds.filter((s): s is SeedArms => s !== undefined);
  if (done.length === 0) return null;
  return summarize(config, done.map(seedResultOf), done[0].taskDescription);
}

/**
 * One grid per strategy from each run's experiment over the seeds finished so far (`results[configIndex]`,
 * experimentOf's; null or missing before the run's first seed): those runs are collected, the others'
 * cells are pending.
 */
export function mapGrids(
  job: Pick<MapJob, 'strategies' | 'runOf'>,
  plans: readonly MapPlan[],
  results: readonly (ExperimentResult | null | undefined)[],
): MapGrid[] {
  return plans.map((plan, pi) => {
    const own = plan.runs.map((_, ri) => results[job.runOf.findIndex((r) => r.plan === pi && r.run === ri)] ?? null);
    const done = own.map((r) => r !== null);
    const map = collectMap(
      { ...plan, runs: plan.runs.filter((_, ri) => done[ri]) },
      own.filter((r): r is ExperimentResult => r !== null),
    );
    const pending = map.cells.map((row) => row.map(() => false));
    plan.runs.forEach((run, ri) => {
      if (!done[ri]) for (const { xi, yi } of run.cells) pending[yi][xi] = true;
    });
    const seedsDone = Math.min(...own.map((r) => r?.seeds.length ?? 0));
    return { strategy: job.strategies[pi], map, pending, seedsDone };
  });
}

/**
 * A job's finished seeds, summarised as they land: the map's grids (the run a seed lands in is summarised
 * again, not the whole map) and the frontier over the seeds so far.
 */
export class JobResults {
  private readonly seeds: (SeedArms | undefined)[][];
  private readonly results: (ExperimentResult | null)[];

  constructor(private readonly job: WorkerJob) {
    this.seeds = job.configs.map(() => []);
    this.results = job.configs.map(() => null);
  }

  /** Keeps seed `seedIndex` of configuration `configIndex` and summarises that configuration again. */
  add(configIndex: number, seedIndex: number, s: SeedArms): void {
    this.seeds[configIndex][seedIndex] = s;
    this.results[configIndex] = experimentOf(this.job.configs[configIndex], this.seeds[configIndex]);
  }

  /** The map's grids so far (null for another kind of job). */
  grids(): MapGrid[] | null {
    const m = this.job.map;
    return m ? mapGrids(m.job, m.plans, this.results) : null;
  }

  /** The frontier over the first configuration's seeds so far, and how many (null before the first). */
  frontier(): { frontier: Frontier; seedsDone: number } | null {
    const r = this.results[0];
    return r ? { frontier: frontierOf(r), seedsDone: r.seeds.length } : null;
  }
}
