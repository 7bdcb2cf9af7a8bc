// Partial sums of squares of each lane's P (‖P_t‖² = Σ of GS partials, summed on the host), a grid-stride
// reduction with a fixed GS workgroups per lane.
override GS: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  let base = lane * N * NP;
  var s = 0.0;
  for (var e = wid.x * WG + lid; e < N * NP; e += GS * WG) {
    let x = pCurAt(base + e);
    s += x * x;
  }
  let sq = workgroupSum(lid, s);
  if (lid == 0u) { norms[lane * GS + wid.x] = sq; }
}
