// KF-RTRL, the transport of the state-side factor (methods/kfRtrl.ts, science.md §4): J_t applied to each
// column of A, one workgroup per column r (a row of Aᵀ) and lane:
//   (J A)ᵀ[r, i] = (1-α) Aᵀ[r, i] + d_i Σ_q W[i, q] Aᵀ[r, q]
// written over Aᵀ's row in place (the row is staged in workgroup memory first), with the row's ‖·‖² and its
// dot with c_t for kfUpdate.wgsl. A reset step transports A = 0.
override LANE_BASE: u32;

// W Aᵀ[r, ·] is read coalesced, as forward.wgsl reads W h: RG consecutive invocations share a row of W and
// read RG consecutive entries of it into padded partial sums (rows in chunks of WROWS) that the row's owner adds.
const RG: u32 = 8u;
const WROWS: u32 = 128u;
const PS: u32 = RG + 1u;

var<workgroup> aRow: array<f32, N>;
var<workgroup> wa: array<f32, N>;
var<workgroup> partial: array<f32, WROWS * PS>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let r = wid.x;
  let info = lanes[lane];
  let r0 = info.factorOffset;
  let t = stepNow.t;
  let keep = (u32(streams[recordOf(info.stream, t) + SS_FLAGS]) & FLAG_RESET) == 0u;
  let row = r0 + KF_A + r * N;
  for (var q = lid; q < N; q += WG) {
    var v = 0.0;
    if (keep) { v = factors[row + q]; }
    aRow[q] = v;
  }
  workgroupBarrier();
  let th = lane * STRIDE;
  let sb = lane * ST;
  let sub = lid % RG;
  for (var c0 = 0u; c0 < N; c0 += WROWS) {
    for (var rr = lid / RG; rr < WROWS; rr += WG / RG) {
      let i = c0 + rr;
      var a = 0.0;
      if (i < N) {
        for (var q = sub; q < N; q += RG) { a += params[th + i * N + q] * aRow[q]; }
      }
      partial[rr * PS + sub] = a;
    }
    workgroupBarrier();
    for (var i = c0 + lid; i < min(N, c0 + WROWS); i += WG) {
      var a = 0.0;
      for (var g = 0u; g < RG; g++) { a += partial[(i - c0) * PS + g]; }
      wa[i] = a;
    }
    workgroupBarrier();
  }
  var sq = 0.0;
  var jc = 0.0;
  for (var i = lid; i < N; i += WG) {
    let v = (1.0 - LEAK) * aRow[i] + state[sb + i] * wa[i];
    factors[row + i] = v;
    sq += v * v;
    jc += v * state[sb + ST_DLDH + i];
  }
  let s = workgroupSum(lid, sq);
  let j = workgroupSum(lid, jc);
  if (lid == 0u) {
    factors[r0 + KF_SQ + r] = s;
    factors[r0 + KF_JC + r] = j;
  }
}
