/**
 * Backpropagation through time for the LSTM over a window of a sequence: the exact gradient of Σ_t L_t with
 * θ fixed. It is the reference the LSTM's full RTRL is tested against and, in chunks, how the LSTM is
 * pretrained. The carried state is [h; c] (2n). Per step (lstm.ts, lstmBackwardStep):
 *   dh_t = c_t + W_hᵀ dz_{t+1},  dc_t = β dh_t + f_{t+1} dc_{t+1},  dz = (a_i, a_f, a_g) dc_t, a_o dh_t
 *   ∂/∂W̃ += dz_t ĥ_tᵀ     (the flow from t+1 cut where a sequence resets)
 */
import type { BpttResult } from './bptt';
import { allocateLstmState, LOCAL_BLOCKS, lstmBackwardStep, lstmForwardStep, resetLstmState, setLstmState, type LstmParams } from './lstm';
import { allocate, precisionOf, type Floats } from './precision';
import { readoutGradient, readoutStep } from './rnn';
import type { Sequence } from './tasks/task';

/**
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
