// The benchmark's reference matrix product, out = lhs · rhs (lhs: N×N, rhs and out: N×NP): the FLOP/s
// the dense transport (denseTransport.wgsl, the same product) is judged against, so it is built at least
// as well as that kernel: the same register block and vec4 workgroup-memory reads, on a larger tile.
// A 64×64 output tile per workgroup of 16×16 invocations, each a 4×4 register block (rows lid.y + 16a,
// four contiguous columns 4·lid.x … 4·lid.x + 3); K in chunks of 16 staged in workgroup memory as vec4s.
// Per 4 steps of k an invocation reads 4 vec4s of the rhs tile and one vec4 of the lhs tile per row: 8
// reads for 64 multiply-adds. Conflict-free (32 banks of 4 bytes; a 32-invocation group is lid.x 0..15 ×
// two consecutive lid.y): the rhs reads cover 64 consecutive words, each bank twice, the least a 16-address
// vec4 read can take; the lhs tile's rows are padded to 20 words, so the two lid.y rows' vec4s sit in 8
// distinct banks, each read by 16 invocations at once (broadcast). bench-gpu.ts dispatches it.
//! include vec4Block
const BM: u32 = 64u;
const KT: u32 = 16u;
const KV: u32 = KT / 4u;      // vec4s in a row of the lhs tile
const AV: u32 = KV + 1u;      // the same, padded by one
const BV: u32 = BM / 4u;      // vec4s in a row of the rhs tile

var<workgroup> aS: array<vec4f, BM * AV>;
var<workgroup> bS: array<vec4f, KT * BV>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) lix: u32) {
  let r0 = wid.y * BM;
  let c0 = wid.x * BM;
  var acc: array<vec4f, 4>;
  for (var q0 = 0u; q0 < N; q0 += KT) {
    // one vec4 of each tile per invocation, staged in one pass: lhs[row, 4 consecutive k], rhs[k, 4 consecutive columns]
    let row = lix / KV;
    let k4 = 4u * (lix % KV);
    let kb = lix / BV;
    let col = 4u * (lix % BV);
    var a = vec4f(0.0);
    var b = vec4f(0.0);
    for (var j = 0u; j < 4u; j++) {
      if (r0 + row < N && q0 + k4 + j < N) { a[j] = lhs[(r0 + row) * N + q0 + k4 + j]; }
      if (q0 + kb < N && c0 + col + j < NP) { b[j] = rhs[(q0 + kb) * NP + c0 + col + j]; }
    }
    aS[row * AV + lix % KV] = a;
    bS[lix] = b;
    workgroupBarrier();
    for (var kv = 0u; kv < KV; kv++) {
      let o = 4u * kv * BV + lid.x;
      let p = Rows4(bS[o], bS[o + BV], bS[o + 2u * BV], bS[o + 3u * BV]);
      let ao = lid.y * AV + kv;
      acc[0] += fma4(aS[ao], p);
      acc[1] += fma4(aS[ao + 16u * AV], p);
      acc[2] += fma4(aS[ao + 32u * AV], p);
      acc[3] += fma4(aS[ao + 48u * AV], p);
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < 4u; a++) {
    let row = r0 + lid.y + 16u * a;
    for (var b = 0u; b < 4u; b++) {
      let col = c0 + 4u * lid.x + b;
      if (row < N && col < NP) { out[row * NP + col] = acc[a][b]; }
    }
  }
}
