/**
 * The recovery map: recovery beyond the readout over two axes chosen from k, τ (the delay task's memory
 * demand), n, the learning rate and the selection strategy, with seeds and a CI per cell. It shows where
 * in that plane the transport carries credit, and where the readout alone does the work.
 *
 * Pure: `planMap` turns a base config and two axes into the experiments to run, `collectMap` reads their
 * results back into a grid. The CLI (`--map`) and the app's background job run the plan with whatever
 * engine they have. k is never a config of its own: the k values of one experiment are its sparse arms,
 * so they share the seed's pretraining, stream, frozen, readout-only and full arms, and cost one run.
 */
import { ConfigError, sparseArm, validateConfig, type ExperimentConfig } from './config';
import { methodLabel, type LearningMethod } from './methods';
import type { ExperimentResult } from './protocol/results';
import type { ReferenceImprovement, SeedStatistics } from './statistics';
import { DELAY_STEPS } from './tasks/delay';
import { SELECTION_STRATEGIES, type SelectionStrategy } from './transportMask';

export type MapAxisName = 'k' | 'tau' | 'n' | 'lr' | 'strategy';
export const MAP_AXES: readonly MapAxisName[] = ['k', 'tau', 'n', 'lr', 'strategy'];

/** What each axis sets, for usage texts. */
export const MAP_AXIS_DESCRIPTIONS: Record<MapAxisName, string> = {
  k: 'kept paths per unit of the sparse arm (k > n leaves the cell empty)',
  tau: "the delay task's τ after the drift (τ before it stays the run's --delay A)",
  n: 'hidden units',
  lr: 'the learning rate of every arm',
  strategy: "the sparse arm's path selection",
};

export type MapValue = number | SelectionStrategy;

export interface MapAxis {
  name: MapAxisName;
  values: MapValue[];
}

/** One experiment of the plan and the cells it fills: cell (xi, yi) reads arm `label`. */
export interface MapRun {
  config: ExperimentConfig;
  cells: { xi: number; yi: number; label: string }[];
}

export interface MapPlan {
  axes: [MapAxis, MapAxis];
  runs: MapRun[];
  /** the sparse arm's k where k is not an axis */
  k: number;
  /** the strategy where strategy is not an axis */
  strategy: SelectionStrategy;
}

export interface MapCell {
  x: MapValue;
  y: MapValue;
  /** the arm read (`k=4`); null where the cell could not run (k > n) */
  label: string | null;
  /** recovery beyond the readout over seeds; null where undefined */
  beyondReadout: SeedStatistics | null;
  /** why recovery beyond the readout is undefined here (the task does not need transport, k > n, …) */
  beyondReadoutUndefined: string | null;
  /** the paper's recovery (against frozen); null where undefined */
  recovery: SeedStatistics | null;
  /** full RTRL's gain over readout-only in this cell's run */
  transportGain: ReferenceImprovement | null;
  /** mean adaptation loss of the arm, readout-only and full RTRL */
  meanLoss: { arm: number; readout: number; full: number } | null;
  diverged: number;
}

export interface RecoveryMap {
  axes: [MapAxis, MapAxis];
  k: number;
  strategy: SelectionStrategy;
  seeds: number[];
  /** cells[yi][xi] */
  cells: MapCell[][];
}

/**
 * `k=0,1,2,4` → the k axis; `tau=1,2,4`, `n=16,32`, `lr=1e-4,3e-4`, `strategy=random,top-k`. An unknown
 * axis, an empty list, a single value or a value out of its range is a ConfigError naming `--map`.
 */
export function parseMapAxis(raw: string): MapAxis {
  const m = /^\s*([a-z]+)\s*=(.*)$/.exec(raw);
  if (!m) throw new ConfigError('--map', `--map: each axis is NAME=v1,v2,… (NAME one of ${MAP_AXES.join(', ')}), got '${raw}'`);
  const name = m[1] as MapAxisName;
  if (!MAP_AXES.includes(name)) throw new ConfigError('--map', `--map: unknown axis '${m[1]}' (axes: ${MAP_AXES.join(', ')})`);
  const parts = m[2].split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.every((p) => p === '')) throw new ConfigError('--map', `--map: axis ${name} has no values`);
  if (parts.some((p) => p === '')) throw new ConfigError('--map', `--map: axis ${name} has an empty value: '${m[2]}'`);
  if (parts.length < 2)
    throw new ConfigError('--map', `--map: axis ${name} needs at least two values to be an axis (got ${parts[0]}); set a single value with its own option`);
  const values: MapValue[] = parts.map((p) => {
    if (name === 'strategy') {
      if (!(SELECTION_STRATEGIES as readonly string[]).includes(p))
        throw new ConfigError('--map', `--map: strategy must be one of ${SELECTION_STRATEGIES.join(', ')}, got '${p}'`);
      return p as SelectionStrategy;
    }
    const v = Number(p);
    const integer = name !== 'lr';
    const [min, max] = name === 'k' ? [0, 512] : name === 'tau' ? [1, 64] : name === 'n' ? [2, 512] : [1e-6, 1];
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new ConfigError('--map', `--map: ${name} values must be ${integer ? 'integers' : 'numbers'} in [${min}, ${max}], got '${p}'`);
    }
    return v;
  });
  if (new Set(values).size !== values.length) throw new ConfigError('--map', `--map: axis ${name} lists a value twice`);
  return { name, values };
}

