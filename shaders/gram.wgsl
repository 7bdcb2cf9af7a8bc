// Gram matrix of the sensitivity, G = P Pᵀ (n×n, science.md §8: σ(P) = sqrt(eig G)), one entry per
// workgroup as a reduction over the p columns. Sampled every metricsEvery steps, not every step.
override LANE_BASE: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x;
  let j = wid.y;
  let base = (LANE_BASE + wid.z) * N * NP;
  var s = 0.0;
  for (var c = lid; c < NP; c += WG) { s += pCurAt(base + i * NP + c) * pCurAt(base + j * NP + c); }
  let g = workgroupSum(lid, s);
  if (lid == 0u) { grams[wid.z * N * N + i * N + j] = g; }
}
