// Global-norm clip factor per lane: ‖g‖² = Σ of the gradient kernels' partial sums over θ and the readout;
// scale = clip/‖g‖ when ‖g‖ > clip > 0, else 1. Also records whether θ's gradient is finite (a non-finite
// gradient marks the arm diverged instead of updating it, as the CPU learner does). A readout lane has no
// θ partials (the preamble's partialsStart: its θ range is empty), so its clip sees the readout alone.

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let base = partialsStart(lane);
  let ro = partialsReadoutStart(lane);
  var a = 0.0;
  for (var g = base + lid; g < ro; g += WG) { a += partials[g]; }
  var b = 0.0;
  for (var g = lid; g < GR; g += WG) { b += partials[ro + g]; }
  let sq = workgroupSum(lid, a);
  let sqReadout = workgroupSum(lid, b);
  if (lid == 0u) {
    let norm = sqrt(sq + sqReadout);
    var scale = 1.0;
    if (hyper.clip > 0.0 && norm > hyper.clip) { scale = hyper.clip / norm; }
    state[lane * ST + ST_CLIP] = scale;
    state[lane * ST + ST_FINITE] = select(1.0, 0.0, nonFinite(sq));
  }
}
