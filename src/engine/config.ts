/**
 * An experiment's settings and their allowed ranges. One table of bounds serves the CLI, the URL hash
 * and the controls, so a limit cannot be bypassed through one of them (tensorflow/playground #63).
 */
import { ConfigError, BOUNDS, checkBound, checkChoice } from './bounds';
import { methodLabel, validateMethod, type LearningMethod } from './methods';
import { MODEL_KINDS, type ModelKind } from './models';
import { defaultLearningRate } from './learningRates';
import { type OptimizerConfig, type OptimizerKind } from './optimizer';
import type { Precision } from './precision';
import { DEFAULT_PRETRAIN, type PretrainOptions } from './pretrain';
import { ADDING_LENGTH_BOUNDS, DATA_TASK_NAMES, DELAY_BOUNDS, TASK_NAMES, type TaskName, type TaskOptions } from './tasks/task';
import { checkCsvSteps } from './tasks/csv';
import type { SelectionStrategy } from './transportMask';

export interface ExperimentConfig {
  task: TaskName;
  /** the task's parameters (the delay task's τ A:B, the adding problems' length); absent: the task's defaults */
  taskOptions?: TaskOptions;
  /** the recurrent model every arm trains: the vanilla RNN (default) or the LSTM */
  model?: ModelKind;
  /** hidden units */
  n: number;
  /** the arms, run in lockstep; must include `frozen` and `full` (recovery is measured between them) */
  arms: LearningMethod[];
  optimizer: OptimizerConfig;
  /** leak α in (0, 1] */
  leak: number;
  /** W ~ N(0, gain²/n) */
  gain: number;
  /** experiment seeds, one independent run each */
  seeds: number[];
  pretrain: PretrainOptions & { steps: number };
  adaptSteps: number;
  /** the loss window recovery is measured on: all adaptation steps, or their last quarter [choice] */
  window: 'all' | 'last-quarter';
  /** sample ‖P‖ and the J_t spectrum every this many steps (0 = never) */
  metricsEvery: number;
  /** track cos(g_k, g_full) for each sparse arm on the full arm's trajectory */
  fidelity: boolean;
  /** arithmetic of the whole run: float32 (what WebGPU has; default) or float64 */
  precision?: Precision;
  /**
   * Per-arm learning rates by arm label (`full`, `k=4`, …), as chosen by `--lr-select per-arm`; an arm not
   * listed uses optimizer.lr. Absent: every arm uses optimizer.lr.
   */
  armLearningRates?: Record<string, number>;
}

export const PRECISIONS: readonly Precision[] = ['f32', 'f64'];

/** The learning rate an arm runs with: its own selected rate, or the experiment's. */
export function armLearningRate(config: ExperimentConfig, label: string): number {
  return config.armLearningRates?.[label] ?? config.optimizer.lr;
}

export { BOUNDS, ConfigError, checkBound, checkChoice, describeBound, type Bound, type BoundName } from './bounds';

export function defaultConfig(): ExperimentConfig {
  return {
    task: 'sine',
    n: 64,
    // readout-only beside frozen: recovery is reported against both (the paper's, and beyond the readout)
    arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, ...[0, 1, 4].map((k) => sparseArm(k, 'random'))],
    // the rate the protocol's selection picked for full RTRL on this task (learningRates.ts)
    optimizer: { kind: 'adam', lr: defaultLearningRate('sine', 'adam'), clipNorm: 0 },
    // [choice] A leaky RNN: at α = 1 the pretrained J_t has condition numbers in the thousands, while
    // α = 0.3 gives the near-isotropic J_t (condition 2-4) the paper reports (2.6-6.5). α is a toggle.
    leak: 0.3,
    gain: 1.2,
    seeds: [1, 2, 3, 4, 5],
    pretrain: { ...DEFAULT_PRETRAIN, steps: 4000 },
    adaptSteps: 1000,
    window: 'all',
    metricsEvery: 100,
    fidelity: false,
  };
}

/** Checks a task's parameters against their bounds (τ in 1..64, T in 2..10000). */
export function validateTaskOptions(o: TaskOptions | undefined, prefix = ''): void {
  if (o?.delay) {
    checkBound(`${prefix}delay`, o.delay.A, DELAY_BOUNDS);
    checkBound(`${prefix}delay`, o.delay.B, DELAY_BOUNDS);
  }
  if (o?.length !== undefined) checkBound(`${prefix}length`, o.length, ADDING_LENGTH_BOUNDS);
}

export function sparseArm(k: number, strategy: SelectionStrategy, refreshEvery = 0, rescale = false): LearningMethod {
  return { kind: 'sparse', k, strategy, refreshEvery, rescale };
}

/** Throws a ConfigError naming the first setting that is out of range. */
export function validateConfig(c: ExperimentConfig): void {
  checkChoice<TaskName>('task', c.task, [...TASK_NAMES, ...DATA_TASK_NAMES]);
  validateTaskOptions(c.taskOptions);
  // a table must hold each regime's steps plus the horizon (csv.ts)
  if (c.task === 'csv') checkCsvSteps(c.taskOptions?.csv, c.pretrain.steps, c.adaptSteps);
  checkBound('n', c.n, BOUNDS.n);
  checkBound('leak', c.leak, BOUNDS.leak);
  checkBound('gain', c.gain, BOUNDS.gain);
  checkBound('lr', c.optimizer.lr, BOUNDS.lr);
  checkChoice<OptimizerKind>('optimizer', c.optimizer.kind, ['adam', 'sgd']);
  checkBound('clip', c.optimizer.clipNorm, BOUNDS.clipNorm);
  checkBound('seeds', c.seeds.length, BOUNDS.seeds);
  for (const s of c.seeds) checkBound('seed', s, BOUNDS.seed);
  checkBound('pretrain', c.pretrain.steps, BOUNDS.pretrainSteps);
  checkBound('adapt', c.adaptSteps, BOUNDS.adaptSteps);
  checkBound('metrics-every', c.metricsEvery, BOUNDS.metricsEvery);
  if (!c.arms.some((a) => a.kind === 'frozen') || !c.arms.some((a) => a.kind === 'full')) {
    throw new ConfigError('arms', 'arms must include frozen and full: recovery is measured between them');
  }
  if (c.model !== undefined) checkChoice('model', c.model, MODEL_KINDS);
  if (c.precision !== undefined) checkChoice('precision', c.precision, PRECISIONS);
  for (const [label, lr] of Object.entries(c.armLearningRates ?? {})) checkBound(`lr of ${label}`, lr, BOUNDS.lr);
  const labels = c.arms.map(methodLabel);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new ConfigError('arms', `arms list ${twice} twice`);
  // each method checks its own settings (k ≤ n, τ ≥ 1, …): methods/<name>.ts
  for (const a of c.arms) validateMethod(a, { n: c.n });
}
