// RNN forward step with readout, error, dLdh and loss (science.md §2), one lane (arm × seed) per workgroup:
//   a_t = W h_{t-1} + U x_t + b,  h_t = (1-α) h_{t-1} + α tanh(a_t),  D_t = α (1 - tanh²(a_t))
//   y_t = V h_t + c,  e_t = (y_t - y*_t)·hasError,  c_t = Vᵀ e_t,  L_t = ½‖e_t‖²
// The readout, error, dL/dh and loss: common/readoutTail.wgsl. Sizes, records and helpers: the preamble
// (src/gpu/layout.ts). It also stages ĥ_t's h_{t-1} (0 after a reset) and x_t and the keep flag in the state
// record, for the transports' immediate term (common/immediateTerm.wgsl).

//! include readoutTail
//! include settle

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let now = laneStep(lane);
  // the step before, settled here rather than in a dispatch of its own (readoutTail reads the result)
  if (stepNow.settle != 0u && lid == 0u) { settleStep(lane, now.t - 1u); }
  let s0 = now.rec;
  let keep = now.keep;  // a reset starts from h = 0
  let th = lane * STRIDE;
  let hb = lane * N;
  let sb = lane * ST;
  for (var i = lid; i < N; i += WG) {
    var a = params[th + N * N + N * M + i];
    for (var q = 0u; q < N; q++) {
      if (keep) { a += params[th + i * N + q] * hIn[hb + q]; }
    }
    for (var l = 0u; l < M; l++) { a += params[th + N * N + i * M + l] * streams[s0 + l]; }
    // tanh of a clamped argument: some backends evaluate tanh through exp and overflow to NaN past |a| ≈ 44;
    // tanh(±15) is ±1 in f32 already. A NaN must still propagate so the arm is marked diverged.
    var th_a = tanh(clamp(a, -15.0, 15.0));
    if (isNan(a)) { th_a = a; }
    var hp = 0.0;
    if (keep) { hp = hIn[hb + i]; }
    let hv = (1.0 - LEAK) * hp + LEAK * th_a;
    hNew[i] = hv;
    hOut[hb + i] = hv;
    state[sb + i] = LEAK * (1.0 - th_a * th_a);
    state[sb + ST_HPREV + i] = hp;
  }
  for (var l = lid; l < M; l += WG) { state[sb + ST_X + l] = streams[s0 + l]; }
  if (lid == 0u) { state[sb + ST_KEEP] = select(0.0, 1.0, keep); }
  readoutTail(lid, lane, now);
}
