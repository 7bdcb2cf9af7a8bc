/**
 * Backpropagation through time over a window of a sequence: the exact gradient of Σ_t L_t with θ fixed.
 * It is the reference full RTRL is tested against, and (in chunks, as TBPTT) the cheap way to pretrain.
 *   δ_t = c_t + [(1-α) δ_{t+1} + Wᵀ (d_{t+1} ⊙ δ_{t+1})]     (the bracket cut where a sequence resets)
 *   ∂/∂W += (d_t ⊙ δ_t) h_{t-1}ᵀ,  ∂/∂U += (d_t ⊙ δ_t) x_tᵀ,  ∂/∂b += d_t ⊙ δ_t
 */
import { allocate, precisionOf, type Floats } from './precision';
import { allocateState, forwardStep, readoutGradient, readoutStep, resetState, thetaLayout, type RnnParams } from './rnn';
import type { Sequence } from './tasks/task';

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
