// Exact, local readout gradient (science.md §2): ∂L/∂V = e_t h_tᵀ, ∂L/∂c = e_t, written after θ's
// gradient in the lane's gradient vector, with each workgroup's Σ g² for the clip.
override N: u32;
override M: u32;
override O: u32;
override WG: u32 = 64u;
override NP: u32 = N * N + N * M + N;
override NR: u32 = O * N + O;
override STRIDE: u32 = NP + NR;
override ST: u32 = 2u * N + O + 2u;
override GT: u32 = (NP + WG - 1u) / WG;
override GR: u32 = (NR + WG - 1u) / WG;

@group(0) @binding(0) var<storage, read> state: array<f32>;
@group(0) @binding(1) var<storage, read> hOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let lane = wid.z;
  let e = gid.x;
  var g = 0.0;
  if (e < NR) {
    let err = lane * ST + 2u * N;
    if (e < O * N) {
      g = state[err + e / N] * hOut[lane * N + e % N];
    } else {
      g = state[err + e - O * N];
    }
    grad[lane * STRIDE + NP + e] = g;
  }
  part[lid] = g * g;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[lane * (GT + GR) + GT + wid.x] = part[0]; }
}
