// End of one step, a single workgroup: a lane whose fault flag was raised this step (non-finite loss,
// gradient or parameter) is marked diverged at step t and its loss recorded as NaN; a lane that updated
// counts one more optimizer step (Adam's t). Then the shared step counter advances.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let t = atomicLoad(&ctl[CTL_STEP]);
  for (var lane = lid; lane < B; lane += WG) {
    let cb = ctlOf(lane);
    if (atomicLoad(&ctl[cb + CTL_DIVERGED]) == 0u) {
      if (atomicLoad(&ctl[cb + CTL_FAULT]) != 0u) {
        atomicStore(&ctl[cb + CTL_DIVERGED], t + 1u);
        losses[t * B + lane] = nan();
      } else if ((u32(streams[recordOf(lanes[lane].stream, t) + SS_FLAGS]) & FLAG_ERROR) != 0u) {
        atomicAdd(&ctl[cb + CTL_UPDATES], 1u);
      }
    }
    atomicStore(&ctl[cb + CTL_FAULT], 0u);
  }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) { atomicAdd(&ctl[CTL_STEP], 1u); }
}
