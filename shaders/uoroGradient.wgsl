// UORO, the parameter side of a step (methods/uoro.ts), one θ entry per invocation, GT workgroups per lane:
//   θ̃ <- θ̃/ρ0 + ((D_t ν)/ρ1) ⊗ ĥ_t   (block by block in θ's layout: W, U, b)
//   ĝ_t = (c_tᵀ s_t) θ̃_t
// with what uoroState.wgsl left in the lane's record. Writes θ's gradient with each workgroup's Σg² for
// clipScale.wgsl, and each workgroup's Σθ̃² for the next step's ρ0. A reset step drops the old θ̃.
override LANE_BASE: u32;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let r0 = lanes[lane].factorOffset;
  let c = gid.x;
  var g = 0.0;
  var v = 0.0;
  if (c < NP) {
    // θ entry c is (row r, ĥ entry l)
    var r: u32;
    var l: u32;
    if (c < N * N) {
      r = c / N;
      l = c % N;
    } else if (c < N * N + N * M) {
      let e = c - N * N;
      r = e / M;
      l = N + e % M;
    } else {
      r = c - N * N - N * M;
      l = N + M;
    }
    var old = 0.0;
    if (factors[r0 + UO_KEEP] != 0.0) { old = factors[r0 + UO_TT + c]; }
    v = old * factors[r0 + UO_INV0] + factors[r0 + UO_AR + r] * factors[r0 + UO_HH + l];
    factors[r0 + UO_TT + c] = v;
    g = factors[r0 + UO_CS] * v;
    grad[lane * STRIDE + c] = g;
  }
  let gq = workgroupSum(lid, g * g);
  let tq = workgroupSum(lid, v * v);
  if (lid == 0u) {
    partials[lane * (GT + GR) + wid.x] = gq;
    factors[r0 + UO_TQ + wid.x] = tq;
  }
}
