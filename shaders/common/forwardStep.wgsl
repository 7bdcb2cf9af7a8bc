// The start of every model's forward step (forward.wgsl, lstmForward.wgsl), one lane per workgroup: the
// step before is settled here rather than in a dispatch of its own (readoutTail reads the result), and
// ĥ_t's h_{t-1} (0 after a reset), x_t and the keep flag are staged in the state record for the transports'
// immediate terms (common/immediateTerm.wgsl, common/lstmColumn.wgsl). W h_{t-1} is read with rowDot.
//! include laneStep
//! include settle
//! include rowDot

// rowDot's vector: h_{t-1}, the lane's h at `at` in hIn.
fn rowVector(at: u32, q: u32) -> f32 {
  return hIn[at + q];
}

fn forwardStep(lid: u32, lane: u32) -> LaneStep {
  let now = laneStep(lane);
  if (stepNow.settle != 0u && lid == 0u) { settleStep(lane, now.t - 1u); }
  let sb = lane * ST;
  for (var q = lid; q < N; q += WG) {
    var hp = 0.0;
    if (now.keep) { hp = hIn[lane * N + q]; }
    state[sb + ST_HPREV + q] = hp;
  }
  for (var l = lid; l < M; l += WG) { state[sb + ST_X + l] = streams[now.rec + l]; }
  if (lid == 0u) { state[sb + ST_KEEP] = select(0.0, 1.0, now.keep); }
  return now;
}
