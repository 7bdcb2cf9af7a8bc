// TBPTT(τ), the θ gradient of a step (methods/tbptt.ts), one θ entry per invocation, GT workgroups per lane:
//   g[(i, l)] = Σ_j ga_j[i] ĥ_j[l],   ĥ_j = [h_{s-1}; x_s; 1] of the slot s that is j steps old,
// over the window's `count` newest slots, newest first (the CPU's order), with the ga_j = d_s ⊙ δ_s that
// tbptt.wgsl left in the lane's window this step. Consecutive invocations read consecutive entries of a
// slot's ĥ; a workgroup's few rows of ga are shared reads. Writes θ's gradient with each workgroup's Σg²
// (partial wid.x of the lane) for the clip in update.wgsl.
//! include thetaEntry
override LANE_BASE: u32;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let info = lanes[lane];
  let tau = info.tau;
  let w0 = info.windowOffset;
  let slotSize = 2u * N + M;
  let ga0 = w0 + 2u + tau * slotSize;
  let count = u32(window[w0]);
  let head = u32(window[w0 + 1u]);
  let c = gid.x;
  var g = 0.0;
  if (c < NP) {
    let rl = thetaEntry(c);
    // ĥ entry l in a slot: h_{s-1} from 0, x_s after d_s (from 2N); the bias's 1 is not stored
    let bias = rl.y == N + M;
    var at = rl.y;
    if (rl.y >= N) { at = rl.y + N; }
    for (var j = 0u; j < count; j++) {
      let a = window[ga0 + j * N + rl.x];
      if (bias) {
        g += a;
      } else {
        g += a * window[w0 + 2u + ((head + tau - j) % tau) * slotSize + at];
      }
    }
    grad[lane * STRIDE + c] = g;
  }
  thetaPartial(lid, lane, wid.x, g);
}
