// Online truncated BPTT, TBPTT(τ), one workgroup per TBPTT lane (methods/tbptt.ts, science.md §4). Each
// step pushes (h_{t-1}, D_t, x_t) into the lane's ring of τ slots, then backpropagates c_t = ∂L_t/∂h_t
// through the newest `count` slots with the current W:
//   δ_t = c_t,   g += (d_s ⊙ δ_s) ĥ_sᵀ,   δ_{s-1} = (1-α) δ_s + Wᵀ (d_s ⊙ δ_s)
// A reset step empties the window (no gradient crosses it). The lane record's tau is τ and its windowOffset
// where the lane's window starts: [count, head, τ slots of (h_{s-1} (N), d_s (N), x_s (M))]. Writes θ's gradient and
// its Σg² (all in the first partial of the lane; the others zero) for clipScale.wgsl.
override LANE_BASE: u32;

var<workgroup> delta: array<f32, N>;
var<workgroup> ga: array<f32, N>;
var<workgroup> countW: u32;
var<workgroup> headW: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let info = lanes[lane];
  let tau = info.tau;
  let w0 = info.windowOffset;
  let slotSize = 2u * N + M;
  let t = stepNow.t;
  let rec = recordOf(info.stream, t);
  let keep = (u32(streams[rec + SS_FLAGS]) & FLAG_RESET) == 0u;
  // the window's header is read by one invocation and shared, so the loop below is uniform
  if (lid == 0u) {
    var c = 0u;
    if (keep) { c = u32(window[w0]); }
    countW = min(c + 1u, tau);
    headW = (u32(window[w0 + 1u]) + 1u) % tau;
  }
  let count = workgroupUniformLoad(&countW);
  let head = workgroupUniformLoad(&headW);
  let slot0 = w0 + 2u + head * slotSize;
  for (var l = lid; l < N; l += WG) {
    var hp = 0.0;
    if (keep) { hp = hIn[lane * N + l]; }
    window[slot0 + l] = hp;
    window[slot0 + N + l] = state[lane * ST + l];
    delta[l] = state[lane * ST + ST_DLDH + l];
  }
  for (var l = lid; l < M; l += WG) { window[slot0 + 2u * N + l] = streams[rec + l]; }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) {
    window[w0] = f32(count);
    window[w0 + 1u] = f32(head);
  }
  let gb = lane * STRIDE;
  for (var c = lid; c < NP; c += WG) { grad[gb + c] = 0.0; }
  let carry = 1.0 - LEAK;
  for (var j = 0u; j < count; j++) {
    let s = w0 + 2u + ((head + tau - j) % tau) * slotSize;
    for (var i = lid; i < N; i += WG) { ga[i] = window[s + N + i] * delta[i]; }
    workgroupBarrier();
    // g[(i,l)] += ga_i ĥ_l over W (ĥ = h_{s-1}), U (ĥ = x_s) and b (ĥ = 1); each invocation owns its entries
    for (var c = lid; c < NP; c += WG) {
      var v: f32;
      if (c < N * N) {
        v = ga[c / N] * window[s + c % N];
      } else if (c < N * N + N * M) {
        let e = c - N * N;
        v = ga[e / M] * window[s + 2u * N + e % M];
      } else {
        v = ga[c - N * N - N * M];
      }
      grad[gb + c] += v;
    }
    if (j + 1u < count) {
      // δ_{s-1} = (1-α) δ_s + Wᵀ ga, every invocation reading δ before any writes it (n ≤ 8·WG)
      var next: array<f32, 8>;
      var u = 0u;
      for (var l = lid; l < N; l += WG) {
        var d = carry * delta[l];
        for (var i = 0u; i < N; i++) { d += params[gb + i * N + l] * ga[i]; }
        next[u] = d;
        u++;
      }
      workgroupBarrier();
      u = 0u;
      for (var l = lid; l < N; l += WG) {
        delta[l] = next[u];
        u++;
      }
    }
    workgroupBarrier();
  }
  var sq = 0.0;
  for (var c = lid; c < NP; c += WG) {
    let g = grad[gb + c];
    sq += g * g;
  }
  let total = workgroupSum(lid, sq);
  for (var g = lid; g < GT; g += WG) { partials[lane * (GT + GR) + g] = select(0.0, total, g == 0u); }
}
