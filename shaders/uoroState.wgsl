// UORO, the state side of a step (methods/uoro.ts, science.md §4), one workgroup per UORO lane. With the
// lane's Rademacher ν_t for this step (drawn on the host from the arm's noise stream: batch.ts fillNoise),
//   J s = (1-α) s + D_t (W s),   ρ0 = sqrt((‖θ̃‖+ε)/(‖J s‖+ε)),   ρ1 = sqrt((‖D_t ν‖·‖ĥ_t‖+ε)/(‖ν‖+ε))
//   s <- ρ0 J s + ρ1 ν
// and leaves for uoroGradient.wgsl (the parallel O(p) half) (D_t ν)/ρ1, ĥ_t, 1/ρ0 and c_tᵀ s_t in the lane's
// record (layout.ts uoroRecord). ‖θ̃‖² is the sum of uoroGradient's partials of the step before, so θ̃ is not
// read here. A reset step starts from s = θ̃ = 0 (the CPU's estimator.reset()).
//! include noiseLane
const EPS: f32 = 1e-7;
// W s is read coalesced, as forward.wgsl reads W h: RG consecutive invocations share a row of W and read
// RG consecutive entries of it into padded partial sums (rows in chunks of WROWS) that the row's owner adds.
const RG: u32 = 8u;
const WROWS: u32 = 128u;
const PS: u32 = RG + 1u;

var<workgroup> partial: array<f32, WROWS * PS>;

var<workgroup> sOld: array<f32, N>;
var<workgroup> js: array<f32, N>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let r0 = lanes[lane].factorOffset;
  let now = laneStep(lane);
  let keep = now.keep;
  // this step's N signs
  let nz = noiseSlot(lane, now, N);
  let th = lane * STRIDE;
  let sb = lane * ST;
  for (var i = lid; i < N; i += WG) {
    var v = 0.0;
    if (keep) { v = factors[r0 + i]; }
    sOld[i] = v;
  }
  workgroupBarrier();
  let sub = lid % RG;
  for (var c0 = 0u; c0 < N; c0 += WROWS) {
    for (var r = lid / RG; r < WROWS; r += WG / RG) {
      let i = c0 + r;
      var a = 0.0;
      if (i < N) {
        for (var q = sub; q < N; q += RG) { a += params[th + i * N + q] * sOld[q]; }
      }
      partial[r * PS + sub] = a;
    }
    workgroupBarrier();
    for (var i = c0 + lid; i < min(N, c0 + WROWS); i += WG) {
      var a = 0.0;
      for (var g = 0u; g < RG; g++) { a += partial[(i - c0) * PS + g]; }
      js[i] = a;  // W s for now; the same invocation turns it into J s below
    }
    workgroupBarrier();
  }
  var jsq = 0.0;
  var dsq = 0.0;
  var nsq = 0.0;
  for (var i = lid; i < N; i += WG) {
    let a = js[i];
    let d = state[sb + i];
    let v = (1.0 - LEAK) * sOld[i] + d * a;
    js[i] = v;
    jsq += v * v;
    let nu = noise[nz + i];
    let dn = d * nu;
    dsq += dn * dn;
    nsq += nu * nu;
    factors[r0 + UO_AR + i] = dn;
  }
  var hsq = 0.0;
  for (var l = lid; l < NL; l += WG) {
    let h = hatEntry(lane, now, l);
    factors[r0 + UO_HH + l] = h;
    hsq += h * h;
  }
  var tq = 0.0;
  if (keep) {
    for (var g = lid; g < GT; g += WG) { tq += factors[r0 + UO_TQ + g]; }
  }
  let jsNorm = sqrt(workgroupSum(lid, jsq));
  let dnNorm = sqrt(workgroupSum(lid, dsq));
  let nuNorm = sqrt(workgroupSum(lid, nsq));
  let hNorm = sqrt(workgroupSum(lid, hsq));
  let ttNorm = sqrt(workgroupSum(lid, tq));
  let rho0 = sqrt((ttNorm + EPS) / (jsNorm + EPS));
  let rho1 = sqrt((dnNorm * hNorm + EPS) / (nuNorm + EPS));
  let inv1 = 1.0 / rho1;
  var cs = 0.0;
  for (var i = lid; i < N; i += WG) {
    let s = rho0 * js[i] + rho1 * noise[nz + i];
    factors[r0 + i] = s;
    cs += state[sb + ST_DLDH + i] * s;
    // the same invocation wrote D ν for this i above
    factors[r0 + UO_AR + i] = factors[r0 + UO_AR + i] * inv1;
  }
  let csum = workgroupSum(lid, cs);
  if (lid == 0u) {
    factors[r0 + UO_INV0] = 1.0 / rho0;
    factors[r0 + UO_CS] = csum;
    factors[r0 + UO_KEEP] = select(0.0, 1.0, keep);
  }
}
