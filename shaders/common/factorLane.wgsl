// The lanes of the low-rank methods, UORO and KF-RTRL (methods/uoro.ts, kfRtrl.ts): lanes LANE_BASE + z,
// each with its record in `factors` (layout.ts uoroRecord, kfRecord), and the scale both methods balance
// their rank-one product's two sides with.
override LANE_BASE: u32;
/** keeps the scales finite when a norm is zero (the first step, or a dead unit) */
const EPS: f32 = 1e-7;

struct FactorLane {
  id: u32,
  /** where the lane's record starts in `factors` */
  at: u32,
}

fn factorLane(z: u32) -> FactorLane {
  let id = LANE_BASE + z;
  return FactorLane(id, lanes[id].factorOffset);
}

// sqrt((a + ε) / (b + ε)) for norms a and b: ρ0, ρ1 of UORO, p1, p2 of KF-RTRL.
fn balance(a: f32, b: f32) -> f32 {
  return sqrt((a + EPS) / (b + EPS));
}
