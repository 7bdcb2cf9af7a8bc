/**
 * Backpropagation through time over a window of a sequence, per model: the exact gradient of Σ_t L_t with
 * θ fixed. It is the reference full RTRL is tested against, and (in chunks) the cheap way to pretrain.
 *
 * The RNN:
 *   δ_t = c_t + [(1-α) δ_{t+1} + Wᵀ (d_{t+1} ⊙ δ_{t+1})]     (the bracket cut where a sequence resets)
 *   ∂/∂W += (d_t ⊙ δ_t) h_{t-1}ᵀ,  ∂/∂U += (d_t ⊙ δ_t) x_tᵀ,  ∂/∂b += d_t ⊙ δ_t
 */
import { allocate, precisionOf, type Floats } from '../precision';
import type { Sequence } from '../tasks/task';
import { allocateLstmState, LOCAL_BLOCKS, lstmBackwardStep, lstmForwardStep, resetLstmState, setLstmState, type LstmParams } from './lstm';
import { readoutGradient, readoutStep } from './readout';
import { allocateState, forwardStep, resetState, thetaLayout, type RnnParams } from './rnn';

export interface BpttResult {
  /** Σ_t L_t over the window */
  loss: number;
  /** h at the end of the window, to carry into the next chunk */
  hEnd: Floats;
}

/**
 * Writes ∂(Σ L_t)/∂θ into gradTheta and ∂/∂readout into gradReadout for steps [start, start+length),
 * starting from hidden state h0.
 */
export function bpttGradient(
  params: RnnParams,
  seq: Sequence,
  start: number,
  length: number,
  h0: Floats,
  gradTheta: Floats,
  gradReadout: Floats,
): BpttResult {
  const { shape } = params;
  const { n, m, o, leak } = shape;
  const precision = precisionOf(params.theta);
  const { u, b } = thetaLayout(shape);
  const th = params.theta;
  const hs = allocate(precision, (length + 1) * n); // hs[t] = h entering step t (after any reset)
  const ds = allocate(precision, length * n);
  const cs = allocate(precision, length * n);
  const hOut = allocate(precision, length * n);
  const es = allocate(precision, length * o);
  const state = allocateState(shape, precision);
  state.h.set(h0);
  let loss = 0;
  for (let s = 0; s < length; s++) {
    const t = start + s;
    if (seq.reset[t]) resetState(state);
    hs.set(state.h, s * n);
    forwardStep(params, state, seq.x, t * m);
    loss += readoutStep(params, state, seq.y, t * o, seq.errorMask[t] === 1);
    ds.set(state.d, s * n);
    cs.set(state.dLdh, s * n);
    hOut.set(state.h, s * n);
    es.set(state.e, s * o);
  }
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
    state.h.set(hOut.subarray(s * n, s * n + n));
    state.e.set(es.subarray(s * o, s * o + o));
    readoutGradient(shape, state, readoutTmp);
    for (let j = 0; j < gradReadout.length; j++) gradReadout[j] += readoutTmp[j];
    deltaNext.set(delta);
    gaNext.set(ga);
  }
  return { loss, hEnd: hOut.slice((length - 1) * n, length * n) };
}

/**
 * The LSTM: the carried state is [h; c] (2n). Per step (lstm.ts, lstmBackwardStep):
 *   dh_t = c_t + W_hᵀ dz_{t+1},  dc_t = β dh_t + f_{t+1} dc_{t+1},  dz = (a_i, a_f, a_g) dc_t, a_o dh_t
 *   ∂/∂W̃ += dz_t ĥ_tᵀ     (the flow from t+1 cut where a sequence resets)
 *
 * Writes ∂(Σ L_t)/∂θ into gradTheta and ∂/∂readout into gradReadout for steps [start, start+length),
 * starting from the state s0 = [h; c]. `hEnd` of the result is the final [h; c].
 */
export function lstmBpttGradient(
  params: LstmParams,
  seq: Sequence,
  start: number,
  length: number,
  s0: Floats,
  gradTheta: Floats,
  gradReadout: Floats,
): BpttResult {
  const { shape } = params;
  const { n, m, o } = shape;
  const precision = precisionOf(params.theta);
  const L = LOCAL_BLOCKS * n;
  const hPrevs = allocate(precision, length * n);
  const locals = allocate(precision, length * L);
  const hs = allocate(precision, length * n);
  const cs = allocate(precision, length * n);
  const es = allocate(precision, length * o);
  const dLdhs = allocate(precision, length * n);
  const state = allocateLstmState(shape, precision);
  setLstmState(state, s0);
  let loss = 0;
  for (let s = 0; s < length; s++) {
    const t = start + s;
    if (seq.reset[t]) resetLstmState(state);
    lstmForwardStep(params, state, seq.x, t * m);
    loss += readoutStep(params, state, seq.y, t * o, seq.errorMask[t] === 1);
    hPrevs.set(state.hPrev, s * n);
    locals.set(state.local, s * L);
    hs.set(state.h, s * n);
    cs.set(state.c, s * n);
    es.set(state.e, s * o);
    dLdhs.set(state.dLdh, s * n);
  }
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
      dh[j] = dLdhs[s * n + j] + (flowsFromNext ? dhPrev[j] : 0);
      dc[j] = flowsFromNext ? dcPrev[j] : 0;
    }
    // the flow into step s-1 is only needed when it exists
    const toPrev = s > 0 && !seq.reset[t];
    lstmBackwardStep(params, hPrevs, s * n, locals, s * L, seq.x, t * m, dh, dc, gradTheta, dz, toPrev, dhPrev, dcPrev);
    state.h.set(hs.subarray(s * n, s * n + n));
    state.e.set(es.subarray(s * o, s * o + o));
    readoutGradient(shape, state, readoutTmp);
    for (let j = 0; j < gradReadout.length; j++) gradReadout[j] += readoutTmp[j];
  }
  const hEnd = allocate(precision, 2 * n);
  if (length > 0) {
    hEnd.set(hs.subarray((length - 1) * n, length * n), 0);
    hEnd.set(cs.subarray((length - 1) * n, length * n), n);
  }
  return { loss, hEnd };
}
