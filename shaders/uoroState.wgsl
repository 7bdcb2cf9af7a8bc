// UORO, the state side of a step (methods/uoro.ts, science.md §4), one workgroup per UORO lane. With the
// lane's Rademacher ν_t for this step (drawn on the host from the arm's noise stream: batch.ts fillNoise),
//   J s = (1-α) s + D_t (W s),   ρ0 = sqrt((‖θ̃‖+ε)/(‖J s‖+ε)),   ρ1 = sqrt((‖D_t ν‖·‖ĥ_t‖+ε)/(‖ν‖+ε))
//   s <- ρ0 J s + ρ1 ν
// and leaves for uoroGradient.wgsl (the parallel O(p) half) (D_t ν)/ρ1, ĥ_t, 1/ρ0 and c_tᵀ s_t in the lane's
// record (layout.ts uoroRecord). ‖θ̃‖² is the sum of uoroGradient's partials of the step before, so θ̃ is not
// read here. A reset step starts from s = θ̃ = 0 (the CPU's estimator.reset()).
//! include noiseLane
//! include timesW

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = factorLane(wid.z);
  let now = laneStep(lane.id);
  let keep = now.keep;
  // this step's N signs
  let nz = noiseSlot(lane.id, now, N);
  let sb = lane.id * ST;
  // s staged, then W s (common/timesW.wgsl); wv becomes J s below, entry by entry in the invocation that owns it
  stageVector(lid, lane.at, keep);
  timesW(lid, lane.id * STRIDE);
  var jsq = 0.0;
  var dsq = 0.0;
  var nsq = 0.0;
  for (var i = lid; i < N; i += WG) {
    let a = wv[i];
    let d = state[sb + i];
    let v = (1.0 - LEAK) * stagedVec[i] + d * a;
    wv[i] = v;
    jsq += v * v;
    let nu = noise[nz + i];
    let dn = d * nu;
    dsq += dn * dn;
    nsq += nu * nu;
    factors[lane.at + UO_AR + i] = dn;
  }
  var hsq = 0.0;
  for (var l = lid; l < NL; l += WG) {
    let h = hatEntry(lane.id, now, l);
    factors[lane.at + UO_HH + l] = h;
    hsq += h * h;
  }
  var tq = 0.0;
  if (keep) {
    for (var g = lid; g < GT; g += WG) { tq += factors[lane.at + UO_TQ + g]; }
  }
  let jsNorm = sqrt(workgroupSum(lid, jsq));
  let dnNorm = sqrt(workgroupSum(lid, dsq));
  let nuNorm = sqrt(workgroupSum(lid, nsq));
  let hNorm = sqrt(workgroupSum(lid, hsq));
  let ttNorm = sqrt(workgroupSum(lid, tq));
  let rho0 = balance(ttNorm, jsNorm);
  let rho1 = balance(dnNorm * hNorm, nuNorm);
  let inv1 = 1.0 / rho1;
  var cs = 0.0;
  for (var i = lid; i < N; i += WG) {
    let s = rho0 * wv[i] + rho1 * noise[nz + i];
    factors[lane.at + i] = s;
    cs += state[sb + ST_DLDH + i] * s;
    // the same invocation wrote D ν for this i above
    factors[lane.at + UO_AR + i] = factors[lane.at + UO_AR + i] * inv1;
  }
  let csum = workgroupSum(lid, cs);
  if (lid == 0u) {
    factors[lane.at + UO_INV0] = 1.0 / rho0;
    factors[lane.at + UO_CS] = csum;
    factors[lane.at + UO_KEEP] = select(0.0, 1.0, keep);
  }
}
