/**
 * Backpropagation through time over a window of a sequence: the exact gradient of Σ_t L_t with θ fixed.
 * It is the reference full RTRL is tested against, and (in chunks) the cheap way to pretrain. The forward
 * pass is recorded once for every model (`recordWindow`); the backward pass is each model's own.
 *
 * The RNN:
 *   δ_t = c_t + [(1-α) δ_{t+1} + Wᵀ (d_{t+1} ⊙ δ_{t+1})]     (the bracket cut where a sequence resets)
 *   ∂/∂W += (d_t ⊙ δ_t) h_{t-1}ᵀ,  ∂/∂U += (d_t ⊙ δ_t) x_tᵀ,  ∂/∂b += d_t ⊙ δ_t
 * The LSTM, carried state [h; c] (per step, lstm.ts's lstmBackwardStep):
 *   dh_t = c_t + W_hᵀ dz_{t+1},  dc_t = β dh_t + f_{t+1} dc_{t+1},  dz = (a_i, a_f, a_g) dc_t, a_o dh_t
 *   ∂/∂W̃ += dz_t ĥ_tᵀ     (the flow from t+1 cut where a sequence resets)
 * Both add the readout's exact ∂L_t/∂(V, c) = (e_t h_tᵀ, e_t) over the window.
 */
import { allocate, precisionOf, type Floats } from '../precision';
import type { Sequence } from '../tasks/task';
import { lstmBackwardStep, LstmModel, type LstmParams } from './lstm';
import { readoutGradient } from './readout';
import type { RecurrentModel } from './recurrentModel';
import { RnnModel, thetaLayout, type RnnParams } from './rnn';

export interface BpttResult {
  /** Σ_t L_t over the window */
  loss: number;
  /** the running state at the end of the window (h, or [h; c]), to carry into the next chunk */
  hEnd: Floats;
}

/**
 * A model's exact gradient over a window [start, start+length) from carried state s0: writes
 * ∂(Σ L_t)/∂θ into gradTheta and ∂/∂readout into gradReadout.
 */
export type WindowGradient<P> = (params: P, seq: Sequence, start: number, length: number, s0: Floats, gradTheta: Floats, gradReadout: Floats) => BpttResult;

/** The forward pass over a window, step by step, as the backward pass reads it. */
export interface WindowTape {
  /** Σ_t L_t */
  loss: number;
  /** h_{t-1} of each step (after any reset): length × n */
  hPrev: Floats;
  /** the model's local derivatives of each step: length × L */
  local: Floats;
  /** L: local derivatives per step */
  localSize: number;
  /** c_t = ∂L_t/∂h_t: length × n */
  dLdh: Floats;
  /** h_t and e_t, for the readout's gradient: length × n, length × o */
  h: Floats;
  e: Floats;
  /** the running state after the last step */
  end: Floats;
}

/** Runs `model` (from its running state) over steps [start, start+length) and records the tape. */
export function recordWindow(model: RecurrentModel, seq: Sequence, start: number, length: number): WindowTape {
  const { n, m, o } = model.params.shape;
  const precision = precisionOf(model.params.theta);
  const state = model.state;
  const localSize = model.localDerivatives().length;
  const tape: WindowTape = {
    loss: 0,
    hPrev: allocate(precision, length * n),
    local: allocate(precision, length * localSize),
    localSize,
    dLdh: allocate(precision, length * n),
    h: allocate(precision, length * n),
    e: allocate(precision, length * o),
    end: allocate(precision, model.stateSize),
  };
  for (let s = 0; s < length; s++) {
    const t = start + s;
    if (seq.reset[t]) model.reset();
    model.forward(seq.x, t * m);
    tape.loss += model.readout(seq.y, t * o, seq.errorMask[t] === 1);
    tape.hPrev.set(state.hPrev, s * n);
    tape.local.set(model.localDerivatives(), s * localSize);
    tape.dLdh.set(state.dLdh, s * n);
    tape.h.set(state.h, s * n);
    tape.e.set(state.e, s * o);
  }
  model.saveState(tape.end);
  return tape;
}

