/**
 * The CPU half of the protocol for the GPU engine (science.md §6): pretraining on regime A, the drift
 * stream and the initial path selections all come from the CPU engine with the same seeded streams as
 * SeedRun's constructor, so GPU and CPU arms start from identical weights, state, stream and masks.
 * tests/gpu/experiment.gpu.test.ts checks this against SeedRun bit for bit.
 */
import type { ExperimentConfig } from '../engine/config';
import { methodLabel, type LearningMethod } from '../engine/methods';
import { MODELS, type ModelKind } from '../engine/models';
import type { ModelParams } from '../engine/models/recurrentModel';
import type { RnnShape } from '../engine/models/rnn';
import { armStreams, prepareSeed as prepareEngineSeed } from '../engine/protocol/prepareSeed';
import type { Rng } from '../engine/rng';
import type { Sequence, Task } from '../engine/tasks/task';
import { selectPaths } from '../engine/transportMask';
import type { LaneSpec } from './batch';
import { GpuError } from './errors';

export interface PreparedSeed {
  seed: number;
  /** the RNN or the LSTM (the models the GPU engine runs) */
  model: ModelKind;
  task: Task;
  /** n, m, o (and the RNN's leak) */
  shape: RnnShape;
  /** RnnParams for the RNN, LstmParams for the LSTM */
  pretrained: ModelParams;
  pretrainLoss: number[];
  /** running state at the end of pretraining (h, or [h; c] for the LSTM), carried into adaptation (undefined without pretraining) */
  hStart?: Float32Array;
  /** regime B, the adaptation stream */
  stream: Sequence;
}

/** Protocol steps 1-2 for the GPU: the engine's own (protocol/prepareSeed.ts), in float32. */
export function prepareSeed(config: ExperimentConfig, seed: number): PreparedSeed {
  const p = prepareEngineSeed({ ...config, precision: 'f32' }, seed);
  if (p.model !== 'rnn' && p.model !== 'lstm')
    throw new GpuError('validation', `the GPU engine runs the RNN and the LSTM only; --model ${p.model} runs on the CPU engine (--backend cpu)`);
  return {
    seed: p.seed,
    model: p.model,
    task: p.task,
    shape: p.shape,
    pretrained: p.pretrained,
    pretrainLoss: p.pretrainLoss,
    hStart: p.hStart,
    stream: p.stream,
  };
}

/**
 * An arm's streams and initial selection, drawn as OnlineLearner draws them: the selection stream labelled
 * by the seed and the arm, the first mask from the model's path weights (W for the RNN, ‖W_h‖ over the
 * four gates for the LSTM).
 */
function armStart(prepared: PreparedSeed, method: LearningMethod): { sources?: Int32Array; selectionRng: Rng; noiseRng: Rng } {
  const { selectionRng, noiseRng } = armStreams(prepared.seed, methodLabel(method));
  let sources: Int32Array | undefined;
  if (method.kind === 'sparse') {
    const { n } = prepared.shape;
    sources = new Int32Array(n * method.k);
    const weights = MODELS[prepared.model].create(prepared.pretrained as never).pathWeights();
    selectPaths(method.strategy, weights, n, method.k, selectionRng, sources);
  }
  return { sources, selectionRng, noiseRng };
}

/** One arm of one seed as a lane of its model's batch (hStart is the running state: h, or the LSTM's [h; c]). */
export function laneFor(prepared: PreparedSeed, method: LearningMethod, streamIndex: number): LaneSpec {
  return { method, params: prepared.pretrained, hInit: prepared.hStart, ...armStart(prepared, method), stream: streamIndex };
}
