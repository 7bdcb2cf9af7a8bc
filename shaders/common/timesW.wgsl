// J applied to a vector held in the lane's factor record (kfTransport.wgsl: a row of Aᵀ; uoroState.wgsl: s),
// by one workgroup: the vector is staged in workgroup memory (`stageVector`; zero after a reset), then
// W v is read coalesced (rowDot) into `wv`, where the owner of each entry finishes J v itself.
//! include rowDot

var<workgroup> stagedVec: array<f32, N>;
var<workgroup> wv: array<f32, N>;

// rowDot's vector: the staged one.
fn rowVector(at: u32, q: u32) -> f32 {
  return stagedVec[q];
}

// stagedVec = factors[at .. at + n - 1], or 0 when !keep. Uniform control flow only.
fn stageVector(lid: u32, at: u32, keep: bool) {
  for (var q = lid; q < N; q += WG) {
    var v = 0.0;
    if (keep) { v = factors[at + q]; }
    stagedVec[q] = v;
  }
  workgroupBarrier();
}

// wv = W stagedVec, W the lane's at params[th]. Uniform control flow only; afterwards invocation lid owns
// wv[i] for i ≡ lid (mod WG) until the next barrier.
fn timesW(lid: u32, th: u32) {
  for (var r0 = 0u; r0 < N; r0 += WR) {
    stageRows(lid, th, r0, true, 0u);
    for (var i = r0 + lid; i < min(N, r0 + WR); i += WG) { wv[i] = rowSum(0.0, i - r0); }
    workgroupBarrier();
  }
}