/** gradReadout += ∂L_s/∂(V, c) of window step s (the model's state serves as scratch). */
export function addReadoutGradient(model: RecurrentModel, tape: WindowTape, s: number, scratch: Floats, gradReadout: Floats): void {
  const { n, o } = model.params.shape;
  const state = model.state;
  state.h.set(tape.h.subarray(s * n, s * n + n));
  state.e.set(tape.e.subarray(s * o, s * o + o));
  readoutGradient(model.params.shape, state, scratch);
  for (let j = 0; j < gradReadout.length; j++) gradReadout[j] += scratch[j];
}

/** The RNN's window gradient, from hidden state h0. */
export const bpttGradient: WindowGradient<RnnParams> = (params, seq, start, length, h0, gradTheta, gradReadout) => {
  const model = new RnnModel(params, h0);
  const tape = recordWindow(model, seq, start, length);
  const { shape } = params;
  const { n, m, leak } = shape;
  const precision = precisionOf(params.theta);
  const { u, b } = thetaLayout(shape);
  const th = params.theta;
  const { hPrev: hs, local: ds, dLdh: cs } = tape;
  gradTheta.fill(0);
  gradReadout.fill(0);
  const delta = allocate(precision, n);
  const ga = allocate(precision, n); // d_t ⊙ δ_t
  const gaNext = allocate(precision, n);
  const deltaNext = allocate(precision, n);
  const readoutTmp = allocate(precision, gradReadout.length);
  const carry = 1 - leak;
  for (let s = length - 1; s >= 0; s--) {
    const t = start + s;
    const flowsFromNext = s + 1 < length && !seq.reset[t + 1];
    for (let i = 0; i < n; i++) {
      let v = cs[s * n + i];
      if (flowsFromNext) {
        v += carry * deltaNext[i];
        for (let q = 0; q < n; q++) v += th[q * n + i] * gaNext[q];
      }
      delta[i] = v;
      ga[i] = ds[s * n + i] * v;
    }
    const hPrevOff = s * n;
    const xOff = t * m;
    for (let i = 0; i < n; i++) {
      const gi = ga[i];
      for (let l = 0; l < n; l++) gradTheta[i * n + l] += gi * hs[hPrevOff + l];
      for (let l = 0; l < m; l++) gradTheta[u + i * m + l] += gi * seq.x[xOff + l];
      gradTheta[b + i] += gi;
    }
    addReadoutGradient(model, tape, s, readoutTmp, gradReadout);
    deltaNext.set(delta);
    gaNext.set(ga);
  }
  return { loss: tape.loss, hEnd: tape.end };
};

/** The LSTM's window gradient, from the state s0 = [h; c]; `hEnd` of the result is the final [h; c]. */
export const lstmBpttGradient: WindowGradient<LstmParams> = (params, seq, start, length, s0, gradTheta, gradReadout) => {
  const model = new LstmModel(params, s0);
  const tape = recordWindow(model, seq, start, length);
  const { n, m } = params.shape;
  const precision = precisionOf(params.theta);
  const L = tape.localSize;
  gradTheta.fill(0);
  gradReadout.fill(0);
  const dh = allocate(precision, n);
  const dc = allocate(precision, n);
  const dhPrev = allocate(precision, n);
  const dcPrev = allocate(precision, n);
  const dz = allocate(precision, 4 * n);
  const readoutTmp = allocate(precision, gradReadout.length);
  for (let s = length - 1; s >= 0; s--) {
    const t = start + s;
    const flowsFromNext = s + 1 < length && !seq.reset[t + 1];
    for (let j = 0; j < n; j++) {
      dh[j] = tape.dLdh[s * n + j] + (flowsFromNext ? dhPrev[j] : 0);
      dc[j] = flowsFromNext ? dcPrev[j] : 0;
    }
    // the flow into step s-1 is only needed when it exists
    const toPrev = s > 0 && !seq.reset[t];
    lstmBackwardStep(params, tape.hPrev, s * n, tape.local, s * L, seq.x, t * m, dh, dc, gradTheta, dz, toPrev, dhPrev, dcPrev);
    addReadoutGradient(model, tape, s, readoutTmp, gradReadout);
  }
  return { loss: tape.loss, hEnd: tape.end };
};
