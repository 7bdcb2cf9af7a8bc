// Online truncated BPTT, TBPTT(τ), its serial half: one workgroup per TBPTT lane (methods/tbptt.ts, science.md
// §4). Each step pushes (h_{t-1}, D_t, x_t) into the lane's ring of τ slots, then backpropagates
// c_t = ∂L_t/∂h_t through the newest `count` slots with the current W:
//   δ_t = c_t,   ga_s = d_s ⊙ δ_s,   δ_{s-1} = (1-α) δ_s + Wᵀ ga_s
// and leaves every ga_s in the lane's window; tbpttGradient.wgsl forms g = Σ_s ga_s ĥ_sᵀ from them over many
// workgroups. Only the recursion is serial (O(τ n²)); the O(τ p) outer products are not done here.
// A reset step empties the window (no gradient crosses it). The lane record's tau is τ and its windowOffset
// where the lane's window starts: [count, head, τ slots of (h_{s-1} (N), d_s (N), x_s (M)), τ vectors ga (N)
// by age, the newest slot's first].
override LANE_BASE: u32;
//! include tbpttWindow

// δ of the slot at hand and of the one before it, alternating halves (so one barrier per product suffices)
var<workgroup> delta: array<f32, 2 * N>;
var<workgroup> ga: array<f32, N>;
var<workgroup> countW: u32;
var<workgroup> headW: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let win = tbpttWindow(wid.z);
  let lane = win.lane;
  let t = stepNow.t;
  let rec = recordOf(lanes[lane].stream, t);
  let keep = (u32(streams[rec + SS_FLAGS]) & FLAG_RESET) == 0u;
  // the window's header is read by one invocation and shared, so the loop below is uniform
  if (lid == 0u) {
    var c = 0u;
    if (keep) { c = u32(window[win.at]); }
    countW = min(c + 1u, win.tau);
    headW = (u32(window[win.at + 1u]) + 1u) % win.tau;
  }
  let count = workgroupUniformLoad(&countW);
  let head = workgroupUniformLoad(&headW);
  let slot0 = slotAt(win, head, 0u);
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
    window[win.at] = f32(count);
    window[win.at + 1u] = f32(head);
  }
  let carry = 1.0 - LEAK;
  for (var j = 0u; j < count; j++) {
    let s = slotAt(win, head, j);
    let cur = (j % 2u) * N;
    let nxt = N - cur;
    for (var i = lid; i < N; i += WG) {
      let a = window[s + N + i] * delta[cur + i];
      ga[i] = a;
      window[win.gaAt + j * N + i] = a;
    }
    workgroupBarrier();
    if (j + 1u < count) {
      // δ_{s-1} = (1-α) δ_s + Wᵀ ga into the other half; W's column l is read down its rows, consecutive
      // invocations reading consecutive entries of a row
      for (var l = lid; l < N; l += WG) {
        var d = carry * delta[cur + l];
        for (var i = 0u; i < N; i++) { d += params[lane * STRIDE + i * N + l] * ga[i]; }
        delta[nxt + l] = d;
      }
    }
    // ga and this half of δ are rewritten only after every invocation has read them
    workgroupBarrier();
  }
}
