// What both sparse transports (sparseTransport.wgsl, sparseTransportVec4.wgsl) read for row i of a lane:
// where its k kept sources start in the sources buffer (srcRow), W's row i (wRow), and d_i·s, which times
// W_{i,q} is source q's coefficient. A reset step (keep false) transports P = 0.
//! include laneStep
struct SparseRow {
  keep: bool,
  di: f32,
  srcRow: u32,
  wRow: u32,
}

fn sparseRow(lane: u32, i: u32) -> SparseRow {
  let info = lanes[lane];
  return SparseRow(laneStep(lane).keep, state[lane * ST + i] * info.scale, info.srcOffset + i * info.k, lane * STRIDE + i * N);
}
