// A plain tiled matrix product, out = lhs · rhs (lhs: N×N, rhs and out: N×NP), 16×16 tiles staged in
// workgroup memory, one output per invocation: the benchmark's reference FLOP/s on this adapter for
// denseTransport.wgsl, which computes the same product (bench-gpu.ts).
const MT: u32 = 16u;

var<workgroup> aTile: array<f32, 256>;
var<workgroup> bTile: array<f32, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wid.y * MT + lid.y;
  let col = wid.x * MT + lid.x;
  var acc = 0.0;
  for (var q0 = 0u; q0 < N; q0 += MT) {
    var a = 0.0;
    if (row < N && q0 + lid.x < N) { a = lhs[row * N + q0 + lid.x]; }
    aTile[lid.y * MT + lid.x] = a;
    var b = 0.0;
    if (q0 + lid.y < N && col < NP) { b = rhs[(q0 + lid.y) * NP + col]; }
    bTile[lid.y * MT + lid.x] = b;
    workgroupBarrier();
    for (var q = 0u; q < MT; q++) { acc += aTile[lid.y * MT + q] * bTile[q * MT + lid.x]; }
    workgroupBarrier();
  }
  if (row < N && col < NP) { out[row * NP + col] = acc; }
}
