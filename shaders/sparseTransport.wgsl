// Sparse-k sensitivity transport (science.md §3) in one pass over P, per lane, block of ROWS rows and column tile:
//   P_out[i,c] = (1-α) P_in[i,c] + Σ_{j<k} d_i·s·W_{i,src_j} · P_in[src_j, c] + immediate term      (s = n/k when rescaling)
// with d_i·W folded in here, k and the index list per lane (k = 0 keeps only the leak carry). A reset step
// transports P = 0. The immediate term is added as the row is written (common/immediateTerm.wgsl), and
// the block's part of g = cᵀP_out, Σ_{i in block} c_i P_out[i,c], is written to gradParts, so
// gradient.wgsl sums n/ROWS partials per column instead of reading P again.
// Workgroups run row blocks fastest (x), then column tiles (y): while one column tile's rows are
// transported, the source rows' slices of that tile are reused from the cache, so P is read from memory
// about once. Each invocation owns COLS columns spaced WG apart, so a workgroup's loads of one source row
// are contiguous, and each coefficient loaded feeds COLS multiply-adds.
//! include sparseRow
//! include immediateTerm

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  // d_i·s·W_{i,q} is recomputed per invocation rather than staged in workgroup memory: no barrier, which
  // software adapters (SwiftShader) run far slower, and the k loads hit the cache.
  let k = lanes[lane].k;
  let keep = keepOf(lane);
  let carry = 1.0 - LEAK;
  let base = lane * N * NP;
  let c0 = wid.y * WG * COLS + lid;
  var g = array<f32, COLS>();
  for (var r = 0u; r < ROWS; r++) {
    let i = wid.x * ROWS + r;
    if (i >= N) { break; }
    let sr = sparseRow(lane, i);
    let row = base + i * NP;
    var acc = array<f32, COLS>();
    for (var u = 0u; u < COLS; u++) {
      let c = c0 + u * WG;
      if (c < NP && carry != 0.0) { acc[u] = carry * pIn[row + c]; }
    }
    for (var j = 0u; j < k; j++) {
      let q = sources[sr.srcRow + j];
      let w = sr.di * params[sr.wRow + q];
      let rq = base + q * NP;
      for (var u = 0u; u < COLS; u++) {
        let c = c0 + u * WG;
        if (c < NP) { acc[u] += w * pIn[rq + c]; }
      }
    }
    for (var u = 0u; u < COLS; u++) {
      let c = c0 + u * WG;
      if (c < NP) {
        let v = select(0.0, acc[u], keep) + immediateAt(lane, i, c);
        pOut[row + c] = v;
        g[u] += sr.ci * v;
      }
    }
  }
  let gp = (lane * RB + wid.x) * NP;
  for (var u = 0u; u < COLS; u++) {
    let c = c0 + u * WG;
    if (c < NP) { gradParts[gp + c] = g[u]; }
  }
}
