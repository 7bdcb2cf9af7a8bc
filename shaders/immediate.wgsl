// Immediate term of the sensitivity update (science.md §2): P_out[i,(i,l)] += d_i ĥ_t[l],
// ĥ_t = [h_{t-1}; x_t; 1], i.e. the n + m + 1 columns of θ that belong to unit i's row of (W, U, b).
// Sizes, records and helpers: the preamble (src/gpu/layout.ts).

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let e = gid.x;
  if (e >= N + M + 1u) { return; }
  let lane = wid.z;
  let i = wid.y;
  let t = atomicLoad(&ctl[CTL_STEP]);
  let s0 = recordOf(lanes[lane].stream, t);
  let keep = (u32(streams[s0 + SS_FLAGS]) & FLAG_RESET) == 0u;
  var col: u32;
  var hv: f32;
  if (e < N) {
    col = i * N + e;
    hv = 0.0;
    if (keep) { hv = hIn[lane * N + e]; }
  } else if (e < N + M) {
    col = N * N + i * M + (e - N);
    hv = streams[s0 + e - N];
  } else {
    col = N * N + N * M + i;
    hv = 1.0;
  }
  let o = lane * N * NP + i * NP + col;
  pOut[o] = pOut[o] + state[lane * ST + i] * hv;
}
