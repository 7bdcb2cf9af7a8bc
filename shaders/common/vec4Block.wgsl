// The 4×4 register block of the tiled matrix products (denseTransport.wgsl, lstmDense.wgsl through
// denseTile, and matmul.wgsl): an invocation's four accumulated rows each gain A[row, kk .. kk+3] ·
// B[kk .. kk+3, its four columns] per 4 steps of k, from one vec4 of the coefficient tile and four vec4
// rows of the B tile, read once and shared by the four rows.
struct Rows4 {
  r0: vec4f,
  r1: vec4f,
  r2: vec4f,
  r3: vec4f,
}

// a4 · the rows kk .. kk+3 held in b: one row's gain.
fn fma4(a4: vec4f, b: Rows4) -> vec4f {
  return a4.x * b.r0 + a4.y * b.r1 + a4.z * b.r2 + a4.w * b.r3;
}
