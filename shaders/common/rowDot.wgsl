// W v read coalesced, for a matrix-vector product done by one workgroup (the forward kernels' W h_{t-1},
// timesW's W s): RG consecutive invocations share a row of W and read RG consecutive entries of it (each
// 32-byte sector whole), leaving RG partial sums per row in workgroup memory; the invocation that owns the
// row then adds them (`rowSum`). Rows go in chunks of WR, so the partials fit any n. What v is, the
// including snippet says: `rowVector(at, q)` is its entry q (forwardStep: h_{t-1} in hIn at `at`; timesW:
// the vector staged in workgroup memory).
const RG: u32 = 8u;      // invocations per row of W
const WR: u32 = 128u;    // rows per chunk of partial sums (4.5 KiB of workgroup memory)
const PS: u32 = RG + 1u; // a row's partials, padded so the owners' reads (rows PS apart) hit distinct banks

var<workgroup> partial: array<f32, WR * PS>;

// Invocation `sub`'s part of row w·v, the row starting at params[w]: Σ over q ≡ sub (mod RG).
fn rowPartial(w: u32, sub: u32, at: u32) -> f32 {
  var a = 0.0;
  for (var q = sub; q < N; q += RG) { a += params[w + q] * rowVector(at, q); }
  return a;
}

// Stages the partials of the chunk of rows r0 .. r0 + WR - 1 of the W at params[th] (rows past n, and
// every row when !live, give 0). Uniform control flow only.
fn stageRows(lid: u32, th: u32, r0: u32, live: bool, at: u32) {
  let sub = lid % RG;
  for (var r = lid / RG; r < WR; r += WG / RG) {
    let i = r0 + r;
    var a = 0.0;
    if (live && i < N) { a = rowPartial(th + i * N, sub, at); }
    partial[r * PS + sub] = a;
  }
  workgroupBarrier();
}

// a0 plus the RG partials of the chunk's row r, in order.
fn rowSum(a0: f32, r: u32) -> f32 {
  var a = a0;
  for (var g = 0u; g < RG; g++) { a += partial[r * PS + g]; }
  return a;
}
