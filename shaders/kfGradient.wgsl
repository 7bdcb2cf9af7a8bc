// KF-RTRL, the parameter side of a step (methods/kfRtrl.ts), one θ entry per invocation, GT workgroups per
// lane: finishes A <- (c1/p1) J A + (c2/p2) D_t over Aᵀ's n² entries (J A is there, from kfTransport.wgsl),
// and writes the gradient g_t[(r, l)] = a_r u_l in θ's layout (W, U, b) with each workgroup's Σg² for
// clipScale.wgsl. a = Aᵀ c_t and u come from kfUpdate.wgsl.
//! include thetaEntry

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = factorLane(wid.z);
  let c = gid.x;
  if (c < N * N) {
    let r = c / N;
    var v = factors[lane.at + KF_FA] * factors[lane.at + KF_A + c];
    if (r == c % N) { v += factors[lane.at + KF_FD] * state[lane.id * ST + r]; }
    factors[lane.at + KF_A + c] = v;
  }
  var g = 0.0;
  if (c < NP) {
    let rl = thetaEntry(c);
    g = factors[lane.at + KF_AV + rl.x] * factors[lane.at + rl.y];
  }
  thetaGradient(lid, lane.id, wid.x, c, g);
}
