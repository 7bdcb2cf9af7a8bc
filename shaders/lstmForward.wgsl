// LSTM forward step with readout, error, dL/dh and loss (src/engine/models/lstm.ts), one lane per workgroup:
//   z_t = W_h h_{t-1} + W_x x_t + b   (4n rows: gates i, f, g, o)
//   i, f, o = σ(z_i, z_f, z_o),  g = tanh(z_g),  c_t = f⊙c_{t-1} + i⊙g,  h_t = o⊙tanh(c_t)
//   y_t = V h_t + c,  e_t = (y_t - y*_t)·hasError,  dL/dh_t = Vᵀ e_t,  L_t = ½‖e_t‖²
// and the local derivatives the transport needs (state record, ST_LOCAL):
//   a_i = g σ'(z_i), a_f = c_{t-1} σ'(z_f), a_g = i tanh'(z_g), a_o = tanh(c_t) σ'(z_o), β = o (1 - tanh² c_t), f.
// It also stages ĥ_t's h_{t-1} and x_t and the reset flag in the state record (lstmGpu.ts says why).
// A reset step starts from h = c = 0. The readout, error, dL/dh and loss: common/readoutTail.wgsl. h and c
// share the ping-ponged buffers: h at lane·N, c at C_BASE + lane·N.
// W_h h_{t-1} is read coalesced: RG consecutive invocations share a row of W_h and read RG consecutive
// entries of it, leaving RG partial sums per row in workgroup memory; the invocation that owns unit j then
// adds its four gates' partials. Units go in chunks of CU (4·CU rows of W_h).

//! include readoutTail
//! include settle

const RG: u32 = 8u;      // invocations per row of W_h
const CU: u32 = 32u;     // units per chunk of partial sums (4.5 KiB of workgroup memory)
const PS: u32 = RG + 1u; // a row's partials, padded so the owners' reads (rows PS apart) hit distinct banks

var<workgroup> partial: array<f32, 4u * CU * PS>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let now = laneStep(lane);
  // the step before, settled here rather than in a dispatch of its own (readoutTail reads the result)
  if (stepNow.settle != 0u && lid == 0u) { settleStep(lane, now.t - 1u); }
  let s0 = now.rec;
  let keep = now.keep;
  let th = lane * STRIDE;
  let hb = lane * N;
  let cb = C_BASE + lane * N;
  let sb = lane * ST;
  let lb = sb + ST_LOCAL;
  for (var q = lid; q < N; q += WG) {
    var hp = 0.0;
    if (keep) { hp = hIn[hb + q]; }
    state[sb + ST_HPREV + q] = hp;
  }
  for (var l = lid; l < M; l += WG) { state[sb + ST_X + l] = streams[s0 + l]; }
  if (lid == 0u) { state[sb + ST_KEEP] = select(0.0, 1.0, keep); }
  let sub = lid % RG;
  for (var j0 = 0u; j0 < N; j0 += CU) {
    for (var rr = lid / RG; rr < 4u * CU; rr += WG / RG) {
      let j = j0 + rr % CU;
      var a = 0.0;
      if (keep && j < N) {
        let w = th + ((rr / CU) * N + j) * N;
        for (var q = sub; q < N; q += RG) { a += params[w + q] * hIn[hb + q]; }
      }
      partial[rr * PS + sub] = a;
    }
    workgroupBarrier();
    for (var j = j0 + lid; j < min(N, j0 + CU); j += WG) {
      var z: array<f32, 4>;
      for (var gate = 0u; gate < 4u; gate++) {
        let r = gate * N + j;
        var a = params[th + TH_B + r];
        let pr = (gate * CU + j - j0) * PS;
        for (var g = 0u; g < RG; g++) { a += partial[pr + g]; }
        for (var l = 0u; l < M; l++) { a += params[th + TH_WX + r * M + l] * streams[s0 + l]; }
        z[gate] = a;
      }
      let gi = sigmoid(z[0]);
      let gf = sigmoid(z[1]);
      let gg = tanhSafe(z[2]);
      let go = sigmoid(z[3]);
      var cp = 0.0;
      if (keep) { cp = hIn[cb + j]; }
      let cv = gf * cp + gi * gg;
      let tc = tanhSafe(cv);
      let hv = go * tc;
      hNew[j] = hv;
      hOut[hb + j] = hv;
      hOut[cb + j] = cv;
      state[lb + L_I * N + j] = gg * gi * (1.0 - gi);
      state[lb + L_F * N + j] = cp * gf * (1.0 - gf);
      state[lb + L_G * N + j] = gi * (1.0 - gg * gg);
      state[lb + L_O * N + j] = tc * go * (1.0 - go);
      state[lb + L_BETA * N + j] = go * (1.0 - tc * tc);
      state[lb + L_FORGET * N + j] = gf;
    }
    workgroupBarrier();  // the partials are reused by the next chunk
  }
  readoutTail(lid, lane, now);
}
