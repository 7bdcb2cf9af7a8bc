// The immediate term of the sensitivity update (science.md §2), added by the transports as they write row i:
//   P_out[i,(i,l)] += d_i ĥ_t[l],  ĥ_t = [h_{t-1}; x_t; 1]
// the n + m + 1 columns of θ that belong to unit i's row of (W, U, b); every other column gets 0. A reset
// step (now.keep false) reads h_{t-1} = 0.
//! include laneStep

fn immediateAt(lane: u32, i: u32, c: u32, now: LaneStep) -> f32 {
  let wRow = i * N;
  let uRow = N * N + i * M;
  var hv = 0.0;
  if (c >= wRow && c < wRow + N) {
    if (now.keep) { hv = hIn[lane * N + c - wRow]; }
  } else if (c >= uRow && c < uRow + M) {
    hv = streams[now.rec + c - uRow];
  } else if (c == N * N + N * M + i) {
    hv = 1.0;
  } else {
    return 0.0;
  }
  return state[lane * ST + i] * hv;
}
