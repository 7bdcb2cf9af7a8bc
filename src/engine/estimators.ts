/**
 * The registry of gradient estimators: which class implements each learning method for each model.
 * Frozen has none (the arm never updates). Every method exists for both models: UORO and KF-RTRL through
 * the shared preactivation view (preactivationDynamics.ts), the others in a version per model.
 */
import type { EstimatorStreams, GradientEstimator } from './gradientEstimator';
import { KfRtrlEstimator } from './kfRtrl';
import type { LearningMethod } from './learningMethod';
import type { LstmParams, LstmState } from './lstm';
import { LstmRtrlEstimator } from './lstmRtrl';
import { LstmSnap1Estimator } from './lstmSnap1';
import { LstmTbpttEstimator } from './lstmTbptt';
import { LstmDynamics, RnnDynamics } from './preactivationDynamics';
import { precisionOf } from './precision';
import type { RnnParams, RnnState } from './rnn';
import { RtrlEstimator } from './rtrlEstimator';
import { Snap1Estimator } from './snap1';
import { RnnTbpttEstimator } from './tbptt';
import { UoroEstimator } from './uoro';

export function createRnnEstimator(
  method: LearningMethod,
  params: RnnParams,
  state: RnnState,
  streams: EstimatorStreams,
): GradientEstimator | null {
  const { n, m } = params.shape;
  const precision = precisionOf(params.theta);
  switch (method.kind) {
    case 'frozen':
      return null;
    case 'full':
    case 'sparse':
      return new RtrlEstimator(params, state, method, streams.selection);
    case 'uoro':
      return new UoroEstimator(new RnnDynamics(params, state), n, m, params.theta.length, precision, streams.noise);
    case 'kf':
      return new KfRtrlEstimator(new RnnDynamics(params, state), n, m, precision, streams.noise);
    case 'snap1':
      return new Snap1Estimator(params, state);
    case 'tbptt':
      return new RnnTbpttEstimator(params, state, method.truncation);
  }
}

export function createLstmEstimator(
  method: LearningMethod,
  params: LstmParams,
  state: LstmState,
  streams: EstimatorStreams,
): GradientEstimator | null {
  const { n, m } = params.shape;
  const precision = precisionOf(params.theta);
  switch (method.kind) {
    case 'frozen':
      return null;
    case 'full':
    case 'sparse':
      return new LstmRtrlEstimator(params, state, method, streams.selection);
    case 'uoro':
      return new UoroEstimator(new LstmDynamics(params, state), n, m, params.theta.length, precision, streams.noise);
    case 'kf':
      return new KfRtrlEstimator(new LstmDynamics(params, state), n, m, precision, streams.noise);
    case 'snap1':
      return new LstmSnap1Estimator(params, state);
    case 'tbptt':
      return new LstmTbpttEstimator(params, state, method.truncation);
  }
}
