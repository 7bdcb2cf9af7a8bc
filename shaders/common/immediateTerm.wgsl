// The immediate term of the sensitivity update (science.md §2), added by the transports as they write row i:
//   P_out[i,(i,l)] += d_i ĥ_t[l],  ĥ_t = [h_{t-1}; x_t; 1]
// the n + m + 1 columns of θ that belong to unit i's row of (W, U, b); every other column gets 0. ĥ_t's
// h_{t-1} (zero after a reset) and x_t are staged in the state record by forward.wgsl (ST_HPREV, ST_X).

fn immediateAt(lane: u32, i: u32, c: u32) -> f32 {
  let sb = lane * ST;
  let wRow = i * N;
  let uRow = N * N + i * M;
  var hv = 0.0;
  if (c >= wRow && c < wRow + N) {
    hv = state[sb + ST_HPREV + c - wRow];
  } else if (c >= uRow && c < uRow + M) {
    hv = state[sb + ST_X + c - uRow];
  } else if (c == N * N + N * M + i) {
    hv = 1.0;
  } else {
    return 0.0;
  }
  return state[sb + i] * hv;
}

// The step's keep flag (false: a reset, which transports P = 0), as forward.wgsl staged it.
fn keepOf(lane: u32) -> bool {
  return state[lane * ST + ST_KEEP] != 0.0;
}
