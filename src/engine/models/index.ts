/**
 * The model registry: one record per recurrent model the lab trains, the vanilla (leaky) RNN of
 * science.md §2 and the LSTM of §5. Both implement RecurrentModel (recurrentModel.ts), read out
 * y_t = V h_t + c and keep θ in one flat vector whose rows are [W_h | W_x | b] blocks. Adding a model is
 * its file (a class implementing RecurrentModel, its init and its window gradient) plus a line in
 * `ModelTypes` and in `MODELS`; the methods then say which estimator serves it (methods/index.ts).
 */
import type { Floats, Precision } from '../precision';
import type { Rng } from '../rng';
import { bpttGradient, lstmBpttGradient, type WindowGradient } from './bptt';
import { initLstm, lstmParamCount, LstmModel, type LstmParams } from './lstm';
import type { ModelParams, ParamShape, RecurrentModel } from './recurrentModel';
import { initRnn, recurrentParamCount, RnnModel, type RnnParams, type RnnShape } from './rnn';

/** Each model kind's class: what a per-model estimator receives. */
export interface ModelTypes {
  rnn: RnnModel;
  lstm: LstmModel;
}
export type ModelKind = keyof ModelTypes;

/** The shape every model is built from: n, m, o, and the RNN's leak α (the other models ignore it). */
export type ModelSettings = RnnShape;

export interface ModelRecord<K extends ModelKind> {
  readonly kind: K;
  /** preactivation rows per hidden unit: R = rowsPerUnit · n (1 for the RNN, 4 gates for the LSTM) */
  readonly rowsPerUnit: number;
  /** state entries per hidden unit: S = statesPerUnit · n (h, or [h; c]) */
  readonly statesPerUnit: number;
  /** p, the recurrent parameter count (columns of P) */
  paramCount(shape: ParamShape): number;
  /** fresh weights; `gain` scales W_h ~ N(0, gain²/n) */
  init(shape: ModelSettings, rng: Rng, gain: number, precision?: Precision): ModelTypes[K]['params'];
  /** a model on a copy of `params`, its running state started from `s0` (zeros when absent) */
  create(params: ModelTypes[K]['params'], s0?: Floats): ModelTypes[K];
  /** exact gradient of Σ L_t over [start, start+length) from carried state s0 (BPTT; pretraining) */
  readonly windowGradient: WindowGradient<ModelTypes[K]['params']>;
}

export const MODELS: { readonly [K in ModelKind]: ModelRecord<K> } = {
  rnn: {
    kind: 'rnn',
    rowsPerUnit: 1,
    statesPerUnit: 1,
    paramCount: recurrentParamCount,
    init: (shape, rng, gain, precision) => initRnn(shape, rng, { gain, inputScale: 1 }, precision),
    create: (params, s0) => new RnnModel(params, s0),
    windowGradient: bpttGradient,
  },
  lstm: {
    kind: 'lstm',
    rowsPerUnit: 4,
    statesPerUnit: 2,
    paramCount: lstmParamCount,
    init: (shape, rng, gain, precision) => initLstm(shape, rng, gain, precision),
    create: (params, s0) => new LstmModel(params, s0),
    windowGradient: lstmBpttGradient,
  },
};

export const MODEL_KINDS: readonly ModelKind[] = Object.keys(MODELS) as ModelKind[];

/** Preactivation rows per hidden unit: 1 for the RNN, 4 gates for the LSTM. */
export function rowsPerUnit(model: ModelKind): number {
  return MODELS[model].rowsPerUnit;
}

/** A model of the given kind on a copy of `params` (of that kind), started from running state `s0`. */
export function createModel(kind: ModelKind, params: ModelParams, s0?: Floats): RecurrentModel {
  return (MODELS[kind] as ModelRecord<ModelKind>).create(params as RnnParams & LstmParams, s0);
}

export type { ModelParams, ModelShape, RecurrentModel } from './recurrentModel';
