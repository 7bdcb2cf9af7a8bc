/**
 * Protocol steps 1-2 (science.md §6), written once for every run: the task and the model of one seed,
 * pretrained on regime A, and the arms that adapt on regime B from identical weights and state. The CLI's
 * seed run (experiment.ts), the live app (app/worker/liveRun.ts) and the GPU runs (gpu/experimentGpu.ts) all
 * start here, so their arms begin from the same numbers.
 *
 * Seeded streams per purpose (rng.ts): `init` draws the weights, `data` draws the task, regime A and then
 * regime B in that order; each arm's path selection and noise are streams labelled by the seed and the
 * arm alone, so adding an arm never reshuffles another arm's paths or noise.
 */
import type { ExperimentConfig } from '../config';
import { armLearningRate } from '../config';
import { OnlineLearner } from '../learner';
import { methodLabel, type LearningMethod } from '../methods';
import { createModel, MODELS, type ModelKind, type ModelSettings, type ModelTypes } from '../models';
import type { OptimizerConfig } from '../optimizer';
import type { Floats, Precision } from '../precision';
import { pretrainModel, type PretrainOptions } from '../pretrain';
import { Rng, seededStreams } from '../rng';
import { createTask } from '../tasks';
import type { Sequence, Task, TaskName, TaskOptions } from '../tasks/task';

/** What fixes a seed's pretrained model: the task, the model and its size, the init and the pretraining. */
export interface SeedSettings {
  task: TaskName;
  /** the task's parameters (delay τ, adding length) */
  taskOptions?: TaskOptions;
  model: ModelKind;
  n: number;
  /** the RNN's leak α (the other models ignore it) */
  leak: number;
  /** W_h ~ N(0, gain²/n) */
  gain: number;
  precision?: Precision;
  /** regime-A steps (0: no pretraining) and the BPTT settings */
  pretrain: PretrainOptions & { steps: number };
}

/** One seed after pretraining: the model the arms start from, and the data stream to continue. */
export interface PretrainedSeed<K extends ModelKind = ModelKind> {
  seed: number;
  model: K;
  task: Task;
  /** n, m, o (and the RNN's leak) */
  shape: ModelSettings;
  pretrained: ModelTypes[K]['params'];
  /** mean loss per pretraining epoch on regime A */
  pretrainLoss: number[];
  /** running state at the end of pretraining (h, or [h; c]), carried into adaptation; undefined without pretraining */
  hStart?: Float32Array;
  /** the seed's data stream after regime A: regime B (and the live lead-in) are drawn from it */
  data: Rng;
}

/** A seed of a fixed-length experiment: pretrained, with its regime-B stream generated. */
export interface PreparedSeed<K extends ModelKind = ModelKind> extends PretrainedSeed<K> {
  /** regime B, the adaptation stream (config.adaptSteps long) */
  stream: Sequence;
}

/** Protocol step 1: the task, the model's init and its pretraining on regime A. */
export function pretrainSeed(settings: SeedSettings, seed: number): PretrainedSeed {
  const streams = seededStreams(seed);
  const task = createTask(settings.task, streams.data, settings.taskOptions);
  const shape: ModelSettings = { n: settings.n, m: task.inputSize, o: task.outputSize, leak: settings.leak };
  const record = MODELS[settings.model];
  const params = record.init(shape, streams.init, settings.gain, settings.precision);
  let hStart: Float32Array | undefined;
  let pretrainLoss: number[] = [];
  if (settings.pretrain.steps > 0) {
    const regimeA = task.generate('A', settings.pretrain.steps, streams.data);
    const r = pretrainModel(settings.model, params, regimeA, settings.pretrain);
    pretrainLoss = r.epochLoss;
    hStart = r.hEnd as Float32Array;
  }
  return { seed, model: settings.model, task, shape, pretrained: params, pretrainLoss, hStart, data: streams.data };
}

/** The seed settings of an experiment config. */
export function seedSettings(config: ExperimentConfig): SeedSettings {
  return {
    task: config.task,
    taskOptions: config.taskOptions,
    model: config.model ?? 'rnn',
    n: config.n,
    leak: config.leak,
    gain: config.gain,
    precision: config.precision ?? 'f32',
    pretrain: config.pretrain,
  };
}

/** Protocol steps 1-2 for one seed of an experiment: pretrained, then regime B, adaptSteps long. */
export function prepareSeed(config: ExperimentConfig, seed: number): PreparedSeed {
  const p = pretrainSeed(seedSettings(config), seed);
  return { ...p, stream: p.task.generate('B', config.adaptSteps, p.data) };
}

/** An arm's own streams: its path selection and its noise, labelled by the seed and the arm's name. */
export function armStreams(seed: number, name: string): { selectionRng: Rng; noiseRng: Rng } {
  return { selectionRng: Rng.forLabel(seed, `selection ${name}`), noiseRng: Rng.forLabel(seed, `noise ${name}`) };
}

/**
 * One arm's learner: a model of `kind` on a copy of `params`, started from running state `state`, with
 * `method`'s estimator, the optimizer, and the arm's streams named `name` (protocol step 3: every arm
 * starts from identical weights and state).
 */
export function armLearner(
  kind: ModelKind,
  params: ModelTypes[ModelKind]['params'],
  state: Floats | undefined,
  method: LearningMethod,
  optimizer: OptimizerConfig,
  seed: number,
  name: string,
): OnlineLearner {
  return new OnlineLearner(createModel(kind, params, state), method, { optimizer, ...armStreams(seed, name) });
}

/** Every arm of an experiment's seed, in config order, each with its own learning rate (armLearningRate). */
export function armLearners(config: ExperimentConfig, prepared: PretrainedSeed): OnlineLearner[] {
  return config.arms.map((method) => {
    const label = methodLabel(method);
    const optimizer = { ...config.optimizer, lr: armLearningRate(config, label) };
    return armLearner(prepared.model, prepared.pretrained, prepared.hStart, method, optimizer, prepared.seed, label);
  });
}