/** Both axes from the CLI's words (`k=0,1,2 tau=1,2,4`): exactly two, different. */
export function parseMapAxes(words: readonly string[]): [MapAxis, MapAxis] {
  if (words.length !== 2) throw new ConfigError('--map', `--map takes exactly two axes (e.g. --map k=0,1,2,4 tau=1,2,4,8), got ${words.length}`);
  const axes = words.map(parseMapAxis) as [MapAxis, MapAxis];
  if (axes[0].name === axes[1].name) throw new ConfigError('--map', `--map: axis ${axes[0].name} given twice`);
  return axes;
}

/**
 * The experiments a map needs. Every run has frozen, readout-only and full RTRL, and its sparse arm(s):
 * one per k value where k is an axis, else `k` with `strategy` (the base config's first sparse arm's
 * settings where it has one). τ needs the delay task.
 */
export function planMap(base: ExperimentConfig, axes: [MapAxis, MapAxis], k = 4): MapPlan {
  const names = axes.map((a) => a.name);
  if (names.includes('tau') && base.task !== 'delay') throw new ConfigError('--map', `--map: the tau axis needs --task delay (got --task ${base.task})`);
  const firstSparse = base.arms.find((a) => a.kind === 'sparse');
  const defaults = firstSparse?.kind === 'sparse' ? firstSparse : sparseArm(k, 'random');
  const baseStrategy = defaults.kind === 'sparse' ? defaults.strategy : 'random';
  const kAxis = axes.findIndex((a) => a.name === 'k');
  const other = axes.map((_, i) => i).filter((i) => i !== kAxis);
  // the runs: one per combination of the non-k axes' values
  const combos: number[][] =
    other.length === 2 ? axes[0].values.flatMap((_, i) => axes[1].values.map((_, j) => [i, j])) : axes[other[0]].values.map((_, i) => [i]);
  const runs: MapRun[] = combos.map((combo) => {
    const at: Partial<Record<MapAxisName, MapValue>> = {};
    other.forEach((axis, c) => (at[axes[axis].name] = axes[axis].values[combo[c]]));
    const n = (at.n as number | undefined) ?? base.n;
    const strategy = (at.strategy as SelectionStrategy | undefined) ?? baseStrategy;
    const sparse = (kk: number): LearningMethod => (defaults.kind === 'sparse' ? { ...defaults, k: kk, strategy } : sparseArm(kk, strategy));
    const ks = kAxis >= 0 ? (axes[kAxis].values as number[]).filter((kk) => kk <= n) : [k].filter((kk) => kk <= n);
    const config: ExperimentConfig = {
      ...base,
      n,
      arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, ...ks.map(sparse)],
      optimizer: at.lr !== undefined ? { ...base.optimizer, lr: at.lr as number } : base.optimizer,
      ...(at.tau !== undefined ? { taskOptions: { ...base.taskOptions, delay: { A: base.taskOptions?.delay?.A ?? DELAY_STEPS.A, B: at.tau as number } } } : {}),
      armLearningRates: at.lr !== undefined ? undefined : base.armLearningRates,
    };
    validateConfig(config);
    const cells: MapRun['cells'] = [];
    const cellAt = (kIndex: number | null): { xi: number; yi: number } => {
      const index = (axis: number) => (axis === kAxis ? kIndex! : combo[other.indexOf(axis)]);
      return { xi: index(0), yi: index(1) };
    };
    if (kAxis >= 0) {
      (axes[kAxis].values as number[]).forEach((kk, kIndex) => {
        if (kk <= n) cells.push({ ...cellAt(kIndex), label: methodLabel(sparse(kk)) });
      });
    } else if (k <= n) {
      cells.push({ ...cellAt(null), label: methodLabel(sparse(k)) });
    }
    return { config, cells };
  });
  return { axes, runs, k, strategy: baseStrategy };
}

/** The grid from the plan's results (`results[i]` is run i's); cells no run filled say why. */
export function collectMap(plan: MapPlan, results: readonly ExperimentResult[]): RecoveryMap {
  const [xAxis, yAxis] = plan.axes;
  const cells: MapCell[][] = yAxis.values.map((y) =>
    xAxis.values.map((x): MapCell => ({
      x,
      y,
      label: null,
      beyondReadout: null,
      beyondReadoutUndefined: 'k > n: this cell has no sparse arm',
      recovery: null,
      transportGain: null,
      meanLoss: null,
      diverged: 0,
    })),
  );
  plan.runs.forEach((run, i) => {
    const r = results[i];
    const loss = (kind: string) => r.arms.find((a) => a.method.kind === kind)?.meanLoss.mean ?? NaN;
    for (const { xi, yi, label } of run.cells) {
      const arm = r.arms.find((a) => a.label === label);
      if (!arm) continue;
      const cell = cells[yi][xi];
      cell.label = label;
      cell.beyondReadout = arm.recoveryBeyondReadoutUndefined === null ? arm.recoveryBeyondReadout : null;
      cell.beyondReadoutUndefined = arm.recoveryBeyondReadoutUndefined;
      cell.recovery = arm.recoveryUndefined === null ? arm.recovery : null;
      cell.transportGain = r.transportGain;
      cell.meanLoss = { arm: arm.meanLoss.mean, readout: loss('readout'), full: loss('full') };
      cell.diverged = arm.diverged;
    }
  });
  return { axes: plan.axes, k: plan.k, strategy: plan.strategy, seeds: plan.runs[0]?.config.seeds ?? [], cells };
}

/** A map value as the table prints it. */
export function mapValueText(axis: MapAxisName, v: MapValue): string {
  return axis === 'lr' ? String(v) : `${axis === 'strategy' ? '' : `${axis} = `}${v}`;
}
