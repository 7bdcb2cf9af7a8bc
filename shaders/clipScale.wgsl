// Global-norm clip factor per lane: ‖g‖² = Σ of the gradient kernels' partial sums over θ and the readout;
// scale = clip/‖g‖ when ‖g‖ > clip > 0, else 1. Also records whether θ's gradient is finite (a non-finite
// gradient marks the arm diverged instead of updating it, as the CPU learner does).
override N: u32;
override M: u32;
override O: u32;
override WG: u32 = 64u;
override NP: u32 = N * N + N * M + N;
override NR: u32 = O * N + O;
override ST: u32 = 2u * N + O + 2u;
override GT: u32 = (NP + WG - 1u) / WG;
override GR: u32 = (NR + WG - 1u) / WG;

struct Hyper { lr: f32, clip: f32 }

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<uniform> hyper: Hyper;

var<workgroup> sumTheta: array<f32, WG>;
var<workgroup> sumReadout: array<f32, WG>;

fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane = wid.x;
  let base = lane * (GT + GR);
  var a = 0.0;
  for (var g = lid; g < GT; g += WG) { a += partials[base + g]; }
  var b = 0.0;
  for (var g = lid; g < GR; g += WG) { b += partials[base + GT + g]; }
  sumTheta[lid] = a;
  sumReadout[lid] = b;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) {
      sumTheta[lid] += sumTheta[lid + w];
      sumReadout[lid] += sumReadout[lid + w];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let sq = sumTheta[0];
    let norm = sqrt(sq + sumReadout[0]);
    var scale = 1.0;
    if (hyper.clip > 0.0 && norm > hyper.clip) { scale = hyper.clip / norm; }
    state[lane * ST + 2u * N + O] = scale;
    state[lane * ST + 2u * N + O + 1u] = select(1.0, 0.0, nonFinite(sq));
  }
}
