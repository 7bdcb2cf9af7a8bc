// A lane at the current step: the step t, the lane's stream record at t, and that record's flags (a reset
// step starts from zero state; a step without an error signal has e_t = 0 and no update).
struct LaneStep {
  t: u32,
  rec: u32,
  keep: bool,
  hasError: bool,
}

fn laneStep(lane: u32) -> LaneStep {
  let t = stepNow.t;
  let rec = recordOf(lanes[lane].stream, t);
  let flags = u32(streams[rec + SS_FLAGS]);
  return LaneStep(t, rec, (flags & FLAG_RESET) == 0u, (flags & FLAG_ERROR) != 0u);
}
