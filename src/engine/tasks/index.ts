/** The task registry: one name, one seeded generator. */
import type { Rng } from '../rng';
import { createAddingTask } from './adding';
import { createCo2Task } from './co2';
import { createCsvTask } from './csv';
import { createDelayTask } from './delay';
import { createLorenzTask } from './lorenz';
import { createNeuralDecodingTask } from './neuralDecoding';
import { createSineTask } from './sine';
import { createWeatherTask } from './weather';
import {
  ADDING_LENGTH_BOUNDS,
  DEFAULT_ADDING_LENGTH,
  DELAY_BOUNDS,
  type BuiltInTaskName,
  type DataTaskName,
  type Task,
  type TaskName,
  type TaskOptions,
} from './task';

export type { BuiltInTaskName, DataTaskName, Regime, Sequence, Task, TaskName, TaskOptions } from './task';
export { ADDING_LENGTH_BOUNDS, DATA_TASK_NAMES, DEFAULT_ADDING_LENGTH, DELAY_BOUNDS, TASK_NAMES, allocateSequence } from './task';
export { ADDING_TRIVIAL_MSE, createAddingTask } from './adding';
export { createDelayTask, DELAY_STEPS } from './delay';
export { createLorenzTask, LORENZ_A_STATS, simulateLorenz } from './lorenz';
export { createNeuralDecodingTask } from './neuralDecoding';
export { createSineTask } from './sine';
export { createWeatherTask, WEATHER_HORIZON } from './weather';
export { createCo2Task } from './co2';
export { createCsvTask, CsvError, csvSeries, csvSeriesFromText, parseCsv, type CsvSeries, type CsvTaskSpec } from './csv';

/** A task's parameter: its key in TaskOptions, its words, its bounds. */
export interface TaskParameter {
  readonly key: 'delay' | 'length';
  readonly label: string;
  readonly bounds: { readonly min: number; readonly max: number; readonly integer: boolean };
}

/** One record per task: its name, what the app calls it, the story it tells, its parameters, its generator. */
export interface TaskRecord {
  readonly name: TaskName;
  readonly label: string;
  /** one sentence for the app: what the task shows about transport */
  readonly story: string;
  readonly parameters: readonly TaskParameter[];
  create(rng: Rng, options: TaskOptions): Task;
}

const DELAY_PARAMETER: TaskParameter = { key: 'delay', label: 'τ before → after the drift', bounds: DELAY_BOUNDS };
const LENGTH_PARAMETER: TaskParameter = { key: 'length', label: 'sequence length T', bounds: ADDING_LENGTH_BOUNDS };

/**
 * The task registry. Adding a task is its file plus one entry here (and its name in TaskName). The tasks
 * here run from their name alone; the csv task, which needs its table, is in DATA_TASKS.
 */
export const TASKS: Readonly<Record<BuiltInTaskName, TaskRecord>> = {
  sine: {
    name: 'sine',
    label: 'sine (next value of two sines; frequencies drift)',
    story: 'The target needs little memory: adapting the readout alone recovers most of what full RTRL does.',
    parameters: [],
    create: (rng) => createSineTask(rng),
  },
  lorenz: {
    name: 'lorenz',
    label: 'Lorenz (next state of a chaotic system; ρ drifts)',
    story: 'A chaotic system: sensitivities can blow up, and whether sparse transport is steadier than full RTRL is measured, not assumed.',
    parameters: [],
    create: (rng) => createLorenzTask(rng),
  },
  neural: {
    name: 'neural',
    label: 'neural decoding (simulated recordings; a new session)',
    story: 'Simulated recordings with cross-session drift, standing in for the paper’s primate data.',
    parameters: [],
    create: (rng) => createNeuralDecodingTask(rng),
  },
  adding: {
    name: 'adding',
    label: 'adding problem (standard; error only at the end)',
    story: 'The error arrives once per sequence: the scope condition where every RTRL variant is expected to struggle.',
    parameters: [LENGTH_PARAMETER],
    create: (rng, o) => createAddingTask(rng, o.length ?? DEFAULT_ADDING_LENGTH, 'sum'),
  },
  'adding-difference': {
    name: 'adding-difference',
    label: 'adding, drift variant (sum → difference)',
    story: 'The adding problem with a drift: the same inputs, a new rule for the target.',
    parameters: [LENGTH_PARAMETER],
    create: (rng, o) => createAddingTask(rng, o.length ?? DEFAULT_ADDING_LENGTH, 'difference'),
  },
  delay: {
    name: 'delay',
    label: 'delayed recall (target x_{t−τ}; τ drifts)',
    story: 'The target is an input τ steps back: credit must travel through time, and which paths are kept decides the result.',
    parameters: [DELAY_PARAMETER],
    create: (rng, o) => createDelayTask(rng, o.delay),
  },
  weather: {
    name: 'weather',
    label: 'weather (Seattle hourly normals; winter → summer)',
    story:
      'Recorded data: NOAA’s hourly climate normals for Seattle (public domain). Predict the temperature 6 h ahead from pressure, temperature and wind; pretrained on winter, z-scored on winter alone, it drifts into summer.',
    parameters: [],
    create: (rng) => createWeatherTask(rng),
  },
  co2: {
    name: 'co2',
    label: 'CO₂ (Mauna Loa monthly; 1964–89 → 1990–2020)',
    story:
      'Recorded data: Mauna Loa’s monthly CO₂ (Scripps CO2 Program, CC BY 4.0), differenced. Predict next month’s change from the months so far; pretrained on 1964–89, it drifts into the steeper, wider-swinging decades since.',
    parameters: [],
    create: (rng) => createCo2Task(rng),
  },
};

/** Tasks that stream a table the caller hands over (TaskOptions.csv): a name alone cannot create them. */
export const DATA_TASKS: Readonly<Record<DataTaskName, TaskRecord>> = {
  csv: {
    name: 'csv',
    label: 'your own table (CSV)',
    story: 'Your recorded series: the inputs and target columns you name, z-scored on the rows before the drift you set.',
    parameters: [],
    create: (rng, o) => createCsvTask(rng, o.csv),
  },
};

/** A task's record, whether it runs from its name or needs a table. */
export function taskRecord(name: TaskName): TaskRecord {
  return (TASKS as Record<string, TaskRecord>)[name] ?? (DATA_TASKS as Record<string, TaskRecord>)[name];
}

/** A task by name; `options` sets the parameters the task has (the others ignore them). */
export function createTask(name: TaskName, rng: Rng, options: TaskOptions = {}): Task {
  const record = taskRecord(name);
  if (!record) throw new Error(`unknown task: ${String(name)}`);
  return record.create(rng, options);
}
