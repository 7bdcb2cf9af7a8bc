// Sparse-k sensitivity transport in one pass over P, vectorised (science.md §3): the same P_out and
// partials of g = cᵀP as sparseTransport.wgsl,
//   P_out[i,c] = (1-α) P_in[i,c] + Σ_{j<k} d_i·s·W_{i,src_j} · P_in[src_j, c] + immediate term      (s = n/k when rescaling)
// with P read and written as vec4 along its rows (16-byte loads and stores; it needs NP % 4 == 0, so every
// row starts on a vec4), and row i's source indices and coefficients d_i·s·W_{i,src_j} staged once per
// workgroup in workgroup memory, WG at a time, instead of every invocation reloading them. Row blocks
// run fastest (x), then column tiles (y), so source rows are reused from the cache; each invocation owns
// VPT vec4 columns spaced WG apart, so a workgroup's loads of one source row are contiguous. Meant for
// hardware adapters; the barrier-free sparseTransport.wgsl stays where barriers are costly (software
// adapters); src/gpu/sparseVariant.ts chooses. A reset step transports P = 0.
//! include sparseRow
//! include immediateTerm
override VPT: u32 = 2u;
const MAX_VPT: u32 = 4u;

var<workgroup> srcS: array<u32, WG>;
var<workgroup> coefS: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  // k is the same for the whole workgroup (one lane), so the barriers below are in uniform control flow
  let k = lanes[lane].k;
  let keep = keepOf(lane);
  let carry = 1.0 - LEAK;
  let np4 = NP / 4u;
  let base = lane * N * np4;
  let c0 = wid.y * WG * VPT + lid;
  var g: array<vec4f, MAX_VPT>;
  for (var r = 0u; r < ROWS; r++) {
    let i = wid.x * ROWS + r;
    if (i >= N) { break; }
    let sr = sparseRow(lane, i);
    let row = base + i * np4;
    var acc: array<vec4f, MAX_VPT>;
    for (var u = 0u; u < VPT; u++) {
      let c = c0 + u * WG;
      if (c < np4 && carry != 0.0) { acc[u] = carry * pIn[row + c]; }
    }
    for (var j0 = 0u; j0 < k; j0 += WG) {
      if (j0 + lid < k) {
        let q = sources[sr.srcRow + j0 + lid];
        srcS[lid] = q;
        coefS[lid] = sr.di * params[sr.wRow + q];
      }
      workgroupBarrier();
      let count = min(WG, k - j0);
      for (var j = 0u; j < count; j++) {
        let rq = base + srcS[j] * np4;
        let w = coefS[j];
        for (var u = 0u; u < VPT; u++) {
          let c = c0 + u * WG;
          if (c < np4) { acc[u] += w * pIn[rq + c]; }
        }
      }
      workgroupBarrier();
    }
    for (var u = 0u; u < VPT; u++) {
      let c = c0 + u * WG;
      if (c < np4) {
        let c4 = 4u * c;
        let imm = vec4f(immediateAt(lane, i, c4), immediateAt(lane, i, c4 + 1u), immediateAt(lane, i, c4 + 2u), immediateAt(lane, i, c4 + 3u));
        let v = select(vec4f(0.0), acc[u], keep) + imm;
        pOut[row + c] = v;
        g[u] += sr.ci * v;
      }
    }
  }
  let gp = (lane * RB + wid.x) * np4;
  for (var u = 0u; u < VPT; u++) {
    let c = c0 + u * WG;
    if (c < np4) { gradParts[gp + c] = g[u]; }
  }
}
