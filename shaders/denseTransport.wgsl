// Dense sensitivity transport for full RTRL (science.md §2), a tiled matrix product in workgroup memory:
//   P_out = (1-α) P_in + (D_t W) P_in        (n×n times n×p, per lane)
// Each workgroup computes a TS×TS output tile; each invocation a 4×4 block of it (rows and columns
// spaced TS/4 apart). A and P tiles of TS×TS are staged in workgroup memory, so every P value loaded from
// memory feeds TS multiply-adds and every value read from workgroup memory feeds 4.
// Workgroups run row blocks fastest (x), then column tiles (y), so one column tile's n × TS slice of P is
// staged by every row block while it is in the cache, and P comes from memory about once (D W, n × n,
// stays cached). Lanes are the full-RTRL lanes LANE_BASE + z. A reset step transports P = 0. The immediate term is
// added as P_out is written (common/immediateTerm.wgsl).
//! include denseTile
//! include immediateTerm

var<workgroup> aTile: array<f32, TS * TS>;

@compute @workgroup_size(Q, Q)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) lix: u32) {
  let lane = LANE_BASE + wid.z;
  let keep = keepOf(lane);
  let i0 = wid.x * TS;
  let c0 = wid.y * TS;
  let base = lane * N * NP;
  let th = lane * STRIDE;
  let sb = lane * ST;
  var acc: array<vec4f, 4>;
  for (var q0 = 0u; q0 < N; q0 += TS) {
    for (var e = lix; e < TS * TS; e += Q * Q) {
      let r = e / TS;
      let cc = e % TS;
      let i = i0 + r;
      let q = q0 + cc;
      var av = 0.0;
      if (i < N && q < N) { av = state[sb + i] * params[th + i * N + q]; }
      aTile[e] = av;
      stagePTile(e, base, q0 + r, c0 + cc);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TS; kk++) {
      let y = pTileRow(kk, lid.x);
      acc[0] += aTile[lid.y * TS + kk] * y;
      acc[1] += aTile[(lid.y + Q) * TS + kk] * y;
      acc[2] += aTile[(lid.y + 2u * Q) * TS + kk] * y;
      acc[3] += aTile[(lid.y + 3u * Q) * TS + kk] * y;
    }
    workgroupBarrier();
  }
  let carry = 1.0 - LEAK;
  for (var a = 0u; a < 4u; a++) {
    let i = i0 + lid.y + a * Q;
    for (var b = 0u; b < 4u; b++) {
      let c = c0 + lid.x + b * Q;
      if (i < N && c < NP) {
        let o = base + i * NP + c;
        var v = acc[a][b];
        if (carry != 0.0) { v += carry * pIn[o]; }
        pOut[o] = select(0.0, v, keep) + immediateAt(lane, i, c);
      }
    }
  }
}
