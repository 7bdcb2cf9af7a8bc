// The RNN's θ = (W, U, b) entry c as (row r, ĥ entry l), ĥ_t = [h_{t-1}; x_t; 1]: the low-rank methods'
// gradients g[(r, l)] = a_r ĥ_l are written entry by entry in θ's layout, by lanes of factorLane.
//! include factorLane
fn thetaEntry(c: u32) -> vec2u {
  if (c < N * N) { return vec2u(c / N, c % N); }
  if (c < N * N + N * M) {
    let e = c - N * N;
    return vec2u(e / M, N + e % M);
  }
  return vec2u(c - N * N - N * M, N + M);
}

// Writes entry c's gradient g (where c < NP) and this workgroup's Σg² (thetaPartial). Uniform control flow only.
fn thetaGradient(lid: u32, lane: u32, group: u32, c: u32, g: f32) {
  if (c < NP) { grad[lane * STRIDE + c] = g; }
  thetaPartial(lid, lane, group, g);
}

// Σg² of this workgroup's θ entries, the lane's partial `group` for clipScale.wgsl. Uniform control flow only.
fn thetaPartial(lid: u32, lane: u32, group: u32, g: f32) {
  let gq = workgroupSum(lid, g * g);
  if (lid == 0u) { partials[lane * (GT + GR) + group] = gq; }
}
