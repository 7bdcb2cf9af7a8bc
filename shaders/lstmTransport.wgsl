// LSTM sensitivity update (src/engine/methods/rtrl.ts, LstmRtrlEstimator), per lane, unit j and column tile,
// for full (k = n, every source) and sparse-k lanes alike: with S_j the lane's k kept sources of unit j,
//   P^c_t[j,c] = f_j P^c_{t-1}[j,c] + Σ_{q∈S_j} s (a_f W_h[f_j,q] + a_i W_h[i_j,q] + a_g W_h[g_j,q]) P^h_{t-1}[q,c]
//                + a_i M_i + a_f M_f + a_g M_g
//   P^h_t[j,c] = Σ_{q∈S_j} s a_o W_h[o_j,q] P^h_{t-1}[q,c] + a_o M_o + β_j P^c_t[j,c]
// where s is the lane's rescale (n/k, or 1) and M_r[c] = ĥ_l when column c is θ's (row r, l) entry,
// ĥ_t = [h_{t-1}; x_t; 1] (the immediate terms; only unit j's four gate rows touch row j of P). The cell
// carry f ⊙ P^c and the c -> h term β are always kept; sparse-k masks W_h only. A reset step transports
// P = 0 (the immediate terms remain, with h_{t-1} = 0).
// Fused, so P^h_{t-1} is read once per kept source and P^h_t, P^c_t written once. Like sparseTransport.wgsl,
// barrier-free: each invocation recomputes row j's k coefficient pairs (cache hits) and owns COLS columns
// spaced WG apart so a workgroup's loads of one source row are contiguous.
// P buffers: P^h of lane at lane·N·NP, P^c at PC_BASE + lane·N·NP (lstmGpu.ts).
//! include lstmColumn

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  let j = wid.y;
  let info = lanes[lane];
  let k = info.k;
  let sb = lane * ST;
  let lb = sb + ST_LOCAL;
  let keep = state[sb + ST_KEEP] != 0.0;
  let d = lstmLocal(lb, j);
  let s = info.scale;
  let th = lane * STRIDE;
  let wi = th + j * N;
  let wf = th + (N + j) * N;
  let wg = th + (2u * N + j) * N;
  let wo = th + (3u * N + j) * N;
  let base = lane * N * NP;
  let rowH = base + j * NP;
  let rowC = PC_BASE + rowH;
  let srcRow = info.srcOffset + j * k;
  let c0 = wid.x * WG * COLS + lid;
  var accC = array<f32, COLS>();
  var accH = array<f32, COLS>();
  if (keep) {
    for (var u = 0u; u < COLS; u++) {
      let c = c0 + u * WG;
      if (c < NP) { accC[u] = d.forget * pIn[rowC + c]; }
    }
    for (var jj = 0u; jj < k; jj++) {
      let q = sources[srcRow + jj];
      let cc = s * (d.f * params[wf + q] + d.i * params[wi + q] + d.g * params[wg + q]);
      let ch = s * (d.o * params[wo + q]);
      let r = base + q * NP;
      for (var u = 0u; u < COLS; u++) {
        let c = c0 + u * WG;
        if (c < NP) {
          let v = pIn[r + c];
          accC[u] += cc * v;
          accH[u] += ch * v;
        }
      }
    }
  }
  for (var u = 0u; u < COLS; u++) {
    let c = c0 + u * WG;
    if (c >= NP) { continue; }
    finishColumn(sb, j, c, d, accC[u], accH[u], rowC, rowH);
  }
}
