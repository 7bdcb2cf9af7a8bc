// Sparse-k sensitivity transport, vectorised (science.md §3): the same P_out and partials of g = cᵀP as
// sparseTransport.wgsl, with P read and written as vec4 along its rows (16-byte loads and stores; it needs
// NP % 4 == 0, so every row starts on a vec4), and row i's source indices and coefficients d_i·s·W_{i,src_j}
// staged once per workgroup in workgroup memory, WG at a time, instead of every invocation reloading them.
// Each invocation owns CW vec4 columns. Meant for hardware adapters; src/gpu/sparseVariant.ts chooses. The
// pass itself: common/sparsePass.wgsl.
//! include sparsePass
alias PV = vec4f;
const PW: u32 = 4u;
/** vec4 columns per invocation (src/gpu/sparseVariant.ts VEC4_PER_INVOCATION) */
override CW: u32 = 2u;
const MAXC: u32 = 4u;
const STAGED: bool = true;

fn immediateP(lane: u32, i: u32, c: u32) -> vec4f {
  let c4 = 4u * c;
  return vec4f(immediateAt(lane, i, c4), immediateAt(lane, i, c4 + 1u), immediateAt(lane, i, c4 + 2u), immediateAt(lane, i, c4 + 3u));
}
