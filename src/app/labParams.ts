/**
 * Every setting of the app, its type, default and bounds, and its place in the URL hash
 * (`#v=1&task=sine&n=64&k=4…`). The numeric bounds are the engine's BOUNDS, so a link cannot carry a value
 * the controls would refuse (tensorflow/playground #63). A malformed field falls back to its default and
 * is reported; the rest of the link is kept.
 */
import { defaultLearningRate } from '../engine/learningRates';
import type { OptimizerKind } from '../engine/optimizer';
import { DEFAULT_ADDING_LENGTH, TASK_NAMES, type TaskName, type TaskOptions } from '../engine/tasks/task';
import type { MissingPolicy } from '../engine/tasks/csv';
import { DELAY_STEPS } from '../engine/tasks/delay';
import { SELECTION_STRATEGIES, type SelectionStrategy } from '../engine/transportMask';
// the UI reads engine facts through the app layer: the strategies' one-line descriptions for the controls
export { STRATEGY_DESCRIPTIONS } from '../engine/transportMask';
import { PARAM_BOUNDS } from './contract/params';
import { BASELINE_ARMS, MAX_LIVE_ARMS, type BaselineArmId } from './contract/live';
// the bounds live in the contract (engine/bounds.ts, not config.ts): the page loads no engine registry
export { PARAM_BOUNDS };

export const HASH_VERSION = 1;

export type BackendChoice = 'auto' | 'gpu' | 'cpu';
export type ModelName = 'rnn' | 'lstm' | 'transformer';

export interface LabParams {
  task: TaskName;
  model: ModelName;
  n: number;
  k: number;
  /** the transformer's ρ: the fraction of heads per layer whose outputs carry gradient (its k) */
  headFraction: number;
  strategy: SelectionStrategy;
  /** redraw the selection every R steps; 0 = fixed */
  refresh: number;
  rescale: boolean;
  optimizer: OptimizerKind;
  lr: number;
  leak: number;
  seed: number;
  /** adaptation steps per animation frame */
  speed: number;
  /** adaptation steps after the drift before the run ends with its summary (the CLI's --adapt) */
  adapt: number;
  backend: BackendChoice;
  /** the delay task's τ before and after the drift (its memory demand) */
  delayA: number;
  delayB: number;
  /** the adding problems' sequence length */
  length: number;
  /** other online methods shown beside the sparse arms (the RNN and the LSTM), in BASELINE_ARMS order */
  baselines: BaselineArmId[];
  /** TBPTT's window τ when TBPTT is among the baselines */
  truncation: number;
  /**
   * The csv task's choice (the file itself is not in the link): input columns (comma-separated, as the
   * CLI's --inputs), the target column, the horizon in rows, the drift (a row number or a date), and what
   * a missing cell does.
   */
  csvInputs: string;
  csvTarget: string;
  csvHorizon: number;
  csvDrift: string;
  csvMissing: MissingPolicy;
}

export const DEFAULT_PARAMS: LabParams = {
  task: 'sine',
  model: 'rnn',
  n: 64,
  k: 4,
  headFraction: 0.5,
  strategy: 'random',
  refresh: 0,
  rescale: false,
  optimizer: 'adam',
  lr: defaultLearningRate('sine', 'adam', 'rnn'),
  leak: 0.3,
  seed: 1,
  speed: 4,
  adapt: 2000,
  backend: 'auto',
  delayA: DELAY_STEPS.A,
  delayB: DELAY_STEPS.B,
  length: DEFAULT_ADDING_LENGTH,
  baselines: [],
  // [choice] 16 steps: longer than every built-in task's memory demand at its defaults (delay τ = 8)
  truncation: 16,
  csvInputs: '',
  csvTarget: '',
  csvHorizon: 1,
  csvDrift: '',
  csvMissing: 'error',
};

/** The arms every recurrent live run has (frozen, full RTRL, k = 0, k, readout-only); the rest of MAX_LIVE_ARMS are baselines. */
export const CORE_LIVE_ARMS = 5;
/** The most baselines a live run takes, so the chart keeps a colour and dash per arm. */
export const MAX_BASELINES = MAX_LIVE_ARMS - CORE_LIVE_ARMS;
const BASELINE_IDS: readonly BaselineArmId[] = BASELINE_ARMS.map((b) => b.id);

/** `ids` in the order the baselines are listed (and join a run), each once. */
export function orderBaselines(ids: readonly BaselineArmId[]): BaselineArmId[] {
  return BASELINE_IDS.filter((id) => ids.includes(id));
}

