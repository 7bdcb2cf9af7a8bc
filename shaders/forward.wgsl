// RNN forward step with readout, error, dLdh and loss (science.md §2), one lane (arm × seed) per workgroup:
//   a_t = W h_{t-1} + U x_t + b,  h_t = (1-α) h_{t-1} + α tanh(a_t),  D_t = α (1 - tanh²(a_t))
//   y_t = V h_t + c,  e_t = (y_t - y*_t)·hasError,  c_t = Vᵀ e_t,  L_t = ½‖e_t‖²
// The readout, error, dL/dh and loss: common/readoutTail.wgsl. Sizes, records and helpers: the preamble
// (src/gpu/layout.ts). It also stages ĥ_t's h_{t-1} (0 after a reset) and x_t and the keep flag in the state
// record, for the transports' immediate term (common/immediateTerm.wgsl).
// W h_{t-1} is read coalesced: RG consecutive invocations share a row of W and read RG consecutive entries
// of it (each 32-byte sector whole), leaving RG partial sums per row in workgroup memory; the invocation
// that owns row i then adds them. Rows go in chunks of CH, so the partials fit any n.

//! include readoutTail
//! include settle

const RG: u32 = 8u;    // invocations per row of W
const CH: u32 = 128u;  // rows per chunk of partial sums (4.5 KiB of workgroup memory)
const PS: u32 = RG + 1u; // a row's partials, padded so the owners' reads (rows PS apart) hit distinct banks

var<workgroup> partial: array<f32, CH * PS>;

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
  let sub = lid % RG;
  for (var r0 = 0u; r0 < N; r0 += CH) {
    for (var r = lid / RG; r < CH; r += WG / RG) {
      let i = r0 + r;
      var s = 0.0;
      if (keep && i < N) {
        for (var q = sub; q < N; q += RG) { s += params[th + i * N + q] * hIn[hb + q]; }
      }
      partial[r * PS + sub] = s;
    }
    workgroupBarrier();
    for (var i = r0 + lid; i < min(N, r0 + CH); i += WG) {
      var a = params[th + N * N + N * M + i];
      let pr = (i - r0) * PS;
      for (var g = 0u; g < RG; g++) { a += partial[pr + g]; }
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
    workgroupBarrier();  // the partials are reused by the next chunk
  }
  for (var l = lid; l < M; l += WG) { state[sb + ST_X + l] = streams[s0 + l]; }
  if (lid == 0u) { state[sb + ST_KEEP] = select(0.0, 1.0, keep); }
  readoutTail(lid, lane, now);
}
