// The step's start for the kernels of UORO and KF-RTRL lanes (LANE_BASE + z) that draw on the lane's
// noise ring: CH slots, one per step of a chunk, filled on the host (batch.ts fillNoise).
//! include laneStep
//! include factorLane
/** steps in the noise ring (the batch's readbackEvery) */
override CH: u32;

// ĥ_t[l] of the lane, ĥ_t = [h_{t-1}; x_t; 1] (h_{t-1} = 0 on a reset step).
fn hatEntry(lane: u32, now: LaneStep, l: u32) -> f32 {
  var h = 1.0;
  if (l < N) {
    h = 0.0;
    if (now.keep) { h = hIn[lane * N + l]; }
  } else if (l < N + M) {
    h = streams[now.rec + l - N];
  }
  return h;
}

// Where this step's slot of `size` noise values starts in the lane's ring.
fn noiseSlot(lane: u32, now: LaneStep, size: u32) -> u32 {
  return lanes[lane].noiseOffset + (now.t % CH) * size;
}
