/**
 * The CPU half of the protocol for the GPU engine (science.md §6): pretraining on regime A, the drift
 * stream and the initial path selections all come from the CPU engine with the same seeded streams as
 * SeedRun's constructor, so GPU and CPU arms start from identical weights, state, stream and masks.
 * tests/gpu/protocol.gpu.test.ts checks this against SeedRun bit for bit.
 */
import type { ExperimentConfig } from '../engine/config';
import { methodLabel, type LearningMethod } from '../engine/methods';
import type { RnnParams, RnnShape } from '../engine/models/rnn';
import { asRnnSeed, prepareSeed as prepareEngineSeed } from '../engine/protocol/prepareSeed';
import { Rng } from '../engine/rng';
import type { Sequence, Task } from '../engine/tasks/task';
import { selectPaths } from '../engine/transportMask';
import type { LaneSpec } from './batch';
import { GpuError } from './errors';

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

/** Protocol steps 1-2 for the GPU: the engine's own (protocol/prepareSeed.ts), in float32, for the RNN. */
export function prepareSeed(config: ExperimentConfig, seed: number): PreparedSeed {
  const prepared = asRnnSeed(prepareEngineSeed({ ...config, precision: 'f32' }, seed));
  if (!prepared) throw new GpuError('validation', `the GPU engine runs the RNN only; --model ${config.model} runs on the CPU engine (--backend cpu)`);
  return prepared;
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
