// KF-RTRL, the fold of one step (methods/kfRtrl.ts), one workgroup per KF lane. With the lane's signs
// c1, c2 = ±1 for this step (drawn on the host from the arm's noise stream: batch.ts fillNoise),
//   p1 = sqrt((‖J A‖+ε)/(‖u‖+ε)),   p2 = sqrt((‖D_t‖+ε)/(‖ĥ_t‖+ε))
//   u <- c1 p1 u + c2 p2 ĥ_t,   A <- (c1/p1) J A + (c2/p2) D_t   (the second half in kfGradient.wgsl)
//   a = Aᵀ c_t = (c1/p1) (J A)ᵀ c_t + (c2/p2) D_t c_t   (D_t is diagonal for the RNN)
// ‖J A‖² and (J A)ᵀ c_t are kfTransport.wgsl's per-row sums. A reset step starts from u = 0.
//! include noiseLane

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = factorLane(wid.z);
  let now = laneStep(lane.id);
  // this step's (c1, c2)
  let nz = noiseSlot(lane.id, now, 2u);
  let sb = lane.id * ST;
  var jq = 0.0;
  var dq = 0.0;
  for (var r = lid; r < N; r += WG) {
    jq += factors[lane.at + KF_SQ + r];
    let d = state[sb + r];
    dq += d * d;
  }
  var uq = 0.0;
  var hq = 0.0;
  for (var l = lid; l < NL; l += WG) {
    var u = 0.0;
    if (now.keep) { u = factors[lane.at + l]; }
    uq += u * u;
    let h = hatEntry(lane.id, now, l);
    hq += h * h;
  }
  let p1 = balance(sqrt(workgroupSum(lid, jq)), sqrt(workgroupSum(lid, uq)));
  let p2 = balance(sqrt(workgroupSum(lid, dq)), sqrt(workgroupSum(lid, hq)));
  let c1 = noise[nz];
  let c2 = noise[nz + 1u];
  for (var l = lid; l < NL; l += WG) {
    var u = 0.0;
    if (now.keep) { u = factors[lane.at + l]; }
    factors[lane.at + l] = c1 * p1 * u + c2 * p2 * hatEntry(lane.id, now, l);
  }
  let fa = c1 / p1;
  let fd = c2 / p2;
  for (var r = lid; r < N; r += WG) {
    factors[lane.at + KF_AV + r] = fa * factors[lane.at + KF_JC + r] + fd * state[sb + r] * state[sb + ST_DLDH + r];
  }
  if (lid == 0u) {
    factors[lane.at + KF_FA] = fa;
    factors[lane.at + KF_FD] = fd;
  }
}
