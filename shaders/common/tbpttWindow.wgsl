// A TBPTT lane's window in `window` (tbptt.wgsl fills it, tbpttGradient.wgsl reads it): [count, head, τ slots
// of (h_{s-1} (N), d_s (N), x_s (M)), τ vectors ga (N) by age, the newest slot's first]. Lanes LANE_BASE + z.
struct TbpttWindow {
  lane: u32,
  tau: u32,
  /** where the window starts (its count, then its head) */
  at: u32,
  /** where its τ vectors ga start */
  gaAt: u32,
}

fn tbpttWindow(z: u32) -> TbpttWindow {
  let lane = LANE_BASE + z;
  let info = lanes[lane];
  return TbpttWindow(lane, info.tau, info.windowOffset, info.windowOffset + 2u + info.tau * (2u * N + M));
}

// Where the slot `age` steps older than slot `head` starts.
fn slotAt(w: TbpttWindow, head: u32, age: u32) -> u32 {
  return w.at + 2u + ((head + w.tau - age) % w.tau) * (2u * N + M);
}
