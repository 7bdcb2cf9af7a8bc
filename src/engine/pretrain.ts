/**
 * Pretraining on regime A (protocol step 1): truncated BPTT in chunks with Adam, the hidden state carried
 * across chunks. Exact within each chunk and O(n²) per step, so it is far cheaper than RTRL.
 */
import { MODELS, type ModelKind, type ModelRecord, type ModelTypes } from './models';
import { bpttGradient, type WindowGradient } from './models/bptt';
import { readoutParamCount, type ReadoutShape } from './models/readout';
import type { RnnParams } from './models/rnn';
import { Adam, clipScale } from './optimizer';
import { allocate, precisionOf, type Floats } from './precision';
import type { Sequence } from './tasks/task';

export interface PretrainOptions {
  /** truncation length and update interval */
  chunk: number;
  lr: number;
  clipNorm: number;
  /** passes over the sequence */
  epochs: number;
}

export const DEFAULT_PRETRAIN: PretrainOptions = { chunk: 64, lr: 3e-3, clipNorm: 1, epochs: 8 };

export interface PretrainResult {
  /** mean per-step loss of each epoch */
  epochLoss: number[];
  /** hidden state at the end, carried into adaptation so the drift meets a running network */
  hEnd: Floats;
}

/** Trains the RNN `params` in place on `seq`. */
export function pretrain(params: RnnParams, seq: Sequence, options: PretrainOptions = DEFAULT_PRETRAIN): PretrainResult {
  return pretrainWith(params, seq, options, bpttGradient, params.shape.n);
}

/** Trains weights of any registered model in place on `seq`, with that model's window gradient (models/index.ts). */
export function pretrainModel<K extends ModelKind>(
  kind: K,
  params: ModelTypes[K]['params'],
  seq: Sequence,
  options: PretrainOptions = DEFAULT_PRETRAIN,
): PretrainResult {
  const model = MODELS[kind] as unknown as ModelRecord<K>;
  return pretrainWith(params, seq, options, model.windowGradient, model.statesPerUnit * params.shape.n);
}

/**
 * Trains any model in place with its window gradient; `stateSize` is what carries across chunks
 * (n for the RNN, 2n for the LSTM's [h; c]), and `hEnd` of the result has that length.
 */
export function pretrainWith<P extends { shape: ReadoutShape; theta: Floats; readout: Floats }>(
  params: P,
  seq: Sequence,
  options: PretrainOptions,
  gradient: WindowGradient<P>,
  stateSize: number,
): PretrainResult {
  const precision = precisionOf(params.theta);
  const n = stateSize;
  const gTheta = allocate(precision, params.theta.length);
  const gReadout = allocate(precision, readoutParamCount(params.shape));
  const adamTheta = new Adam(params.theta.length, options.lr, params.theta);
  const adamReadout = new Adam(gReadout.length, options.lr, params.readout);
  let h: Floats = allocate(precision, n);
  const epochLoss: number[] = [];
  const chunks = Math.ceil(seq.length / options.chunk);
  const updates = options.epochs * chunks;
  let update = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    h = allocate(precision, n);
    let total = 0;
    for (let start = 0; start < seq.length; start += options.chunk) {
      const len = Math.min(options.chunk, seq.length - start);
      const r = gradient(params, seq, start, len, h, gTheta, gReadout);
      total += r.loss;
      h = r.hEnd;
      // Mean over the chunk keeps the step size independent of the chunk length.
      const scale = clipScale(options.clipNorm * len, gTheta, gReadout) / len;
      // Cosine decay to a tenth lets the loss settle instead of rattling at the last step size.
      const lr = options.lr * (0.1 + 0.45 * (1 + Math.cos((Math.PI * update++) / updates)));
      adamTheta.lr = lr;
      adamReadout.lr = lr;
      adamTheta.step(params.theta, gTheta, scale);
      adamReadout.step(params.readout, gReadout, scale);
    }
    epochLoss.push(total / seq.length);
  }
  return { epochLoss, hEnd: h };
}
