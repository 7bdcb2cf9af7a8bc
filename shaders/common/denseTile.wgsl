// The tiled dense transports' shared half (denseTransport.wgsl, lstmDense.wgsl): lanes LANE_BASE + z, a
// TS×TS output tile per workgroup of Q×Q invocations, each a 4×4 register block: rows lid.y + a·Q
// (spaced Q apart), columns 4·lid.x .. 4·lid.x + 3 (contiguous, one vec4). Workgroup memory holds vec4s,
// so the inner loop reads 4 of the coefficient tile and 4 of the P tile per 4 k-steps (64 multiply-adds).
// Bank model (32 banks of 4 bytes; a 32-invocation group is lid.x 0..7 × four consecutive lid.y):
//  - P tile, row kk: the 8 lid.x read 8 consecutive vec4s (32 consecutive words, every bank once); the four
//    lid.y read the same words (broadcast). Conflict-free.
//  - coefficient tile: rows padded to TS/4 + 1 vec4s (TS + 4 words), so the four lid.y rows (consecutive)
//    start 4 banks apart and each vec4 fills its own 4 banks; the 8 lid.x read one address (broadcast).
//    Conflict-free (unpadded, the four rows were 32 words apart: one bank group, a 4-way conflict).
//! include vec4Block
override LANE_BASE: u32 = 0u;
override TS: u32 = 32u;
override Q: u32 = TS / 4u;
override TV: u32 = TS / 4u;      // vec4s in a P tile row
override AV: u32 = TS / 4u + 1u; // vec4s in a coefficient tile row, padded by one

var<workgroup> pTile: array<vec4f, TS * TS / 4u>;

// Stages the tiles of one step of k (rows q0 .. q0 + TS - 1 of P): the coefficient tile of output rows
// i0 .. i0 + TS - 1, columns q0 .. of the kernel's coefficient matrix (its `stageCoef(lane, slot, i, q)`
// writes the vec4 of row i, columns q .. q + 3, at slot), and the P tile of columns c0 .. c0 + TS - 1 of the
// lane's P at `base`. Uniform control flow only.
fn stageTiles(lix: u32, lane: u32, base: u32, i0: u32, q0: u32, c0: u32) {
  for (var e = lix; e < TS * TV; e += Q * Q) {
    let r = tileRow(e);
    let cc = tileCol(e);
    stageCoef(lane, coefIndex(r, e % TV), i0 + r, q0 + cc);
    stagePTile(e, base, q0 + r, c0 + cc);
  }
  workgroupBarrier();
}

// Stages vec4 e of the P tile: P_in[qr, c .. c + 3] of the lane's P at `base`, zero outside P.
fn stagePTile(e: u32, base: u32, qr: u32, c: u32) {
  var pv = vec4f(0.0);
  if (qr < N) {
    let o = base + qr * NP;
    for (var j = 0u; j < 4u; j++) {
      if (c + j < NP) { pv[j] = pInAt(o + c + j); }
    }
  }
  pTile[e] = pv;
}

// Where vec4 e of a tile sits: row e / TV, first column 4 (e % TV).
fn tileRow(e: u32) -> u32 { return e / TV; }
fn tileCol(e: u32) -> u32 { return 4u * (e % TV); }
// The coefficient tile's vec4 at (row r, columns 4·v .. 4·v + 3).
fn coefIndex(r: u32, v: u32) -> u32 { return r * AV + v; }

// The P tile's rows 4·kv .. 4·kv + 3 at this invocation's vec4 column x: what 4 steps of k multiply.
fn pRows(kv: u32, x: u32) -> Rows4 {
  let o = 4u * kv * TV + x;
  return Rows4(pTile[o], pTile[o + TV], pTile[o + 2u * TV], pTile[o + 3u * TV]);
}
