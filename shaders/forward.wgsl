// RNN forward step with readout, error, dLdh and loss (science.md §2), one lane (arm × seed) per workgroup:
//   a_t = W h_{t-1} + U x_t + b,  h_t = (1-α) h_{t-1} + α tanh(a_t),  D_t = α (1 - tanh²(a_t))
//   y_t = V h_t + c,  e_t = (y_t - y*_t)·hasError,  c_t = Vᵀ e_t,  L_t = ½‖e_t‖²
// A lane that has diverged records NaN; a non-finite loss raises the lane's fault flag (stepEnd.wgsl).
// Sizes, records and helpers: the preamble (src/gpu/layout.ts).

var<workgroup> hNew: array<f32, N>;
var<workgroup> err: array<f32, O>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let t = atomicLoad(&ctl[CTL_STEP]);
  let s0 = recordOf(lanes[lane].stream, t);
  let flags = u32(streams[s0 + SS_FLAGS]);
  let keep = (flags & FLAG_RESET) == 0u;  // a reset starts from h = 0
  let hasError = (flags & FLAG_ERROR) != 0u;
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
  }
  workgroupBarrier();
  // the first output y_t[0], kept by invocation 0 for the outputs record below
  var y0 = 0.0;
  for (var j = 0u; j < O; j++) {
    var s = 0.0;
    for (var i = lid; i < N; i += WG) { s += params[th + NP + j * N + i] * hNew[i]; }
    let vh = workgroupSum(lid, s);
    if (lid == 0u) {
      let y = params[th + NP + O * N + j] + vh;
      if (j == 0u) { y0 = y; }
      var e = 0.0;
      if (hasError) { e = y - streams[s0 + M + j]; }
      err[j] = e;
    }
  }
  workgroupBarrier();
  for (var i = lid; i < N; i += WG) {
    var c = 0.0;
    for (var j = 0u; j < O; j++) { c += params[th + NP + j * N + i] * err[j]; }
    state[sb + ST_DLDH + i] = c;
  }
  if (lid < O) { state[sb + ST_ERR + lid] = err[lid]; }
  if (lid == 0u) {
    var loss = 0.0;
    for (var j = 0u; j < O; j++) { loss += 0.5 * err[j] * err[j]; }
    let cb = ctlOf(lane);
    if (atomicLoad(&ctl[cb + CTL_DIVERGED]) != 0u) {
      loss = nan();
      y0 = nan();
    } else if (nonFinite(loss)) {
      atomicStore(&ctl[cb + CTL_FAULT], 1u);
    }
    losses[t * B + lane] = loss;
    // the buffer's second half: each lane's first output per step, read back with the losses (the app's
    // task strip); the host sizes the buffer as two equal halves
    losses[arrayLength(&losses) / 2u + t * B + lane] = y0;
  }
}
