// The end of every model's forward step, from h_t in hNew (each kernel writes it, then calls readoutTail):
//   y_t = V h_t + c,  e_t = (y_t - y*_t)·hasError,  dL/dh_t = Vᵀ e_t,  L_t = ½‖e_t‖²
// A lane that has diverged records NaN; a non-finite loss raises the lane's fault flag (stepEnd.wgsl).
//! include laneStep

var<workgroup> hNew: array<f32, N>;
var<workgroup> err: array<f32, O>;

// Uniform control flow only (barriers, workgroupSum).
fn readoutTail(lid: u32, lane: u32, now: LaneStep) {
  let th = lane * STRIDE;
  let sb = lane * ST;
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
      if (now.hasError) { e = y - streams[now.rec + M + j]; }
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
    losses[now.t * B + lane] = loss;
    // the buffer's second half: each lane's first output per step, read back with the losses (the app's
    // task strip); the host sizes the buffer as two equal halves
    losses[arrayLength(&losses) / 2u + now.t * B + lane] = y0;
  }
}
