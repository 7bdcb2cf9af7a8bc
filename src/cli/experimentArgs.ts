/**
 * Command-line options of the experiment runner, turned into a validated ExperimentConfig.
 * Every numeric option is checked against the engine's BOUNDS, so the CLI, the URL and the controls
 * share one set of limits.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  BOUNDS,
  checkBound,
  checkChoice,
  ConfigError,
  defaultConfig,
  sparseArm,
  PRECISIONS,
  validateConfig,
  type Bound,
  type ExperimentConfig,
} from '../engine/config';
import { METHOD_FORMS, methodLabel, parseMethodLabel, validateMethod, type LearningMethod } from '../engine/methods';
import { MODEL_KINDS } from '../engine/models';
import { DEFAULT_LR_GRID, defaultLearningRate } from '../engine/learningRates';
import { checkLrGrid, DEFAULT_TUNING_SEEDS, LR_SELECT_MODES, tuningSeeds, type LrSelectMode } from '../engine/learningRateSelection';
import type { OptimizerKind } from '../engine/optimizer';
import { defaultTransformerConfig, HEAD_STRATEGIES, validateTransformerConfig, type TransformerExperimentConfig } from '../engine/models/transformer';
import { stringOptions } from './parseError';
import { frontierArms } from '../engine/frontier';
import { MAP_AXES, parseMapAxes, planMap, type MapPlan } from '../engine/recoveryMap';
import type { TransformerJob } from './transformerExperiment';
import { ADDING_LENGTH_BOUNDS, DATA_TASK_NAMES, DEFAULT_ADDING_LENGTH, DELAY_BOUNDS, TASK_NAMES, type TaskName, type TaskOptions } from '../engine/tasks/task';
import { CSV_HORIZON_BOUNDS, CSV_LIMITS, csvSeriesFromText, DATE_FORMATS, DEFAULT_CSV_HORIZON, MISSING_POLICIES, type CsvSeries } from '../engine/tasks/csv';
import { WEATHER_HORIZON } from '../engine/tasks/weather';
import { DELAY_STEPS } from '../engine/tasks/delay';
import { SELECTION_STRATEGIES } from '../engine/transportMask';

export const CLI_USAGE = `usage: npm run experiment -- [options]
  --task NAME         ${[...TASK_NAMES, ...DATA_TASK_NAMES].join(' | ')} (default sine); adding is the
                      standard adding problem (target the sum, no drift; constant predictor MSE 0.167),
                      adding-difference its drift variant (sum -> difference); weather and co2 are recorded
                      series shipped with the lab (temperature ${WEATHER_HORIZON} h ahead, Seattle winter -> summer;
                      Mauna Loa CO2's monthly change, 1964-89 -> 1990-2020); csv is your own table:
  --data FILE         csv: the table (comma, semicolon or tab; a header row naming the columns; at most
                      50 MB and 1 M rows); rows are counted from 1 after the header
  --inputs A,B        csv: the input columns
  --target C          csv: the column to predict (it may also be an input)
  --horizon H         csv: the target is H rows after the inputs, ${CSV_HORIZON_BOUNDS.min}..${CSV_HORIZON_BOUNDS.max} (default ${DEFAULT_CSV_HORIZON})
  --drift-at ROW|DATE csv: the first row of regime B, a row number or a date (${DATE_FORMATS.split(' (')[0]}) looked
                      up in the date column; regime A is the rows before it. Columns are z-scored on regime A;
                      each regime needs its steps + H rows (--pretrain + H before the drift, --adapt + H from it)
  --date-column NAME  csv: where --drift-at's date is looked up (default the first column of dates)
  --missing M         csv: ${MISSING_POLICIES.join(' | ')}: a missing cell (empty, NA, NaN, null) stops with its row and
                      column, drops its row, or repeats the value above (default error)
  --delay A:B         the delay task's τ before -> after the drift, each ${DELAY_BOUNDS.min}..${DELAY_BOUNDS.max} (default ${DELAY_STEPS.A}:${DELAY_STEPS.B})
  --length T          the adding problems' sequence length, ${ADDING_LENGTH_BOUNDS.min}..${ADDING_LENGTH_BOUNDS.max} (default ${DEFAULT_ADDING_LENGTH})
  --n N               hidden units, ${BOUNDS.n.min}..${BOUNDS.n.max} (default 64)
  --model NAME        ${[...MODEL_KINDS, 'transformer'].join(' | ')}: the vanilla RNN, the LSTM, or a small causal
                      transformer with head-sparse gradient transport (default rnn)
  transformer only:   --heads H (4), --head-fraction LIST (1,0.5,0.33,0.25,0; 1 is the dense reference),
                      --d-model D (32), --layers L (1), --context W (32, the attention window),
                      --head-strategy random|top|bottom, --refresh R, --wo-local on|off (on),
                      --qkv-local on|off (off), --positions learned|sinusoidal; --pretrain T counts its
                      pretraining updates (default 600)
  --arms LIST         the arms, e.g. frozen,readout,full,k=4,k=0,uoro,kf,snap1,tbptt:20; must include frozen
                      and full (default frozen,readout,full and the --k arms); readout adapts V, c only: the
                      floor that recovery beyond the readout is measured from
  --k LIST            kept paths per unit for the sparse arms, e.g. 0,1,2,4,8,64 (each 0..n; default 0,1,4);
                      with --arms, adds these k=... arms to its list
  --strategy NAME     ${SELECTION_STRATEGIES.join(' | ')} (default random)
  --refresh R         redraw the selection every R steps, 0 = fixed (default 0)
  --rescale           multiply kept transport by n/k
  --optimizer NAME    adam | sgd (default adam)
  --lr X              learning rate (default: the rate --lr-select full picked for this task, model and
                      optimizer, tabled in the README; with --lr-select full|per-arm it is not allowed)
  --lr-select MODE    fixed | full | per-arm (default fixed): fixed uses --lr; full uses the grid rate that
                      minimises full RTRL's mean adaptation loss on tuning seeds, for every arm; per-arm gives
                      each arm its own best grid rate. Tuning seeds are disjoint from the evaluation seeds;
                      results are cached in node_modules/.cache/sparse-rtrl-lab (the cost is printed)
  --lr-grid LIST      the rates --lr-select and --lr-sweep search, sorted (default ${DEFAULT_LR_GRID.join(',')})
  --tuning-seeds T    seeds for --lr-select, at least 2 (default ${DEFAULT_TUNING_SEEDS})
  --lr-sweep          run the experiment at every --lr-grid rate on the evaluation seeds and print mean loss
                      and recovery per arm and rate (the learning-rate sensitivity)
  --precision P       f32 | f64: the arithmetic of the whole run (default f32; f64 is CPU only)
  --clip X            global gradient-norm clip, 0 = off (default 0)
  --leak A            leak α in [0.01, 1]; 1 is the plain tanh RNN (default 0.3)
  --gain G            W ~ N(0, G²/n) (default 1.2)
  --seeds S           number of seeds (default 5)
  --seed S0           first seed (default 1)
  --pretrain T        pretraining steps on regime A (default 4000)
  --adapt T           adaptation steps after the drift (default 1000)
  --window W          all | last-quarter: the loss window recovery is measured on (default all)
  --fidelity          also measure cos(g_k, g_full) on the full arm's trajectory
  --metrics-every M   sample the Jacobian spectrum and ‖P‖ every M steps, 0 = off (default 100)
  --threads T         worker threads running seeds in parallel (default: one per core, at most one per seed)
  --backend B         cpu | gpu: the CPU engine, or WebGPU (Dawn in Node): every RNN arm, the LSTM's frozen,
                      full and k=K arms (default cpu)
  --map X=LIST Y=LIST the recovery map: recovery beyond the readout over two axes, each one of
                      ${MAP_AXES.join(', ')} with at least two values (e.g. --map k=0,1,2,4,8 tau=1,2,4,8;
                      tau needs --task delay); every cell has frozen, readout, full and its sparse arm, seeds
                      and a 95 % CI; without a k axis the sparse arm is --k's single value (default 4)
  --frontier          cost against quality: readout, k = 0, 1, 2, 4 … n, SnAp-1, UORO, KF-RTRL and TBPTT(τ)
                      with τ the task's memory demand, by multiply-adds per step and recovery beyond the
                      readout, and which arms are on the frontier
  --json              print one JSON object instead of the table
  --help              this text`;

export interface ParsedArgs {
  config: ExperimentConfig;
  /** worker threads for the seeds; 1 runs in-process */
  threads: number;
  /** cpu: the reference engine; gpu: the WebGPU engine (src/gpu) */
  backend: 'cpu' | 'gpu';
  /** how the learning rate is chosen (learningRateSelection.ts) */
  lrSelect: LrSelectMode;
  lrGrid: number[];
  /** seeds the selection tunes on, disjoint from config.seeds */
  tuningSeeds: number[];
  /** run every grid rate and print the learning-rate sensitivity */
  lrSweep: boolean;
  /** `--map`: the recovery map's plan (then `config` is its base) */
  map: MapPlan | null;
  /** `--frontier`: config.arms are the frontier's arms */
  frontier: boolean;
  /** `--model transformer`: the transformer's run (then `config` only carries the shared settings) */
  transformer: TransformerJob | null;
  json: boolean;
  help: boolean;
}

