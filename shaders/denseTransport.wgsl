// Dense sensitivity transport for full RTRL (science.md §2), a tiled matrix product in workgroup memory:
//   P_out = (1-α) P_in + (D_t W) P_in        (n×n times n×p, per lane)
// Each workgroup computes a TS×TS output tile; each invocation a 4×4 block of it (rows spaced TS/4 apart,
// four contiguous columns). A and P tiles of TS×TS are staged in workgroup memory as vec4s, so every P
// value loaded from memory feeds TS multiply-adds, every vec4 read from workgroup memory feeds 16, and
// the reads are conflict-free (the bank model is in common/denseTile.wgsl).
// Workgroups run row blocks fastest (x), then column tiles (y), so one column tile's n × TS slice of P is
// staged by every row block while it is in the cache, and P comes from memory about once (D W, n × n,
// stays cached). Lanes are LANE_BASE + z: first MASKED sparse-k lanes routed here (sparseVariant.ts
// chooseDenseRoute), whose coefficient tile holds only their kept sources, s·d_i W_iq for q in row i's
// sources (the sparse transport's (D W ⊙ Ω) with its rescale s), then the full-RTRL lanes. A reset step
// transports P = 0. The immediate term is added as P_out is written (common/immediateTerm.wgsl).
//! include denseTile
//! include immediateTerm

var<workgroup> aTile: array<vec4f, TS * (TS / 4u + 1u)>;
override MASKED: u32 = 0u;
// whether this workgroup's lane stages D_t W densely (a full lane, or a masked one keeping every source)
var<private> stageDense: bool;

// A masked lane's coefficient tile for sources q0 .. q0 + TS - 1: zeroed by stageTiles, then each of
// the tile's rows scatters its kept sources that fall in the block (one invocation per row, so no two
// write one vec4). With every source kept (k = n) stageCoef's dense load already holds them all.
fn scatterKept(lane: u32, i0: u32, q0: u32, lix: u32) {
  if (stageDense) { return; }
  let info = lanes[lane];
  for (var r = lix; r < TS; r += Q * Q) {
    let i = i0 + r;
    if (i >= N) { continue; }
    let ds = state[lane * ST + i] * info.scale;
    let w = lane * STRIDE + i * N;
    let src = info.srcOffset + i * info.k;
    for (var j = 0u; j < info.k; j++) {
      let q = sources[src + j];
      if (q >= q0 && q < q0 + TS) {
        let c = q - q0;
        aTile[coefIndex(r, c / 4u)][c % 4u] = ds * params[w + q];
      }
    }
  }
}

// The coefficient tile's vec4 at slot: (D_t W)[i, q .. q + 3], zero outside D_t W (and for a masked
// lane, whose kept sources scatterKept then writes).
fn stageCoef(lane: u32, slot: u32, i: u32, q: u32) {
  var av = vec4f(0.0);
  if (i < N && stageDense) {
    let d = state[lane * ST + i];
    let w = lane * STRIDE + i * N;
    for (var j = 0u; j < 4u; j++) {
      if (q + j < N) { av[j] = d * params[w + q + j]; }
    }
  }
  aTile[slot] = av;
}

@compute @workgroup_size(Q, Q)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) lix: u32) {
  let lane = LANE_BASE + wid.z;
  let keep = keepOf(lane);
  let i0 = wid.x * TS;
  let c0 = wid.y * TS;
  let base = lane * N * NP;
  // workgroup_id and an override: uniform, so the masked lanes' extra barrier is in uniform control flow
  let masked = wid.z < MASKED;
  // a masked lane keeping every source (k = n) stages W densely, like a full lane
  stageDense = !masked || lanes[lane].k >= N;
  var acc: array<vec4f, 4>;
  for (var q0 = 0u; q0 < N; q0 += TS) {
    stageTiles(lix, lane, base, i0, q0, c0);
    if (masked) {
      scatterKept(lane, i0, q0, lix);
      workgroupBarrier();
    }
    for (var kv = 0u; kv < TV; kv++) {
      let p = pRows(kv, lid.x);
      // unrolled by hand: constant indices keep the accumulators in registers
      acc[0] += fma4(aTile[coefIndex(lid.y, kv)], p);
      acc[1] += fma4(aTile[coefIndex(lid.y + Q, kv)], p);
      acc[2] += fma4(aTile[coefIndex(lid.y + 2u * Q, kv)], p);
      acc[3] += fma4(aTile[coefIndex(lid.y + 3u * Q, kv)], p);
    }
    workgroupBarrier();
  }
  let carry = 1.0 - LEAK;
  // each row's four columns written together (whole words where P is stored as halves)
  let c = c0 + 4u * lid.x;
  for (var a = 0u; a < 4u; a++) {
    let i = i0 + lid.y + a * Q;
    if (i < N && c < NP) {
      let o = base + i * NP + c;
      let room = NP - c;
      var row4 = vec4f(0.0);
      for (var b = 0u; b < min(room, 4u); b++) {
        var v = acc[a][b];
        if (carry != 0.0) { v += carry * pInAt(o + b); }
        row4[b] = select(0.0, v, keep) + immediateAt(lane, i, c + b);
      }
      pOutSetRow4(o, row4, room);
    }
  }
}
