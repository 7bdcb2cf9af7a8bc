// A plain copy, dst = src, with the same COLS-per-invocation pattern as sparseTransport.wgsl: the
// benchmark's reference for the bytes/s this adapter can move (bench-gpu.ts).
override COUNT: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let block = (wid.y * nwg.x + wid.x) * WG * COLS + lid;
  for (var u = 0u; u < COLS; u++) {
    let e = block + u * WG;
    if (e < COUNT) { dst[e] = src[e]; }
  }
}
