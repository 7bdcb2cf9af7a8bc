// Sparse-k sensitivity transport (science.md §3), scalar and barrier-free: every invocation reloads row i's
// k indices and coefficients (cache hits), which suits adapters where workgroup barriers are costly
// (software adapters: src/gpu/sparseVariant.ts chooses). The pass itself: common/sparsePass.wgsl. It stores
// single entries, so it runs with P stored as f32 only (under f16 the vec4 kernel runs: batch.ts).
//! include sparsePass
alias PV = f32;
const PW: u32 = 1u;
const CW: u32 = COLS;
const MAXC: u32 = COLS;
const STAGED: bool = false;

fn immediateP(lane: u32, i: u32, c: u32) -> f32 {
  return immediateAt(lane, i, c);
}
