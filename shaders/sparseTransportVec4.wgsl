// Sparse-k sensitivity transport, vectorised (science.md §3): the same P_out as sparseTransport.wgsl,
//   P_out[i,c] = (1-α) P_in[i,c] + Σ_{j<k} d_i·s·W_{i,src_j} · P_in[src_j, c]      (s = n/k when rescaling)
// with P read and written as vec4 along its rows (16-byte loads and stores; it needs NP % 4 == 0, so every
// row starts on a vec4), and row i's source indices and coefficients d_i·s·W_{i,src_j} staged once per
// workgroup in workgroup memory, WG at a time, instead of every invocation reloading them. Each
// invocation owns VPT vec4 columns spaced WG apart, so a workgroup's loads of one source row are
// contiguous. Meant for hardware adapters; the barrier-free sparseTransport.wgsl stays where barriers are
// costly (software adapters); src/gpu/sparseVariant.ts chooses. A reset step transports P = 0. The
// immediate term is added as the row is written (common/immediateTerm.wgsl).
//! include sparseRow
//! include immediateTerm
override VPT: u32 = 2u;
const MAX_VPT: u32 = 4u;

var<workgroup> srcS: array<u32, WG>;
var<workgroup> coefS: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  let i = wid.y;
  let k = lanes[lane].k;
  let sr = sparseRow(lane, i);
  let now = laneStep(lane);
  let carry = 1.0 - LEAK;
  let np4 = NP / 4u;
  let base = lane * N * np4;
  let row = base + i * np4;
  let c0 = wid.x * WG * VPT + lid;
  var acc: array<vec4f, MAX_VPT>;
  for (var u = 0u; u < VPT; u++) {
    let c = c0 + u * WG;
    if (c < np4 && carry != 0.0) { acc[u] = carry * pIn[row + c]; }
  }
  // k is the same for the whole workgroup (one lane), so the barriers below are in uniform control flow
  // (read from the lane record, not returned by sparseRow: WGSL's uniformity analysis sees a returned
  // struct as one value, and its keep comes from an atomic load)
  for (var j0 = 0u; j0 < k; j0 += WG) {
    if (j0 + lid < k) {
      let q = sources[sr.srcRow + j0 + lid];
      srcS[lid] = q;
      coefS[lid] = sr.di * params[sr.wRow + q];
    }
    workgroupBarrier();
    let count = min(WG, k - j0);
    for (var j = 0u; j < count; j++) {
      let r = base + srcS[j] * np4;
      let w = coefS[j];
      for (var u = 0u; u < VPT; u++) {
        let c = c0 + u * WG;
        if (c < np4) { acc[u] += w * pIn[r + c]; }
      }
    }
    workgroupBarrier();
  }
  for (var u = 0u; u < VPT; u++) {
    let c = c0 + u * WG;
    if (c < np4) {
      let c4 = 4u * c;
      let imm = vec4f(immediateAt(lane, i, c4, now), immediateAt(lane, i, c4 + 1u, now), immediateAt(lane, i, c4 + 2u, now), immediateAt(lane, i, c4 + 3u, now));
      pOut[row + c] = select(vec4f(0.0), acc[u], sr.keep) + imm;
    }
  }
}