/** The csv task's fields: they ride in the link with task=csv only. */
export const CSV_KEYS = ['csvInputs', 'csvTarget', 'csvHorizon', 'csvDrift', 'csvMissing'] as const;
/** The horizon's bounds: the engine's CSV_HORIZON_BOUNDS (tasks/csv.ts, which the page does not load; a test keeps them equal). */
export const CSV_HORIZON_LINK_BOUNDS = { min: 0, max: 10_000, integer: true } as const;
/** How long a column name or a drift may be in a link (longer ones are refused as malformed). */
const CSV_TEXT_MAX = 200;

/** The engine's task parameters of these settings (only the task's own are passed on). */
export function taskOptionsOf(p: Pick<LabParams, 'task' | 'delayA' | 'delayB' | 'length'>): TaskOptions {
  if (p.task === 'delay') return { delay: { A: p.delayA, B: p.delayB } };
  if (p.task === 'adding' || p.task === 'adding-difference') return { length: p.length };
  return {};
}

export const CHOICES = {
  // the csv task runs on a file the user drops in (the import dialog), chosen here like any task
  task: [...TASK_NAMES, 'csv'] as readonly TaskName[],
  model: ['rnn', 'lstm', 'transformer'] as readonly ModelName[],
  /** the head-fraction control's stops (any value in [0, 1] is accepted from a link) */
  headFraction: [0, 0.25, 0.33, 0.5, 1] as readonly number[],
  strategy: SELECTION_STRATEGIES,
  optimizer: ['adam', 'sgd'] as readonly OptimizerKind[],
  backend: ['auto', 'gpu', 'cpu'] as readonly BackendChoice[],
  csvMissing: ['error', 'drop', 'ffill'] as readonly MissingPolicy[],
};

/** Settings that need a new run (pretraining again); the others change the running arms in place. */
// An added baseline restarts the run: every arm starts from the same weights at the same drift, in lockstep.
export const RESTART_KEYS: readonly (keyof LabParams)[] = [
  'task',
  'model',
  'n',
  'seed',
  'leak',
  'optimizer',
  'rescale',
  'refresh',
  'backend',
  'delayA',
  'delayB',
  'length',
  'baselines',
  'truncation',
  ...CSV_KEYS,
];
/** Settings that change mid-run and leave a marker on the curves. */
export const LIVE_KEYS: readonly (keyof LabParams)[] = ['k', 'lr', 'strategy', 'headFraction'];

/** The default learning rate of these settings: one value per task, model and optimizer (learningRates.ts). */
export function defaultLr(p: Pick<LabParams, 'task' | 'optimizer' | 'model'>): number {
  return defaultLearningRate(p.task, p.optimizer, p.model);
}

/**
 * The settings after one change. A change of task, optimizer or model moves lr to the new default unless
 * the user had set lr away from the old default (then their rate is kept), and a smaller n lowers k.
 */
export function withChange<K extends keyof LabParams>(p: LabParams, key: K, value: LabParams[K]): LabParams {
  const next: LabParams = { ...p, [key]: value };
  if ((key === 'task' || key === 'optimizer' || key === 'model') && p.lr === defaultLr(p)) next.lr = defaultLr(next);
  if (key === 'n' && next.k > next.n) next.k = next.n;
  return next;
}

/** The notice lists at most this many problems of a link, then says how many more. */
export const NOTICE_CAP = 5;

/** The problems of a link as one line: the first NOTICE_CAP, then "and N more". */
export function capProblems(problems: readonly string[], cap = NOTICE_CAP): string {
  const shown = problems.slice(0, cap).join('; ');
  return problems.length > cap ? `${shown}; and ${problems.length - cap} more` : shown;
}

export interface DecodedParams {
  params: LabParams;
  view: ViewFlags;
  /** fields of the link that were malformed or out of range, each with why */
  ignored: string[];
}

function inRange(v: number, b: { min: number; max: number; integer: boolean }): boolean {
  return Number.isFinite(v) && v >= b.min && v <= b.max && (!b.integer || Number.isInteger(v));
}

