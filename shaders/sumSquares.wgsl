// Partial sums of squares of each lane's P (‖P_t‖² = Σ of GS partials, summed on the host), a grid-stride
// reduction with a fixed GS workgroups per lane.
override N: u32;
override M: u32;
override WG: u32 = 64u;
override GS: u32 = 64u;
override NP: u32 = N * N + N * M + N;

@group(0) @binding(0) var<storage, read> pCur: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  let base = lane * N * NP;
  var s = 0.0;
  for (var e = wid.x * WG + lid; e < N * NP; e += GS * WG) {
    let x = pCur[base + e];
    s += x * x;
  }
  part[lid] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[lane * GS + wid.x] = part[0]; }
}
