// LSTM sensitivity update of the full-RTRL lanes (every source kept), as a tiled matrix product: the same
// result as lstmTransport.wgsl with k = n (src/engine/methods/rtrl.ts, LstmRtrlEstimator),
//   P^c_t = f ⊙ P^c_{t-1} + A^c P^h_{t-1} + immediate,   A^c[j,q] = a_f W_h[f_j,q] + a_i W_h[i_j,q] + a_g W_h[g_j,q]
//   P^h_t = A^h P^h_{t-1} + a_o M_o + β ⊙ P^c_t,          A^h[j,q] = a_o W_h[o_j,q]
// (n×n times n×p, twice, sharing every load of P^h). Each workgroup computes a TS×TS tile of both
// products; each invocation a 4×4 block of each (rows and columns spaced TS/4 apart), as denseTransport.wgsl
// does for the RNN: every P^h value loaded from memory feeds 2·TS multiply-adds. The coefficient tiles are
// formed while staging (4 W_h loads per entry, cache hits). The epilogue adds the cell carry, the
// immediate terms and the c -> h term. Lanes are LANE_BASE + z. A reset step transports P = 0.
//! include denseTile
//! include lstmColumn

var<workgroup> cTile: array<f32, TS * TS>;
var<workgroup> hTile: array<f32, TS * TS>;

@compute @workgroup_size(Q, Q)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) lix: u32) {
  let lane = LANE_BASE + wid.z;
  let sb = lane * ST;
  let lb = sb + ST_LOCAL;
  let keep = state[sb + ST_KEEP] != 0.0;
  let j0 = wid.y * TS;
  let c0 = wid.x * TS;
  let base = lane * N * NP;
  let th = lane * STRIDE;
  var accC: array<vec4f, 4>;
  var accH: array<vec4f, 4>;
  for (var q0 = 0u; q0 < N; q0 += TS) {
    for (var e = lix; e < TS * TS; e += Q * Q) {
      let r = e / TS;
      let cc = e % TS;
      let j = j0 + r;
      let q = q0 + cc;
      var ac = 0.0;
      var ah = 0.0;
      if (j < N && q < N) {
        ac = state[lb + L_F * N + j] * params[th + (N + j) * N + q] + state[lb + L_I * N + j] * params[th + j * N + q]
           + state[lb + L_G * N + j] * params[th + (2u * N + j) * N + q];
        ah = state[lb + L_O * N + j] * params[th + (3u * N + j) * N + q];
      }
      cTile[e] = ac;
      hTile[e] = ah;
      stagePTile(e, base, q0 + r, c0 + cc);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TS; kk++) {
      let y = pTileRow(kk, lid.x);
      // unrolled by hand: constant indices keep the accumulators in registers (a dynamic index makes some
      // compilers, SwiftShader's among them, keep the arrays in memory)
      let r0 = lid.y * TS + kk;
      let r1 = r0 + Q * TS;
      let r2 = r1 + Q * TS;
      let r3 = r2 + Q * TS;
      accC[0] += cTile[r0] * y;
      accC[1] += cTile[r1] * y;
      accC[2] += cTile[r2] * y;
      accC[3] += cTile[r3] * y;
      accH[0] += hTile[r0] * y;
      accH[1] += hTile[r1] * y;
      accH[2] += hTile[r2] * y;
      accH[3] += hTile[r3] * y;
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < 4u; a++) {
    let j = j0 + lid.y + a * Q;
    if (j >= N) { continue; }
    let d = lstmLocal(lb, j);
    let rowH = base + j * NP;
    let rowC = PC_BASE + rowH;
    for (var b = 0u; b < 4u; b++) {
      let c = c0 + lid.x + b * Q;
      if (c >= NP) { continue; }
      var pc = 0.0;
      var ph = 0.0;
      if (keep) {
        pc = accC[a][b] + d.forget * pIn[rowC + c];
        ph = accH[a][b];
      }
      finishColumn(sb, j, c, d, pc, ph, rowC, rowH);
    }
  }
}
