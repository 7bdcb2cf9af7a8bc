// KF-RTRL, the fold of one step (methods/kfRtrl.ts), one workgroup per KF lane. With the lane's signs
// c1, c2 = ±1 for this step (drawn on the host from the arm's noise stream: batch.ts fillNoise),
//   p1 = sqrt((‖J A‖+ε)/(‖u‖+ε)),   p2 = sqrt((‖D_t‖+ε)/(‖ĥ_t‖+ε))
//   u <- c1 p1 u + c2 p2 ĥ_t,   A <- (c1/p1) J A + (c2/p2) D_t   (the second half in kfGradient.wgsl)
//   a = Aᵀ c_t = (c1/p1) (J A)ᵀ c_t + (c2/p2) D_t c_t   (D_t is diagonal for the RNN)
// ‖J A‖² and (J A)ᵀ c_t are kfTransport.wgsl's per-row sums. A reset step starts from u = 0.
//! include noiseLane
const EPS: f32 = 1e-7;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let r0 = lanes[lane].factorOffset;
  let now = laneStep(lane);
  // this step's (c1, c2)
  let nz = noiseSlot(lane, now, 2u);
  let sb = lane * ST;
  var jq = 0.0;
  var dq = 0.0;
  for (var r = lid; r < N; r += WG) {
    jq += factors[r0 + KF_SQ + r];
    let d = state[sb + r];
    dq += d * d;
  }
  var uq = 0.0;
  var hq = 0.0;
  for (var l = lid; l < NL; l += WG) {
    var u = 0.0;
    if (now.keep) { u = factors[r0 + l]; }
    uq += u * u;
    let h = hatEntry(lane, now, l);
    hq += h * h;
  }
  let p1 = sqrt((sqrt(workgroupSum(lid, jq)) + EPS) / (sqrt(workgroupSum(lid, uq)) + EPS));
  let p2 = sqrt((sqrt(workgroupSum(lid, dq)) + EPS) / (sqrt(workgroupSum(lid, hq)) + EPS));
  let c1 = noise[nz];
  let c2 = noise[nz + 1u];
  for (var l = lid; l < NL; l += WG) {
    var u = 0.0;
    if (now.keep) { u = factors[r0 + l]; }
    factors[r0 + l] = c1 * p1 * u + c2 * p2 * hatEntry(lane, now, l);
  }
  let fa = c1 / p1;
  let fd = c2 / p2;
  for (var r = lid; r < N; r += WG) {
    factors[r0 + KF_AV + r] = fa * factors[r0 + KF_JC + r] + fd * state[sb + r] * state[sb + ST_DLDH + r];
  }
  if (lid == 0u) {
    factors[r0 + KF_FA] = fa;
    factors[r0 + KF_FD] = fd;
  }
}
