// Exact, local readout gradient (science.md §2): ∂L/∂V = e_t h_tᵀ, ∂L/∂c = e_t, written after θ's
// gradient in the lane's gradient record (a readout lane's record is this part alone: the preamble's
// gradReadoutStart), with each workgroup's Σ g² for the clip.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  let e = gid.x;
  var g = 0.0;
  if (e < NR) {
    let err = lane * ST + ST_ERR;
    if (e < O * N) {
      g = state[err + e / N] * hOut[lane * N + e % N];
    } else {
      g = state[err + e - O * N];
    }
    grad[gradReadoutStart(lane) + e] = g;
  }
  let sq = workgroupSum(lid, g * g);
  if (lid == 0u) { partials[partialsReadoutStart(lane) + wid.x] = sq; }
}