/** Checks a whole LabParams (from the controls or a link); returns the list of problems. */
export function paramProblems(p: LabParams): string[] {
  const problems: string[] = [];
  for (const key of ['n', 'refresh', 'lr', 'leak', 'seed', 'speed', 'adapt', 'delayA', 'delayB', 'length', 'truncation'] as const) {
    const b = PARAM_BOUNDS[key];
    if (!inRange(p[key], b)) problems.push(`${key} must be in [${b.min}, ${b.max}]`);
  }
  if (!inRange(p.k, { min: 0, max: p.n, integer: true })) problems.push(`k must be an integer in [0, n = ${p.n}]`);
  if (!inRange(p.headFraction, PARAM_BOUNDS.headFraction)) problems.push('headFraction must be in [0, 1]');
  for (const key of ['task', 'model', 'strategy', 'optimizer', 'backend', 'csvMissing'] as const) {
    if (!(CHOICES[key] as readonly string[]).includes(p[key])) problems.push(`${key} must be one of ${CHOICES[key].join(', ')}`);
  }
  if (!Array.isArray(p.baselines) || p.baselines.some((b) => !BASELINE_IDS.includes(b)) || new Set(p.baselines).size !== p.baselines.length) {
    problems.push(`baselines must be distinct ones of ${BASELINE_IDS.join(', ')}`);
  } else if (p.baselines.length > MAX_BASELINES) {
    problems.push(`at most ${MAX_BASELINES} baselines at a time (${MAX_LIVE_ARMS} arms on the chart)`);
  }
  if (!inRange(p.csvHorizon, CSV_HORIZON_LINK_BOUNDS))
    problems.push(`csvHorizon must be an integer in [${CSV_HORIZON_LINK_BOUNDS.min}, ${CSV_HORIZON_LINK_BOUNDS.max}]`);
  for (const key of ['csvInputs', 'csvTarget', 'csvDrift'] as const) {
    if (typeof p[key] !== 'string' || p[key].length > CSV_TEXT_MAX * (key === 'csvInputs' ? 20 : 1))
      problems.push(`${key} must be text of at most ${CSV_TEXT_MAX * (key === 'csvInputs' ? 20 : 1)} characters`);
  }
  return problems;
}

/** View flags ride in the link beside the settings but start no run: `present=1` is presenter mode. */
export interface ViewFlags {
  present: boolean;
  /** id of the claim preset on show, or null */
  claim: string | null;
}

