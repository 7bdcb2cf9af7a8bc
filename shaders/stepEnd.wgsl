// End of one step, a single workgroup: a lane whose fault flag was raised this step (non-finite loss,
// gradient or parameter) is marked diverged at step t and its loss recorded as NaN; a lane that updated
// counts one more optimizer step (Adam's t). Then the shared step counter advances.
override M: u32;
override O: u32;
override T: u32;
override B: u32;
override WG: u32 = 64u;
override SS: u32 = M + O + 1u;

struct Lane { k: u32, srcOffset: u32, scale: f32, seed: u32 }

@group(0) @binding(0) var<storage, read_write> ctl: array<atomic<u32>>;
@group(0) @binding(1) var<storage, read> stream: array<f32>;
@group(0) @binding(2) var<storage, read> lanes: array<Lane>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;

fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let t = atomicLoad(&ctl[0]);
  for (var lane = lid; lane < B; lane += WG) {
    let cb = 4u + lane * 4u;
    if (atomicLoad(&ctl[cb]) == 0u) {
      if (atomicLoad(&ctl[cb + 2u]) != 0u) {
        atomicStore(&ctl[cb], t + 1u);
        losses[t * B + lane] = nan();
      } else if ((u32(stream[(lanes[lane].seed * T + t) * SS + M + O]) & 1u) != 0u) {
        atomicAdd(&ctl[cb + 1u], 1u);
      }
    }
    atomicStore(&ctl[cb + 2u], 0u);
  }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) { atomicAdd(&ctl[0], 1u); }
}
