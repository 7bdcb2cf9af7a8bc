// KF-RTRL, the parameter side of a step (methods/kfRtrl.ts), one θ entry per invocation, GT workgroups per
// lane: finishes A <- (c1/p1) J A + (c2/p2) D_t over Aᵀ's n² entries (J A is there, from kfTransport.wgsl),
// and writes the gradient g_t[(r, l)] = a_r u_l in θ's layout (W, U, b) with each workgroup's Σg² for
// clipScale.wgsl. a = Aᵀ c_t and u come from kfUpdate.wgsl.
//! include thetaEntry
override LANE_BASE: u32;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let r0 = lanes[lane].factorOffset;
  let c = gid.x;
  if (c < N * N) {
    let r = c / N;
    var v = factors[r0 + KF_FA] * factors[r0 + KF_A + c];
    if (r == c % N) { v += factors[r0 + KF_FD] * state[lane * ST + r]; }
    factors[r0 + KF_A + c] = v;
  }
  var g = 0.0;
  if (c < NP) {
    let rl = thetaEntry(c);
    g = factors[r0 + KF_AV + rl.x] * factors[r0 + rl.y];
    grad[lane * STRIDE + c] = g;
  }
  thetaPartial(lid, lane, wid.x, g);
}
