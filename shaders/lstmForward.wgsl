// LSTM forward step with readout, error, dL/dh and loss (src/engine/models/lstm.ts), one lane per workgroup:
//   z_t = W_h h_{t-1} + W_x x_t + b   (4n rows: gates i, f, g, o)
//   i, f, o = σ(z_i, z_f, z_o),  g = tanh(z_g),  c_t = f⊙c_{t-1} + i⊙g,  h_t = o⊙tanh(c_t)
//   y_t = V h_t + c,  e_t = (y_t - y*_t)·hasError,  dL/dh_t = Vᵀ e_t,  L_t = ½‖e_t‖²
// and the local derivatives the transport needs (state record, ST_LOCAL):
//   a_i = g σ'(z_i), a_f = c_{t-1} σ'(z_f), a_g = i tanh'(z_g), a_o = tanh(c_t) σ'(z_o), β = o (1 - tanh² c_t), f.
// The step's start (the step before settled, ĥ_t and the reset flag staged in the state record for the
// transports: lstmGpu.ts says why): common/forwardStep.wgsl.
// A reset step starts from h = c = 0. The readout, error, dL/dh and loss: common/readoutTail.wgsl. h and c
// share the ping-ponged buffers: h at lane·N, c at C_BASE + lane·N.
// W_h h_{t-1} is read coalesced (common/rowDot.wgsl), a chunk of CU units' four gate rows at a time; the
// invocation that owns unit j adds its four gates' partials.

//! include forwardStep
//! include readoutTail

const CU: u32 = WR / 4u; // units per chunk of partial sums

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let now = forwardStep(lid, lane);
  let s0 = now.rec;
  let keep = now.keep;
  let th = lane * STRIDE;
  let hb = lane * N;
  let cb = C_BASE + lane * N;
  let sb = lane * ST;
  let lb = sb + ST_LOCAL;
  let sub = lid % RG;
  for (var j0 = 0u; j0 < N; j0 += CU) {
    for (var rr = lid / RG; rr < 4u * CU; rr += WG / RG) {
      let j = j0 + rr % CU;
      var a = 0.0;
      if (keep && j < N) { a = rowPartial(th + ((rr / CU) * N + j) * N, sub, hb); }
      partial[rr * PS + sub] = a;
    }
    workgroupBarrier();
    for (var j = j0 + lid; j < min(N, j0 + CU); j += WG) {
      var z: array<f32, 4>;
      for (var gate = 0u; gate < 4u; gate++) {
        let r = gate * N + j;
        var a = rowSum(params[th + TH_B + r], gate * CU + j - j0);
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
