// Optimizer update of one lane's parameters [θ; V, c] with its clipped gradient g (optimizer.ts), only on
// steps with an error signal, for lanes that have not diverged:
//   SGD:  w <- w - lr · scale · g
//   Adam: m <- β1 m + (1-β1) g,  v <- β2 v + (1-β2) g²,  w <- w - (lr / (1-β1^t)) m / (sqrt(v / (1-β2^t)) + ε)
// with g scaled by the clip factor and t this lane's update count. ADAM is set per pipeline; the
// moments buffer is bound under SGD too (a 16-byte stub) so one descriptor serves both.
// The clip factor: ‖g‖² is the Σ of the gradient kernels' partials over θ and the readout; scale = clip/‖g‖
// when ‖g‖ > clip > 0, else 1. Every workgroup sums the lane's partials itself (GT + GR of them, in the
// same order, so every workgroup gets the same factor) instead of a kernel of its own writing it first. A
// non-finite θ gradient marks the arm diverged instead of updating it, as the CPU learner does. A readout
// lane has no θ partials (the preamble's partialsStart: its θ range is empty), so its clip sees the
// readout alone.
// A dispatch covers lanes LANE_BASE + z and parameters FIRST.. of each: the θ-learning lanes from 0, the
// readout lanes (θ frozen) from NP, so their θ is never read or written and they keep no θ moments.
override ADAM: bool;
override LANE_BASE: u32 = 0u;
override FIRST: u32 = 0u;
const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPS: f32 = 1e-8;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = LANE_BASE + wid.z;
  let base = partialsStart(lane);
  let ro = partialsReadoutStart(lane);
  var a = 0.0;
  for (var g = base + lid; g < ro; g += WG) { a += partials[g]; }
  var b = 0.0;
  for (var g = lid; g < GR; g += WG) { b += partials[ro + g]; }
  let sq = workgroupSum(lid, a);
  let sqReadout = workgroupSum(lid, b);
  let norm = sqrt(sq + sqReadout);
  var scale = 1.0;
  if (hyper.clip > 0.0 && norm > hyper.clip) { scale = hyper.clip / norm; }

  let e = FIRST + gid.x;
  if (e >= STRIDE) { return; }
  let t = stepNow.t;
  let hasError = (u32(streams[recordOf(lanes[lane].stream, t) + SS_FLAGS]) & FLAG_ERROR) != 0u;
  let cb = ctlOf(lane);
  if (!hasError || atomicLoad(&ctl[cb + CTL_DIVERGED]) != 0u || atomicLoad(&ctl[cb + CTL_FAULT]) != 0u) { return; }
  if (nonFinite(sq)) { atomicStore(&ctl[cb + CTL_FAULT], 1u); return; }
  let pi = lane * STRIDE + e;
  // parameter e's gradient in the lane's record (e ≥ NP for a readout lane, whose record is NR long)
  let gi = gradReadoutStart(lane) + e - NP;
  var w: f32;
  if (ADAM) {
    let steps = f32(atomicLoad(&ctl[cb + CTL_UPDATES]) + 1u);
    let bc1 = 1.0 - pow(BETA1, steps);
    let bc2 = 1.0 - pow(BETA2, steps);
    let g = grad[gi] * scale;
    // per learning lane: [m; v] of its gradient record, at twice the record's start
    let mi = gradStart(lane) + gi;
    let vi = mi + gradFloats(lane);
    let m = BETA1 * moments[mi] + (1.0 - BETA1) * g;
    let v = BETA2 * moments[vi] + (1.0 - BETA2) * g * g;
    moments[mi] = m;
    moments[vi] = v;
    w = params[pi] - ((hyper.lr / bc1) * m) / (sqrt(v / bc2) + EPS);
  } else {
    w = params[pi] - (hyper.lr * scale) * grad[gi];
  }
  params[pi] = w;
  if (nonFinite(w)) { atomicStore(&ctl[cb + CTL_FAULT], 1u); }
}
