// UORO, the parameter side of a step (methods/uoro.ts), one θ entry per invocation, GT workgroups per lane:
//   θ̃ <- θ̃/ρ0 + ((D_t ν)/ρ1) ⊗ ĥ_t   (block by block in θ's layout: W, U, b)
//   ĝ_t = (c_tᵀ s_t) θ̃_t
// with what uoroState.wgsl left in the lane's record. Writes θ's gradient with each workgroup's Σg² for
// clipScale.wgsl, and each workgroup's Σθ̃² for the next step's ρ0. A reset step drops the old θ̃.
//! include thetaEntry

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = factorLane(wid.z);
  let c = gid.x;
  var g = 0.0;
  var v = 0.0;
  if (c < NP) {
    let rl = thetaEntry(c);
    var old = 0.0;
    if (factors[lane.at + UO_KEEP] != 0.0) { old = factors[lane.at + UO_TT + c]; }
    v = old * factors[lane.at + UO_INV0] + factors[lane.at + UO_AR + rl.x] * factors[lane.at + UO_HH + rl.y];
    factors[lane.at + UO_TT + c] = v;
    g = factors[lane.at + UO_CS] * v;
  }
  thetaGradient(lid, lane.id, wid.x, c, g);
  let tq = workgroupSum(lid, v * v);
  if (lid == 0u) { factors[lane.at + UO_TQ + wid.x] = tq; }
}
