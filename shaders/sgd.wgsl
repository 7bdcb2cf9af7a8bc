// SGD update of one lane's parameters [θ; V, c]: w <- w - lr · scale · g (optimizer.ts), only on steps
// with an error signal, for lanes that have not diverged.
override N: u32;
override M: u32;
override O: u32;
override T: u32;
override WG: u32 = 64u;
override NP: u32 = N * N + N * M + N;
override STRIDE: u32 = NP + O * N + O;
override SS: u32 = M + O + 1u;
override ST: u32 = 2u * N + O + 2u;

struct Lane { k: u32, srcOffset: u32, scale: f32, seed: u32 }
struct Hyper { lr: f32, clip: f32 }

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<f32>;
@group(0) @binding(3) var<storage, read> stream: array<f32>;
@group(0) @binding(4) var<storage, read> lanes: array<Lane>;
@group(0) @binding(5) var<storage, read_write> ctl: array<atomic<u32>>;
@group(0) @binding(6) var<uniform> hyper: Hyper;

fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let e = gid.x;
  let lane = wid.z;
  if (e >= STRIDE) { return; }
  let t = atomicLoad(&ctl[0]);
  let hasError = (u32(stream[(lanes[lane].seed * T + t) * SS + M + O]) & 1u) != 0u;
  let cb = 4u + lane * 4u;
  if (!hasError || atomicLoad(&ctl[cb]) != 0u || atomicLoad(&ctl[cb + 2u]) != 0u) { return; }
  let sb = lane * ST + 2u * N + O;
  if (state[sb + 1u] == 0.0) { atomicStore(&ctl[cb + 2u], 1u); return; }
  let w = params[lane * STRIDE + e] - (hyper.lr * state[sb]) * grad[lane * STRIDE + e];
  params[lane * STRIDE + e] = w;
  if (nonFinite(w)) { atomicStore(&ctl[cb + 2u], 1u); }
}
