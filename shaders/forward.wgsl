// RNN forward step with readout, error, dLdh and loss (science.md §2), one lane (arm × seed) per workgroup:
//   a_t = W h_{t-1} + U x_t + b,  h_t = (1-α) h_{t-1} + α tanh(a_t),  D_t = α (1 - tanh²(a_t))
//   y_t = V h_t + c,  e_t = (y_t - y*_t)·hasError,  c_t = Vᵀ e_t,  L_t = ½‖e_t‖²
// The readout, error, dL/dh and loss: common/readoutTail.wgsl. Sizes, records and helpers: the preamble
// (src/gpu/layout.ts). The step's start (the step before settled, ĥ_t and the keep flag staged for the
// transports' immediate term): common/forwardStep.wgsl.
// W h_{t-1} is read coalesced (common/rowDot.wgsl).

//! include forwardStep
//! include readoutTail

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let now = forwardStep(lid, lane);
  let s0 = now.rec;
  let keep = now.keep;  // a reset starts from h = 0
  let th = lane * STRIDE;
  let hb = lane * N;
  let sb = lane * ST;
  for (var r0 = 0u; r0 < N; r0 += WR) {
    stageRows(lid, th, r0, keep, hb);
    for (var i = r0 + lid; i < min(N, r0 + WR); i += WG) {
      var a = rowSum(params[th + N * N + N * M + i], i - r0);
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
    }
    workgroupBarrier();  // the partials are reused by the next chunk
  }
  readoutTail(lid, lane, now);
}
