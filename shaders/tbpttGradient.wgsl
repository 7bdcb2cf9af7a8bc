// TBPTT(τ), the θ gradient of a step (methods/tbptt.ts), EPI θ entries per invocation spaced WG apart (a
// workgroup owns a block of EPI·WG consecutive entries), ceil(GT / EPI) workgroups per lane:
//   g[(i, l)] = Σ_j ga_j[i] ĥ_j[l],   ĥ_j = [h_{s-1}; x_s; 1] of the slot s that is j steps old,
// over the window's `count` newest slots, newest first (the CPU's order), with the ga_j = d_s ⊙ δ_s that
// tbptt.wgsl left in the lane's window this step. Consecutive invocations read consecutive entries of a
// slot's ĥ; a workgroup's few rows of ga are shared reads. Writes θ's gradient and the block's Σg² into the
// first of its EPI partial slots (zero into the others) for the clip in update.wgsl, which adds all GT: one
// reduction per workgroup, since software adapters pay dearly for each barrier.
//! include thetaEntry
//! include tbpttWindow
override EPI: u32 = 4u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let win = tbpttWindow(wid.z);
  let lane = win.lane;
  let count = u32(window[win.at]);
  let head = u32(window[win.at + 1u]);
  var sq = 0.0;
  for (var u = 0u; u < EPI; u++) {
    let c = wid.x * EPI * WG + u * WG + lid;
    if (c < NP) {
      let rl = thetaEntry(c);
      // ĥ entry l in a slot: h_{s-1} from 0, x_s after d_s (from 2N); the bias's 1 is not stored
      let bias = rl.y == N + M;
      let at = select(rl.y, rl.y + N, rl.y >= N);
      var g = 0.0;
      for (var j = 0u; j < count; j++) {
        let a = window[win.gaAt + j * N + rl.x];
        if (bias) {
          g += a;
        } else {
          g += a * window[slotAt(win, head, j) + at];
        }
      }
      grad[lane * STRIDE + c] = g;
      sq += g * g;
    }
  }
  let total = workgroupSum(lid, sq);
  for (var u = lid; u < EPI; u += WG) {
    let slot = wid.x * EPI + u;
    if (slot < GT) { partials[lane * (GT + GR) + slot] = select(0.0, total, u == 0u); }
  }
}
