// Gradient reduction g_t = c_tᵀ P_t (science.md §2), c_t = ∂L_t/∂h_t: one column of θ per invocation,
// plus each workgroup's Σ g² for the global-norm clip and the divergence check (clipScale.wgsl).

var<workgroup> dLdh: array<f32, N>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  for (var i = lid; i < N; i += WG) { dLdh[i] = state[lane * ST + ST_DLDH + i]; }
  workgroupBarrier();
  let c = gid.x;
  var g = 0.0;
  if (c < NP) {
    let base = lane * N * NP + c;
    for (var i = 0u; i < N; i++) { g += dLdh[i] * pOut[base + i * NP]; }
    grad[lane * STRIDE + c] = g;
  }
  let sq = workgroupSum(lid, g * g);
  if (lid == 0u) { partials[lane * (GT + GR) + wid.x] = sq; }
}
