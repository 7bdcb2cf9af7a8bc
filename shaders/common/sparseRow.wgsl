// What both sparse transports (sparseTransport.wgsl, sparseTransportVec4.wgsl) read for row i of a lane:
// where its k kept sources start in the sources buffer (srcRow), W's row i (wRow), d_i·s, which times
// W_{i,q} is source q's coefficient, and c_i = ∂L_t/∂h_t[i], row i's weight in g = cᵀP.
struct SparseRow {
  di: f32,
  ci: f32,
  srcRow: u32,
  wRow: u32,
}

fn sparseRow(lane: u32, i: u32) -> SparseRow {
  let info = lanes[lane];
  let sb = lane * ST;
  return SparseRow(state[sb + i] * info.scale, state[sb + ST_DLDH + i], info.srcOffset + i * info.k, lane * STRIDE + i * N);
}
