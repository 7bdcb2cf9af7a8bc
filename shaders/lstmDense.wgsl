// LSTM sensitivity update of the full-RTRL lanes (every source kept), as a tiled matrix product: the same
// result as lstmTransport.wgsl with k = n (src/engine/methods/rtrl.ts, LstmRtrlEstimator),
//   P^c_t = f ⊙ P^c_{t-1} + A^c P^h_{t-1} + immediate,   A^c[j,q] = a_f W_h[f_j,q] + a_i W_h[i_j,q] + a_g W_h[g_j,q]
//   P^h_t = A^h P^h_{t-1} + a_o M_o + β ⊙ P^c_t,          A^h[j,q] = a_o W_h[o_j,q]
// (n×n times n×p, twice, sharing every load of P^h). Each workgroup computes a TS×TS tile of both
// products; each invocation a 4×4 block of each (rows spaced TS/4 apart, four contiguous columns), as
// denseTransport.wgsl does for the RNN: every P^h value loaded from memory feeds 2·TS multiply-adds, and
// the vec4 workgroup-memory reads are conflict-free (common/denseTile.wgsl). Workgroups run row blocks
// fastest (x), then column tiles (y), so a column tile's slice of P^h is reused while cached. The coefficient tiles are
// formed while staging (4 W_h loads per entry, cache hits). The epilogue adds the cell carry, the
// immediate terms and the c -> h term. Lanes are LANE_BASE + z. A reset step transports P = 0.
//! include denseTile
//! include lstmColumn

var<workgroup> cTile: array<vec4f, TS * (TS / 4u + 1u)>;
var<workgroup> hTile: array<vec4f, TS * (TS / 4u + 1u)>;

// The coefficient tiles' vec4s at slot, columns q .. q + 3 of unit j's rows:
// A^c[j, ·] = a_f W_h[f_j, ·] + a_i W_h[i_j, ·] + a_g W_h[g_j, ·] and A^h[j, ·] = a_o W_h[o_j, ·], zero outside.
fn stageCoef(lane: u32, slot: u32, j: u32, q: u32) {
  var ac = vec4f(0.0);
  var ah = vec4f(0.0);
  if (j < N) {
    let lb = lane * ST + ST_LOCAL;
    let th = lane * STRIDE;
    let af = state[lb + L_F * N + j];
    let ai = state[lb + L_I * N + j];
    let ag = state[lb + L_G * N + j];
    let ao = state[lb + L_O * N + j];
    for (var t = 0u; t < 4u; t++) {
      let qt = q + t;
      if (qt < N) {
        ac[t] = af * params[th + (N + j) * N + qt] + ai * params[th + j * N + qt] + ag * params[th + (2u * N + j) * N + qt];
        ah[t] = ao * params[th + (3u * N + j) * N + qt];
      }
    }
  }
  cTile[slot] = ac;
  hTile[slot] = ah;
}

@compute @workgroup_size(Q, Q)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) lix: u32) {
  let lane = LANE_BASE + wid.z;
  let sb = lane * ST;
  let lb = sb + ST_LOCAL;
  let keep = state[sb + ST_KEEP] != 0.0;
  let j0 = wid.x * TS;
  let c0 = wid.y * TS;
  let base = lane * N * NP;
  var accC: array<vec4f, 4>;
  var accH: array<vec4f, 4>;
  for (var q0 = 0u; q0 < N; q0 += TS) {
    stageTiles(lix, lane, base, j0, q0, c0);
    for (var kv = 0u; kv < TV; kv++) {
      let p = pRows(kv, lid.x);
      // unrolled by hand: constant indices keep the accumulators in registers (a dynamic index makes some
      // compilers, SwiftShader's among them, keep the arrays in memory)
      let r0 = coefIndex(lid.y, kv);
      let r1 = r0 + Q * AV;
      let r2 = r1 + Q * AV;
      let r3 = r2 + Q * AV;
      accC[0] += fma4(cTile[r0], p);
      accC[1] += fma4(cTile[r1], p);
      accC[2] += fma4(cTile[r2], p);
      accC[3] += fma4(cTile[r3], p);
      accH[0] += fma4(hTile[r0], p);
      accH[1] += fma4(hTile[r1], p);
      accH[2] += fma4(hTile[r2], p);
      accH[3] += fma4(hTile[r3], p);
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
      let c = c0 + 4u * lid.x + b;
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
