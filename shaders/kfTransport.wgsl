// KF-RTRL, the transport of the state-side factor (methods/kfRtrl.ts, science.md §4): J_t applied to each
// column of A, one workgroup per column r (a row of Aᵀ) and lane:
//   (J A)ᵀ[r, i] = (1-α) Aᵀ[r, i] + d_i Σ_q W[i, q] Aᵀ[r, q]
// written over Aᵀ's row in place (the row is staged in workgroup memory first, and W Aᵀ[r, ·] read
// coalesced: common/timesW.wgsl), with the row's ‖·‖² and its dot with c_t for kfUpdate.wgsl. A reset step
// transports A = 0.
//! include timesW
//! include factorLane

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = factorLane(wid.z);
  let r = wid.x;
  let t = stepNow.t;
  let keep = (u32(streams[recordOf(lanes[lane.id].stream, t) + SS_FLAGS]) & FLAG_RESET) == 0u;
  let row = lane.at + KF_A + r * N;
  stageVector(lid, row, keep);
  let sb = lane.id * ST;
  timesW(lid, lane.id * STRIDE);
  var sq = 0.0;
  var jc = 0.0;
  for (var i = lid; i < N; i += WG) {
    let v = (1.0 - LEAK) * stagedVec[i] + state[sb + i] * wv[i];
    factors[row + i] = v;
    sq += v * v;
    jc += v * state[sb + ST_DLDH + i];
  }
  let s = workgroupSum(lid, sq);
  let j = workgroupSum(lid, jc);
  if (lid == 0u) {
    factors[lane.at + KF_SQ + r] = s;
    factors[lane.at + KF_JC + r] = j;
  }
}
