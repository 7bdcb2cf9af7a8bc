// Settles lane `lane`'s step t once every kernel of that step has run: a fault raised in it (a non-finite
// loss, gradient or parameter) marks the lane diverged at t and its loss NaN; a lane that updated counts
// one more optimizer step (Adam's t). Then the fault flag is cleared. The forward kernels settle the step
// before theirs (one invocation per lane, before anything reads the lane's control words), and stepEnd.wgsl
// settles a chunk's last step, so no step needs a dispatch of its own for it.
fn settleStep(lane: u32, t: u32) {
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
