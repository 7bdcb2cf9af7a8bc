// The one pass of both sparse transports, written once over the kernel file's element of P (science.md §3):
//   P_out[i,c] = (1-α) P_in[i,c] + Σ_{j<k} d_i·s·W_{i,src_j} · P_in[src_j, c] + immediate term      (s = n/k when rescaling)
// per lane, block of ROWS rows and column tile, with d_i·W folded in, k and the index list per lane (k = 0
// keeps only the leak carry). A reset step transports P = 0. The immediate term is added as the row is
// written, and the block's part of g = cᵀP_out, Σ_{i in block} c_i P_out[i,c], is written to gradParts, so
// gradient.wgsl sums n/ROWS partials per column instead of reading P again.
// Workgroups run row blocks fastest (x), then column tiles (y): while one column tile's rows are
// transported, the source rows' slices of that tile are reused from the cache, so P is read from memory
// about once. Each invocation owns CW elements spaced WG apart, so a workgroup's loads of one source row are
// contiguous, and each coefficient loaded feeds CW multiply-adds.
// The kernel file gives: `alias PV` (P's element as it is read: f32, or vec4f along a row), `PW` (floats in
// a PV), `CW` and `MAXC` (elements per invocation, and the most), `STAGED` (whether row i's source indices
// and coefficients are staged once per workgroup in workgroup memory, or recomputed by every invocation:
// no barrier) and `immediateP(lane, i, e)` (the immediate term of element e of row i). P's element e is
// read and written by the accessors generated for the kernel's view of P (layout.ts pAccessors).
//! include sparseRow
//! include immediateTerm

var<workgroup> srcS: array<u32, WG>;
var<workgroup> coefS: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  // k is the same for the whole workgroup (one lane), so the staged pass's barriers are in uniform control flow
  let k = lanes[lane].k;
  let keep = keepOf(lane);
  let carry = 1.0 - LEAK;
  let width = NP / PW;  // elements in a row of P
  let base = lane * N * width;
  let c0 = wid.y * WG * CW + lid;
  var g = array<PV, MAXC>();
  for (var r = 0u; r < ROWS; r++) {
    let i = wid.x * ROWS + r;
    if (i >= N) { break; }
    let sr = sparseRow(lane, i);
    let row = base + i * width;
    // zeroed explicitly on every row: with no leak (carry 0) nothing else clears it, and SwiftShader's
    // compiled loop kept the last row's sums in a var declared without an initializer
    var acc = array<PV, MAXC>();
    for (var u = 0u; u < CW; u++) {
      let c = c0 + u * WG;
      if (c < width && carry != 0.0) { acc[u] = carry * pInAt(row + c); }
    }
    if (STAGED) {
      for (var j0 = 0u; j0 < k; j0 += WG) {
        if (j0 + lid < k) {
          let q = sources[sr.srcRow + j0 + lid];
          srcS[lid] = q;
          coefS[lid] = sr.di * params[sr.wRow + q];
        }
        workgroupBarrier();
        let count = min(WG, k - j0);
        for (var j = 0u; j < count; j++) {
          let rq = base + srcS[j] * width;
          let w = coefS[j];
          for (var u = 0u; u < CW; u++) {
            let c = c0 + u * WG;
            if (c < width) { acc[u] += w * pInAt(rq + c); }
          }
        }
        workgroupBarrier();
      }
    } else {
      // d_i·s·W_{i,q} recomputed per invocation: no barrier, which software adapters (SwiftShader) run far
      // slower, and the k loads hit the cache
      for (var j = 0u; j < k; j++) {
        let q = sources[sr.srcRow + j];
        let w = sr.di * params[sr.wRow + q];
        let rq = base + q * width;
        for (var u = 0u; u < CW; u++) {
          let c = c0 + u * WG;
          if (c < width) { acc[u] += w * pInAt(rq + c); }
        }
      }
    }
    for (var u = 0u; u < CW; u++) {
      let c = c0 + u * WG;
      if (c < width) {
        let v = select(PV(0.0), acc[u], keep) + immediateP(lane, i, c);
        pOutSet(row + c, v);
        g[u] += sr.ci * v;
      }
    }
  }
  let gp = (lane * RB + wid.x) * width;
  for (var u = 0u; u < CW; u++) {
    let c = c0 + u * WG;
    if (c < width) { gradParts[gp + c] = g[u]; }
  }
}
