// The gradients every learning lane gets from its P or its readout, in one dispatch (science.md §2):
//   workgroups x < GT of a lane with a P (z < P_LANES): g_θ = c_tᵀ P_t, c_t = ∂L_t/∂h_t, one column of θ per
//   invocation; for the first PART_LANES lanes (the RNN's sparse range) the sum of the RB row-block
//   partials the sparse transport wrote (gradParts), so P is not read again
//   workgroups x ≥ GT of every learning lane: the exact readout gradient ∂L/∂V = e_t h_tᵀ, ∂L/∂c = e_t,
//   written after θ's gradient in the lane's gradient record (a readout lane's record is this part alone)
// plus each workgroup's Σ g² for the global-norm clip and the divergence check (update.wgsl). The θ
// gradients of lanes without a P come from their own kernels (tbptt, uoro, kf); their x < GT workgroups
// have nothing to do here. Whole workgroups branch, so the reductions stay in uniform control flow.
override P_LANES: u32 = 0u;
override PART_LANES: u32 = 0u;

var<workgroup> dLdh: array<f32, N>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  if (wid.x < GT) {
    if (lane >= P_LANES) { return; }
    let c = wid.x * WG + lid;
    var g = 0.0;
    if (lane < PART_LANES) {
      if (c < NP) {
        for (var b = 0u; b < RB; b++) { g += gradParts[(lane * RB + b) * NP + c]; }
        grad[lane * STRIDE + c] = g;
      }
    } else {
      for (var i = lid; i < N; i += WG) { dLdh[i] = state[lane * ST + ST_DLDH + i]; }
      workgroupBarrier();
      if (c < NP) {
        let base = lane * N * NP + c;
        for (var i = 0u; i < N; i++) { g += dLdh[i] * pOutAt(base + i * NP); }
        grad[lane * STRIDE + c] = g;
      }
    }
    let sq = workgroupSum(lid, g * g);
    if (lid == 0u) { partials[lane * (GT + GR) + wid.x] = sq; }
    return;
  }
  let r = wid.x - GT;
  let e = r * WG + lid;
  var g = 0.0;
  if (e < NR) {
    let err = lane * ST + ST_ERR;
    if (e < O * N) {
      g = state[err + e / N] * hOut[lane * N + e % N];
    } else {
      g = state[err + e - O * N];
    }
    grad[gradReadoutStart(lane) + e] = g;
  }
  let sq = workgroupSum(lid, g * g);
  if (lid == 0u) { partials[partialsReadoutStart(lane) + r] = sq; }
}
