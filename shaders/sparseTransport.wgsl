// Sparse-k sensitivity transport (science.md §3), per lane, unit i and column tile:
//   P_out[i,c] = (1-α) P_in[i,c] + Σ_{j<k} d_i·s·W_{i,src_j} · P_in[src_j, c]      (s = n/k when rescaling)
// with d_i·W folded in here, k and the index list per lane (k = 0 keeps only the leak carry). A reset step
// transports P = 0. The immediate term is added as the row is written (common/immediateTerm.wgsl). Each invocation owns COLS columns
// spaced WG apart, so a workgroup's loads of one source row are contiguous, and each coefficient loaded
// feeds COLS multiply-adds.
//! include sparseRow
//! include immediateTerm

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  let i = wid.y;
  // d_i·s·W_{i,q} is recomputed per invocation rather than staged in workgroup memory: no barrier, which
  // software adapters (SwiftShader) run far slower, and the k loads hit the cache.
  let k = lanes[lane].k;
  let sr = sparseRow(lane, i);
  let now = laneStep(lane);
  let carry = 1.0 - LEAK;
  let base = lane * N * NP;
  let row = base + i * NP;
  let c0 = wid.x * WG * COLS + lid;
  var acc = array<f32, COLS>();
  for (var u = 0u; u < COLS; u++) {
    let c = c0 + u * WG;
    if (c < NP && carry != 0.0) { acc[u] = carry * pIn[row + c]; }
  }
  for (var j = 0u; j < k; j++) {
    let q = sources[sr.srcRow + j];
    let w = sr.di * params[sr.wRow + q];
    let r = base + q * NP;
    for (var u = 0u; u < COLS; u++) {
      let c = c0 + u * WG;
      if (c < NP) { acc[u] += w * pIn[r + c]; }
    }
  }
  for (var u = 0u; u < COLS; u++) {
    let c = c0 + u * WG;
    if (c < NP) { pOut[row + c] = select(0.0, acc[u], sr.keep) + immediateAt(lane, i, c, now); }
  }
}
