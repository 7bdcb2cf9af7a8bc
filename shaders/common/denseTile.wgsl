// The tiled dense transports' shared half (denseTransport.wgsl, lstmDense.wgsl): lanes LANE_BASE + z, a
// TS×TS output tile per workgroup of Q×Q invocations, each a 4×4 block with rows and columns spaced Q
// apart; P_in's TS×TS tile for the current q0 staged in workgroup memory.
override LANE_BASE: u32 = 0u;
override TS: u32 = 32u;
override Q: u32 = TS / 4u;

var<workgroup> pTile: array<f32, TS * TS>;

// Stages entry e of the P tile: P_in[qr, c] of the lane's P at `base`, zero outside P.
fn stagePTile(e: u32, base: u32, qr: u32, c: u32) {
  var pv = 0.0;
  if (qr < N && c < NP) { pv = pIn[base + qr * NP + c]; }
  pTile[e] = pv;
}

// Row kk of the P tile at this invocation's four columns.
fn pTileRow(kk: u32, x: u32) -> vec4f {
  return vec4f(pTile[kk * TS + x], pTile[kk * TS + x + Q], pTile[kk * TS + x + 2u * Q], pTile[kk * TS + x + 3u * Q]);
}
