// The benchmark's reference matrix product, out = lhs · rhs (lhs: N×N, rhs and out: N×NP): the FLOP/s
// the dense transport (denseTransport.wgsl, the same product) is judged against, so it is built at least
// as well as that kernel. A 64×64 output tile per workgroup of 16×16 invocations, each a 4×4 register
// block (rows and columns 16 apart); K in chunks of 16 staged in workgroup memory, lhs transposed so that
// every read in the inner loop is conflict-free: the 16 invocations of a row read 16 consecutive words of
// the rhs tile, and the two rows of invocations in a 32-wide group read two adjacent words of the lhs
// tile (each a broadcast). Each workgroup-memory read feeds 4 multiply-adds. bench-gpu.ts dispatches it.
const BM: u32 = 64u;
const KT: u32 = 16u;

var<workgroup> aT: array<f32, 1024>;
var<workgroup> bT: array<f32, 1024>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) lix: u32) {
  let r0 = wid.y * BM;
  let c0 = wid.x * BM;
  var acc: array<vec4f, 4>;
  for (var q0 = 0u; q0 < N; q0 += KT) {
    for (var e = lix; e < BM * KT; e += 256u) {
      // lhs: 16 consecutive columns of a row per 16 invocations; stored as [k][row]
      let row = e / KT;
      let k = e % KT;
      var a = 0.0;
      if (r0 + row < N && q0 + k < N) { a = lhs[(r0 + row) * N + q0 + k]; }
      aT[k * BM + row] = a;
      // rhs: 64 consecutive columns of a row; stored as [k][col]
      let kb = e / BM;
      let col = e % BM;
      var b = 0.0;
      if (q0 + kb < N && c0 + col < NP) { b = rhs[(q0 + kb) * NP + c0 + col]; }
      bT[kb * BM + col] = b;
    }
    workgroupBarrier();
    for (var k = 0u; k < KT; k++) {
      let o = k * BM + lid.x;
      let bv = vec4f(bT[o], bT[o + 16u], bT[o + 32u], bT[o + 48u]);
      let ao = k * BM + lid.y;
      acc[0] += aT[ao] * bv;
      acc[1] += aT[ao + 16u] * bv;
      acc[2] += aT[ao + 32u] * bv;
      acc[3] += aT[ao + 48u] * bv;
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < 4u; a++) {
    let row = r0 + lid.y + 16u * a;
    for (var b = 0u; b < 4u; b++) {
      let col = c0 + lid.x + 16u * b;
      if (row < N && col < NP) { out[row * NP + col] = acc[a][b]; }
    }
  }
}
