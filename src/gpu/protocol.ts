/**
 * The CPU half of the protocol for the GPU engine (science.md §6): pretraining on regime A, the drift
 * stream and the initial path selections all come from the CPU engine with the same seeded streams as
 * SeedRun's constructor, so GPU and CPU arms start from identical weights, state, stream and masks.
 * tests/gpu/protocol.gpu.test.ts checks this against SeedRun bit for bit.
 */
import type { ExperimentConfig } from '../engine/config';
import { methodLabel, type LearningMethod } from '../engine/methods';
import { pretrain } from '../engine/pretrain';
import { initRnn, type RnnParams, type RnnShape } from '../engine/models/rnn';
import { Rng, seededStreams } from '../engine/rng';
import { createTask } from '../engine/tasks';
import type { Sequence, Task } from '../engine/tasks/task';
import { selectPaths } from '../engine/transportMask';
import type { LaneSpec } from './batch';

export interface PreparedSeed {
  seed: number;
  task: Task;
  shape: RnnShape;
  pretrained: RnnParams;
  pretrainLoss: number[];
  /** hidden state at the end of pretraining, carried into adaptation (undefined without pretraining) */
  hStart?: Float32Array;
  /** regime B, the adaptation stream */
  stream: Sequence;
}

/** What SeedRun's constructor does before it builds the learners. */
export function prepareSeed(config: ExperimentConfig, seed: number): PreparedSeed {
  const streams = seededStreams(seed);
  const task = createTask(config.task, streams.data);
  const shape: RnnShape = { n: config.n, m: task.inputSize, o: task.outputSize, leak: config.leak };
  const params = initRnn(shape, streams.init, { gain: config.gain, inputScale: 1 });
  let hStart: Float32Array | undefined;
  let pretrainLoss: number[] = [];
  if (config.pretrain.steps > 0) {
    const regimeA = task.generate('A', config.pretrain.steps, streams.data);
    const r = pretrain(params, regimeA, config.pretrain);
    pretrainLoss = r.epochLoss;
    hStart = r.hEnd as Float32Array;
  }
  const stream = task.generate('B', config.adaptSteps, streams.data);
  return { seed, task, shape, pretrained: params, pretrainLoss, hStart, stream };
}

/** One arm of one seed as a GPU lane: the selection drawn as OnlineLearner draws it. */
export function laneFor(prepared: PreparedSeed, method: LearningMethod, streamIndex: number): LaneSpec {
  const selectionRng = Rng.forLabel(prepared.seed, `selection ${methodLabel(method)}`);
  let sources: Int32Array | undefined;
  if (method.kind === 'sparse') {
    sources = new Int32Array(prepared.shape.n * method.k);
    selectPaths(method.strategy, prepared.pretrained.theta, prepared.shape.n, method.k, selectionRng, sources);
  }
  return { method, params: prepared.pretrained, hInit: prepared.hStart, sources, selectionRng, stream: streamIndex };
}
