// The end of a chunk: settles its last step (common/settle.wgsl) for every lane, so the control words and
// losses read back with the chunk are final. Inside a chunk the next step's forward kernel settles each step.
// Its step slot is the chunk's end: stepNow.t is the step after the one settled.
//! include settle

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  for (var lane = lid; lane < B; lane += WG) { settleStep(lane, stepNow.t - 1u); }
}