function numberOption(option: string, raw: string | undefined, fallback: number, bound: Bound): number {
  if (raw === undefined) return fallback;
  const value = raw.trim() === '' ? NaN : Number(raw);
  return checkBound(`--${option}`, value, bound);
}

/** `--map k=0,1 tau=1,2` → `--map=k=0,1 tau=1,2`: the axes after --map travel as one value. */
function gatherMapAxes(argv: string[]): string[] {
  const at = argv.indexOf('--map');
  if (at < 0) return argv;
  let end = at + 1;
  while (end < argv.length && !argv[end].startsWith('--')) end++;
  return [...argv.slice(0, at), `--map=${argv.slice(at + 1, end).join(' ')}`, ...argv.slice(end)];
}

export function parseExperimentArgs(argv: string[]): ParsedArgs {
  const { values, positionals } = parseArgs({
    args: gatherMapAxes(argv),
    strict: true,
    allowPositionals: true,
    options: {
      ...stringOptions(
        'task',
        'n',
        'k',
        'arms',
        'model',
        'strategy',
        'refresh',
        'optimizer',
        'lr',
        'clip',
        'leak',
        'gain',
        'seeds',
        'seed',
        'pretrain',
        'adapt',
        'window',
        'metrics-every',
        'threads',
        'backend',
        'lr-select',
        'lr-grid',
        'tuning-seeds',
        'precision',
        'heads',
        'head-fraction',
        'd-model',
        'layers',
        'context',
        'head-strategy',
        'wo-local',
        'qkv-local',
        'positions',
        'delay',
        'length',
        'map',
        'data',
        'inputs',
        'target',
        'horizon',
        'drift-at',
        'date-column',
        'missing',
      ),
      frontier: { type: 'boolean' },
      rescale: { type: 'boolean' },
      fidelity: { type: 'boolean' },
      'lr-sweep': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new ConfigError('arguments', `unexpected argument '${positionals[0]}' (options start with --)`);
  const d = defaultConfig();
  const task = values.task === undefined ? d.task : checkChoice<TaskName>('--task', values.task, [...TASK_NAMES, ...DATA_TASK_NAMES]);
  if (task === 'csv' && values.model === 'transformer')
    throw new ConfigError('--task', '--task csv runs with the RNN and the LSTM (--model rnn or lstm); the transformer takes no table');
  const csv = parseCsvOptions(task, values);
  const taskOptions = csv ? { ...parseTaskOptions(task, values.delay, values.length), csv } : parseTaskOptions(task, values.delay, values.length);
  const n = numberOption('n', values.n, d.n, BOUNDS.n);
  const strategy = values.strategy === undefined ? 'random' : checkChoice('--strategy', values.strategy, SELECTION_STRATEGIES);
  const refresh = numberOption('refresh', values.refresh, 0, BOUNDS.refreshEvery);
  const modelChoice = values.model === undefined ? 'rnn' : checkChoice('--model', values.model, [...MODEL_KINDS, 'transformer'] as const);
  const transformer = modelChoice === 'transformer';
  const model = transformer ? 'rnn' : modelChoice;
  const optimizerKind: OptimizerKind = values.optimizer === undefined ? 'adam' : checkChoice('--optimizer', values.optimizer, ['adam', 'sgd'] as const);
  const lrSelect = values['lr-select'] === undefined ? 'fixed' : checkChoice('--lr-select', values['lr-select'], LR_SELECT_MODES);
  if (lrSelect !== 'fixed' && values.lr !== undefined) {
    throw new ConfigError('--lr-select', `--lr-select ${lrSelect} chooses the learning rate from --lr-grid; drop --lr or use --lr-select fixed`);
  }
  const lr = numberOption('lr', values.lr, defaultLearningRate(task, optimizerKind, modelChoice), BOUNDS.lr);
  const lrGrid = values['lr-grid'] === undefined ? [...DEFAULT_LR_GRID] : parseNumberList(values['lr-grid']);
  checkLrGrid(lrGrid);
  const tuningSeedCount = numberOption('tuning-seeds', values['tuning-seeds'], DEFAULT_TUNING_SEEDS, BOUNDS.seeds);
  if (lrSelect !== 'fixed' && tuningSeedCount < 2) {
    throw new ConfigError('--lr-select', `--lr-select ${lrSelect} needs at least 2 tuning seeds (--tuning-seeds ${tuningSeedCount}): one seed picks its noise`);
  }
  if (values['lr-sweep'] && lrSelect !== 'fixed')
    throw new ConfigError('--lr-sweep', '--lr-sweep runs every grid rate itself; it cannot be combined with --lr-select');
  const precision = values.precision === undefined ? 'f32' : checkChoice('--precision', values.precision, PRECISIONS);
  const clip = numberOption('clip', values.clip, 0, BOUNDS.clipNorm);
  const seedCount = numberOption('seeds', values.seeds, d.seeds.length, BOUNDS.seeds);
  const seed0 = numberOption('seed', values.seed, 1, BOUNDS.seed);
  if (seed0 + seedCount - 1 > BOUNDS.seed.max) throw new ConfigError('--seed', `--seed plus --seeds must stay under ${BOUNDS.seed.max}`);
  const window = values.window === undefined ? 'all' : checkChoice('--window', values.window, ['all', 'last-quarter'] as const);
  const sparseDefaults = { strategy, refreshEvery: refresh, rescale: values.rescale ?? false };
  let arms: LearningMethod[];
  if (values.frontier) {
    if (values.arms !== undefined || values.k !== undefined)
      throw new ConfigError('--frontier', '--frontier chooses its arms itself (readout, k = 0 … n, SnAp-1, UORO, KF-RTRL, TBPTT); drop --arms and --k');
    arms = frontierArms({ ...d, task, taskOptions, n, arms: [sparseArm(0, strategy, refresh, sparseDefaults.rescale)] });
  } else if (values.arms === undefined) {
    const ks = parseKList(values.k ?? '0,1,4', n);
    arms = [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, ...ks.map((k) => sparseArm(k, strategy, refresh, sparseDefaults.rescale))];
  } else {
    arms = parseArmList(values.arms, n, sparseDefaults);
    // --k beside --arms adds its k=... arms, skipping those --arms already lists
    const listed = new Set(arms.map(methodLabel));
    const extra = values.k === undefined ? [] : parseKList(values.k, n).map((k) => sparseArm(k, strategy, refresh, sparseDefaults.rescale));
    arms.push(...extra.filter((a) => !listed.has(methodLabel(a))));
  }
  const config: ExperimentConfig = {
    task,
    ...(taskOptions ? { taskOptions } : {}),
    model,
    n,
    arms,
    optimizer: { kind: optimizerKind, lr, clipNorm: clip },
    leak: numberOption('leak', values.leak, d.leak, BOUNDS.leak),
    gain: numberOption('gain', values.gain, d.gain, BOUNDS.gain),
    seeds: Array.from({ length: seedCount }, (_, i) => seed0 + i),
    pretrain: { ...d.pretrain, steps: numberOption('pretrain', values.pretrain, d.pretrain.steps, BOUNDS.pretrainSteps) },
    adaptSteps: numberOption('adapt', values.adapt, d.adaptSteps, BOUNDS.adaptSteps),
    window,
    metricsEvery: numberOption('metrics-every', values['metrics-every'], d.metricsEvery, BOUNDS.metricsEvery),
    fidelity: values.fidelity ?? false,
    precision,
  };
  validateConfig(config);
  const map = values.map === undefined ? null : parseMapOption(values.map, config, values.k, lrSelect, values['lr-sweep'] ?? false, values.frontier ?? false);
  const threads = numberOption('threads', values.threads, Math.min(availableParallelism(), seedCount), { min: 1, max: 64, integer: true });
  const backend = values.backend === undefined ? 'cpu' : checkChoice('--backend', values.backend, ['cpu', 'gpu'] as const);
  if (transformer && backend === 'gpu') throw new ConfigError('--backend', '--backend gpu: the transformer runs on the CPU engine only (--backend cpu)');
  if (!transformer) {
    for (const option of TRANSFORMER_ONLY)
      if (values[option] !== undefined) throw new ConfigError(`--${option}`, `--${option} applies to --model transformer only`);
  }
  const transformerJob = transformer ? parseTransformerJob(values, config, lr) : null;
  if (backend === 'gpu' && precision === 'f64') throw new ConfigError('--precision', '--precision f64 runs on the CPU only: WebGPU has no float64');
  return {
    config,
    threads,
    backend,
    lrSelect,
    lrGrid,
    tuningSeeds: tuningSeeds(config.seeds, tuningSeedCount),
    transformer: transformerJob,
    lrSweep: values['lr-sweep'] ?? false,
    map,
    frontier: values.frontier ?? false,
    json: values.json ?? false,
    help: values.help ?? false,
  };
}

/**
 * "frozen,full,k=4,uoro,kf,snap1,tbptt:20" -> the arms, in that order. Each label must be known, k an
 * integer in [0, n], τ an integer in BOUNDS.truncation, no arm twice, and frozen and full present
 * (recovery is measured between them). Every failure is a ConfigError naming --arms.
 */
export function parseArmList(
  raw: string,
  n: number,
  sparseDefaults: { strategy: (typeof SELECTION_STRATEGIES)[number]; refreshEvery: number; rescale: boolean },
): LearningMethod[] {
  const arms = raw.split(',').map((label) => {
    const arm = parseMethodLabel(label, sparseDefaults);
    if (arm === null) {
      throw new ConfigError('--arms', `--arms: unknown arm '${label.trim()}' (known: ${METHOD_FORMS.join(', ')})`);
    }
    validateMethod(arm, { n }, `--arms ${label.trim()}: `);
    return arm;
  });
  const labels = arms.map(methodLabel);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new ConfigError('--arms', `--arms lists ${twice} twice: ${raw}`);
  if (!labels.includes('frozen') || !labels.includes('full')) {
    throw new ConfigError('--arms', `--arms must include frozen and full: recovery is measured between them (got ${raw})`);
  }
  return arms;
}

/** Options that only the transformer reads. */
const TRANSFORMER_ONLY = ['heads', 'head-fraction', 'd-model', 'layers', 'context', 'head-strategy', 'wo-local', 'qkv-local', 'positions'] as const;
/** Options that only the recurrent models read. */
const RECURRENT_ONLY = ['n', 'k', 'arms', 'strategy', 'rescale', 'leak', 'gain', 'fidelity', 'metrics-every', 'map', 'frontier', 'delay', 'length'] as const;

/**
 * `--model transformer`: the transformer's config from its options and the shared ones (task, optimizer,
 * rate, seeds, adapt, window, precision). `--pretrain` is its pretraining updates (mini-batches of windows);
 * the regime-A stream keeps the RNN's length, so a seed's regime-B stream is the RNN's.
 */
function parseTransformerJob(values: Record<string, string | boolean | undefined>, shared: ExperimentConfig, lr: number): TransformerJob {
  for (const option of RECURRENT_ONLY) {
    if (values[option] !== undefined)
      throw new ConfigError(
        `--${option}`,
        `--${option} applies to the RNN and LSTM; the transformer takes --heads, --head-fraction, --d-model, --layers, --context`,
      );
  }
  const d = defaultTransformerConfig();
  const str = (o: string) => values[o] as string | undefined;
  const int = (o: string, fallback: number) => {
    const raw = str(o);
    if (raw === undefined) return fallback;
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isInteger(v)) throw new ConfigError(`--${o}`, `--${o} must be an integer, got '${raw}'`);
    return v;
  };
  const onOff = (o: string, fallback: boolean) => (str(o) === undefined ? fallback : checkChoice(`--${o}`, str(o)!, ['on', 'off'] as const) === 'on');
  const fractions =
    str('head-fraction') === undefined
      ? d.headFractions
      : str('head-fraction')!
          .split(',')
          .map((f) => (f.trim() === '' ? NaN : Number(f)));
  const config: TransformerExperimentConfig = {
    ...d,
    task: shared.task,
    dModel: int('d-model', d.dModel),
    heads: int('heads', d.heads),
    layers: int('layers', d.layers),
    context: int('context', d.context),
    positions: str('positions') === undefined ? d.positions : checkChoice('--positions', str('positions')!, ['learned', 'sinusoidal'] as const),
    headFractions: fractions,
    strategy: str('head-strategy') === undefined ? d.strategy : checkChoice('--head-strategy', str('head-strategy')!, HEAD_STRATEGIES),
    refreshEvery: shared.arms.find((a) => a.kind === 'sparse')?.refreshEvery ?? 0,
    woLocal: onOff('wo-local', d.woLocal),
    qkvLocal: onOff('qkv-local', d.qkvLocal),
    // the transformer clips at 1 by default (its pretraining does too); --clip overrides
    optimizer: { kind: shared.optimizer.kind, lr, clipNorm: values.clip === undefined ? d.optimizer.clipNorm : shared.optimizer.clipNorm },
    pretrain: { ...d.pretrain, steps: values.pretrain === undefined ? d.pretrain.steps : shared.pretrain.steps },
    adaptSteps: shared.adaptSteps,
    window: shared.window,
    precision: shared.precision ?? 'f32',
  };
  try {
    validateTransformerConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`--${e.option}`, e.message.startsWith('--') ? e.message : `--${e.message}`);
    throw e;
  }
  return { config, seeds: shared.seeds };
}

/** `--map`'s two axes and the plan over the base config; a single --k value is the sparse arm where k is no axis. */
function parseMapOption(raw: string, config: ExperimentConfig, k: string | undefined, lrSelect: LrSelectMode, lrSweep: boolean, frontier: boolean): MapPlan {
  if (lrSelect !== 'fixed' || lrSweep || frontier) {
    throw new ConfigError(
      '--map',
      "--map runs every cell at one fixed rate (--lr, or the task's default): it cannot be combined with --lr-select, --lr-sweep or --frontier; put lr on an axis to compare rates",
    );
  }
  const axes = parseMapAxes(raw.trim() === '' ? [] : raw.trim().split(/\s+/));
  const hasK = axes.some((a) => a.name === 'k');
  const ks = k === undefined ? [4] : parseKList(k, config.n);
  if (hasK && k !== undefined) throw new ConfigError('--map', '--map with a k axis takes its k values from the axis; drop --k');
  if (!hasK && ks.length !== 1) throw new ConfigError('--map', `--map without a k axis measures one sparse arm: give a single --k value (got ${k})`);
  return planMap(config, axes, ks[0]);
}

/** `--delay A:B` (delay task only) and `--length T` (adding problems only), checked against their bounds. */
export function parseTaskOptions(task: TaskName, delay: string | undefined, length: string | undefined): TaskOptions | undefined {
  const options: TaskOptions = {};
  if (delay !== undefined) {
    if (task !== 'delay') throw new ConfigError('--delay', `--delay applies to --task delay only (got --task ${task})`);
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(delay);
    if (!m)
      throw new ConfigError(
        '--delay',
        `--delay must be A:B, τ before and after the drift, each an integer in [${DELAY_BOUNDS.min}, ${DELAY_BOUNDS.max}], got '${delay}'`,
      );
    options.delay = { A: checkBound('--delay', Number(m[1]), DELAY_BOUNDS), B: checkBound('--delay', Number(m[2]), DELAY_BOUNDS) };
  }
  if (length !== undefined) {
    if (task !== 'adding' && task !== 'adding-difference')
      throw new ConfigError('--length', `--length applies to --task adding or adding-difference only (got --task ${task})`);
    options.length = checkBound('--length', length.trim() === '' ? NaN : Number(length), ADDING_LENGTH_BOUNDS);
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

/** The csv task's options; they apply to --task csv only. */
const CSV_OPTIONS = ['data', 'inputs', 'target', 'horizon', 'drift-at', 'date-column', 'missing'] as const;

/**
 * `--task csv --data FILE --inputs A,B --target C [--horizon H] --drift-at ROW|DATE [--date-column NAME]
 * [--missing error|drop|ffill]`: reads the file (at most CSV_LIMITS.bytes) and hands its text to the engine's
 * parser (tasks/csv.ts), whose every complaint is a CsvError naming the option and, for a bad cell, its row
 * and column. Undefined for other tasks, which refuse these options.
 */
export function parseCsvOptions(task: TaskName, values: Partial<Record<(typeof CSV_OPTIONS)[number], string | undefined>>): CsvSeries | undefined {
  if (task !== 'csv') {
    const given = CSV_OPTIONS.find((o) => values[o] !== undefined);
    if (given) throw new ConfigError(`--${given}`, `--${given} applies to --task csv only (got --task ${task})`);
    return undefined;
  }
  for (const o of ['data', 'inputs', 'target', 'drift-at'] as const) {
    if (values[o] === undefined) throw new ConfigError(`--${o}`, `--task csv needs --${o} (--data FILE --inputs A,B --target C --drift-at ROW|DATE)`);
  }
  const file = values.data!;
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new ConfigError('--data', `--data: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : parseErrorLine(e)}`);
  }
  if (size > CSV_LIMITS.bytes) throw new ConfigError('--data', `--data: ${file} is ${(size / 1e6).toFixed(1)} MB; the limit is 50 MB`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('--data', `--data: cannot read ${file}: ${parseErrorLine(e)}`);
  }
  const horizon =
    values.horizon === undefined
      ? DEFAULT_CSV_HORIZON
      : checkBound('--horizon', values.horizon.trim() === '' ? NaN : Number(values.horizon), CSV_HORIZON_BOUNDS);
  const missing = values.missing === undefined ? 'error' : checkChoice('--missing', values.missing, MISSING_POLICIES);
  const series = csvSeriesFromText(text, {
    source: basename(file),
    inputs: values.inputs!.split(','),
    target: values.target!,
    horizon,
    driftAt: values['drift-at']!,
    dateColumn: values['date-column'],
    missing,
  });
  return series;
}

/** An fs error's message on one line. */
function parseErrorLine(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ');
}

/** "1e-4,3e-4" -> [1e-4, 3e-4]; an empty entry is NaN, which checkLrGrid rejects. */
function parseNumberList(raw: string): number[] {
  return raw.trim() === '' ? [] : raw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
}

/** "0,1,2,4" -> [0,1,2,4]; each k an integer in [0, n], no duplicates. */
export function parseKList(raw: string, n: number): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const ks = parts.map((s) => checkBound('--k', s === '' ? NaN : Number(s), { min: 0, max: n, integer: true }));
  if (new Set(ks).size !== ks.length) throw new ConfigError('--k', `--k lists a value twice: ${raw}`);
  return ks;
}