export function encodeHash(p: LabParams, view: ViewFlags = { present: false, claim: null }): string {
  const q = new URLSearchParams();
  q.set('v', String(HASH_VERSION));
  for (const key of Object.keys(DEFAULT_PARAMS) as (keyof LabParams)[]) {
    const v = p[key];
    // a task parameter rides in the link only for its own task and when it is not the default
    if ((key === 'delayA' || key === 'delayB' || key === 'length') && (v === DEFAULT_PARAMS[key] || !(key in taskOptionsFields(p.task)))) continue;
    // the csv task's choice rides with task=csv only (the file does not: the page says so)
    if ((CSV_KEYS as readonly string[]).includes(key) && (v === DEFAULT_PARAMS[key] || p.task !== 'csv')) continue;
    // lr at its default is left out, so the link keeps following the default when the table changes
    if (key === 'lr' && v === defaultLr(p)) continue;
    // the baselines as one comma list, only when there are some; τ only beside TBPTT
    if (key === 'baselines') {
      if (p.baselines.length > 0) q.set(key, p.baselines.join(','));
      continue;
    }
    if (key === 'truncation' && (v === DEFAULT_PARAMS.truncation || !p.baselines.includes('tbptt'))) continue;
    q.set(key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  if (view.present) q.set('present', '1');
  if (view.claim) q.set('claim', view.claim);
  return '#' + q.toString();
}

/** Parses a hash; every field that is missing keeps its default, every bad one is listed in `ignored`. */
export function decodeHash(hash: string): DecodedParams {
  const params: LabParams = { ...DEFAULT_PARAMS };
  const view: ViewFlags = { present: false, claim: null };
  const ignored: string[] = [];
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw.trim() === '') return { params, view, ignored };
  let q: URLSearchParams;
  try {
    q = new URLSearchParams(raw);
  } catch {
    return { params, view, ignored: ['the link could not be read'] };
  }
  const present = q.get('present');
  if (present !== null) {
    if (present === '1' || present === '0') view.present = present === '1';
    else ignored.push(`present=${clip(present)} (must be 0 or 1)`);
  }
  const version = q.get('v');
  if (version !== null && version !== String(HASH_VERSION))
    ignored.push(`v=${clip(version)} (this app reads version ${HASH_VERSION}; fields read as version ${HASH_VERSION})`);
  const claim = q.get('claim');
  if (claim !== null) {
    if (/^[a-z0-9-]{1,40}$/.test(claim)) view.claim = claim;
    else ignored.push(`claim=${clip(claim)} (not a claim id)`);
  }
  const known = new Set<string>(['v', 'present', 'claim', ...Object.keys(DEFAULT_PARAMS)]);
  let unknown = 0;
  for (const key of new Set(q.keys())) {
    if (!known.has(key)) {
      // a flood of unknown keys is counted, not echoed: the notice stays short
      if (unknown++ < NOTICE_CAP) ignored.push(`${clip(key)} (unknown setting)`);
    } else if (q.getAll(key).length > 1) {
      ignored.push(`${key} given ${q.getAll(key).length} times (the first is used)`);
    }
  }
  if (unknown > NOTICE_CAP) ignored.push(`${unknown - NOTICE_CAP} more unknown settings`);

  const num = (key: 'n' | 'refresh' | 'lr' | 'leak' | 'seed' | 'speed' | 'adapt' | 'headFraction' | 'delayA' | 'delayB' | 'length' | 'truncation') => {
    const s = q.get(key);
    if (s === null) return;
    const v = s.trim() === '' ? NaN : Number(s);
    const b = PARAM_BOUNDS[key];
    if (inRange(v, b)) params[key] = v;
    else ignored.push(`${key}=${clip(s)} (must be ${b.integer ? 'an integer' : 'a number'} in [${b.min}, ${b.max}])`);
  };
  const choice = <K extends 'task' | 'model' | 'strategy' | 'optimizer' | 'backend' | 'csvMissing'>(key: K) => {
    const s = q.get(key);
    if (s === null) return;
    if ((CHOICES[key] as readonly string[]).includes(s)) (params[key] as string) = s;
    else ignored.push(`${key}=${clip(s)} (must be one of ${CHOICES[key].join(', ')})`);
  };
  choice('task');
  choice('model');
  choice('strategy');
  choice('optimizer');
  choice('backend');
  choice('csvMissing');
  for (const key of ['n', 'refresh', 'leak', 'seed', 'speed', 'adapt', 'headFraction', 'delayA', 'delayB', 'length', 'truncation'] as const) num(key);
  const baselines = q.get('baselines');
  if (baselines !== null) {
    const named = baselines
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== '');
    const bad = named.filter((b) => !(BASELINE_IDS as readonly string[]).includes(b));
    if (bad.length > 0) ignored.push(`baselines: ${bad.slice(0, NOTICE_CAP).map(clip).join(', ')} (must be among ${BASELINE_IDS.join(', ')})`);
    const known = orderBaselines(named.filter((b): b is BaselineArmId => (BASELINE_IDS as readonly string[]).includes(b)));
    if (known.length > MAX_BASELINES)
      ignored.push(`baselines: ${known.slice(MAX_BASELINES).join(', ')} (at most ${MAX_BASELINES} at a time, ${MAX_LIVE_ARMS} arms on the chart)`);
    params.baselines = known.slice(0, MAX_BASELINES);
  }
  // lr's default follows the task, model and optimizer, so a link that sets only `optimizer=sgd` gets
  // SGD's default rate, as choosing SGD in the control does.
  params.lr = defaultLr(params);
  num('lr');
  const horizon = q.get('csvHorizon');
  if (horizon !== null) {
    const v = horizon.trim() === '' ? NaN : Number(horizon);
    if (inRange(v, CSV_HORIZON_LINK_BOUNDS)) params.csvHorizon = v;
    else ignored.push(`csvHorizon=${clip(horizon)} (must be an integer in [${CSV_HORIZON_LINK_BOUNDS.min}, ${CSV_HORIZON_LINK_BOUNDS.max}])`);
  }
  for (const key of ['csvInputs', 'csvTarget', 'csvDrift'] as const) {
    const s = q.get(key);
    if (s === null) continue;
    const max = CSV_TEXT_MAX * (key === 'csvInputs' ? 20 : 1);
    // names are the file's business (the engine checks them once the file is in); only the length is the link's
    if (s.length <= max) params[key] = s;
    else ignored.push(`${key}=${clip(s)} (longer than ${max} characters)`);
  }
  const rescale = q.get('rescale');
  if (rescale !== null) {
    if (rescale === '1' || rescale === '0') params.rescale = rescale === '1';
    else ignored.push(`rescale=${clip(rescale)} (must be 0 or 1)`);
  }
  const kRaw = q.get('k');
  if (kRaw !== null) {
    const k = kRaw.trim() === '' ? NaN : Number(kRaw);
    // judged against the n this link actually runs (its own n when valid, else the default)
    if (inRange(k, { min: 0, max: params.n, integer: true })) params.k = k;
    else
      ignored.push(
        `k=${clip(kRaw)} (must be an integer in [0, n = ${params.n}]${q.get('n') !== null && params.n === DEFAULT_PARAMS.n && q.get('n') !== String(DEFAULT_PARAMS.n) ? `; n is the default ${params.n}, since the link’s n was ignored` : ''})`,
      );
  }
  if (params.k > params.n) params.k = Math.min(DEFAULT_PARAMS.k, params.n);
  return { params, view, ignored };
}

/** The LabParams fields of a task's parameters. */
function taskOptionsFields(task: TaskName): Partial<Record<'delayA' | 'delayB' | 'length', true>> {
  if (task === 'delay') return { delayA: true, delayB: true };
  if (task === 'adding' || task === 'adding-difference') return { length: true };
  return {};
}

/** Shortens what a link carried before echoing it back, so a hostile link cannot flood the notice. */
function clip(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > 24 ? t.slice(0, 24) + '…' : t;
}
