/**
 * The sensitivity transport, the hot loop of every RTRL variant (science.md §2-§3):
 *
 *   out[i,:] = carry · P[i,:] + Σ_{j<k} coeff[i,j] · P[src[i,j], :]          for each unit i
 *   grad[c]  = Σ_i dLdh[i] · out[i,c]                                          (g_t = c_tᵀ P_t, fused)
 *
 * with coeff[i,j] = d_i · W_{i,src[i,j]} (times n/k when rescaling) already folded in by the caller.
 * Full RTRL is the case k = n with src[i,:] = 0..n-1; sparse-k keeps k sources per row; k = 0 keeps
 * only the leak carry. The immediate term M_t is added afterwards (sensitivity.ts).
 *
 * Speed: columns are processed in tiles so the source rows of a tile stay in cache while every output
 * row reads them, and sources are consumed four at a time so each pass over an output tile does four
 * multiply-adds per load/store of the accumulator. When every row keeps every source (full RTRL, or
 * k = n), the dense path also computes two output rows per pass, so each loaded P value feeds eight
 * multiply-adds: a 2×4 register block, measured 3× faster than the row-at-a-time loop at n = 64.
 * The loops are written out inline: V8 does not inline a many-argument helper per tile well.
 */
import type { Floats } from './precision';

/** Columns per tile: 1024 floats = 4 KiB per row, so a tile of the accumulator sits in L1. */
export const TRANSPORT_TILE = 1024;

export function transport(
  P: Floats,
  out: Floats,
  n: number,
  p: number,
  k: number,
  sources: Int32Array,
  coeffs: Floats,
  carry: number,
  dLdh: Floats,
  grad: Floats,
  tile: number = TRANSPORT_TILE,
): void {
  grad.fill(0);
  const dense = isDense(n, k, sources);
  for (let c0 = 0; c0 < p; c0 += tile) {
    const c1 = Math.min(p, c0 + tile);
    let i = 0;
    if (dense) {
      for (; i + 1 < n; i += 2) denseRowPair(P, out, n, p, coeffs, carry, i, c0, c1);
    }
    for (; i < n; i++) sparseRow(P, out, p, k, sources, coeffs, carry, i, c0, c1);
    for (let r = 0; r < n; r++) {
      const gi = dLdh[r];
      if (gi === 0) continue;
      const o = r * p;
      for (let c = c0; c < c1; c++) grad[c] += gi * out[o + c];
    }
  }
}

/** True when every row keeps all n sources in order 0..n-1 (full RTRL, or sparse with k = n). */
function isDense(n: number, k: number, sources: Int32Array): boolean {
  if (k !== n) return false;
  for (let i = 0; i < n; i++) {
    const base = i * n;
    for (let q = 0; q < n; q++) if (sources[base + q] !== q) return false;
  }
  return true;
}

/** Rows i and i+1 over the tile [c0, c1): out = carry·P_row + Σ_q coeff[row, q] P_q, sources 0..n-1. */
function denseRowPair(P: Floats, out: Floats, n: number, p: number, coeffs: Floats, carry: number, i: number, c0: number, c1: number): void {
  const oa = i * p;
  const ob = oa + p;
  const wa = i * n;
  const wb = wa + n;
  for (let c = c0; c < c1; c++) {
    out[oa + c] = carry * P[oa + c];
    out[ob + c] = carry * P[ob + c];
  }
  let q = 0;
  for (; q + 3 < n; q += 4) {
    const r0 = q * p;
    const r1 = r0 + p;
    const r2 = r1 + p;
    const r3 = r2 + p;
    const a0 = coeffs[wa + q], a1 = coeffs[wa + q + 1], a2 = coeffs[wa + q + 2], a3 = coeffs[wa + q + 3];
    const b0 = coeffs[wb + q], b1 = coeffs[wb + q + 1], b2 = coeffs[wb + q + 2], b3 = coeffs[wb + q + 3];
    for (let c = c0; c < c1; c++) {
      const x0 = P[r0 + c];
      const x1 = P[r1 + c];
      const x2 = P[r2 + c];
      const x3 = P[r3 + c];
      out[oa + c] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
      out[ob + c] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
    }
  }
  for (; q < n; q++) {
    const r0 = q * p;
    const a0 = coeffs[wa + q];
    const b0 = coeffs[wb + q];
    for (let c = c0; c < c1; c++) {
      const x0 = P[r0 + c];
      out[oa + c] += a0 * x0;
      out[ob + c] += b0 * x0;
    }
  }
}

/** Row i over the tile [c0, c1): out = carry·P_i + Σ_j coeff[i, j] P_{src[i, j]}, sources four at a time. */
function sparseRow(
  P: Floats, out: Floats, p: number, k: number, sources: Int32Array, coeffs: Floats, carry: number,
  i: number, c0: number, c1: number,
): void {
  const o = i * p;
  const base = i * k;
  if (carry !== 0) {
    for (let c = c0; c < c1; c++) out[o + c] = carry * P[o + c];
  } else {
    for (let c = c0; c < c1; c++) out[o + c] = 0;
  }
  let j = 0;
  for (; j + 3 < k; j += 4) {
    const r0 = sources[base + j] * p;
    const r1 = sources[base + j + 1] * p;
    const r2 = sources[base + j + 2] * p;
    const r3 = sources[base + j + 3] * p;
    const w0 = coeffs[base + j], w1 = coeffs[base + j + 1], w2 = coeffs[base + j + 2], w3 = coeffs[base + j + 3];
    for (let c = c0; c < c1; c++) {
      out[o + c] += w0 * P[r0 + c] + w1 * P[r1 + c] + w2 * P[r2 + c] + w3 * P[r3 + c];
    }
  }
  if (j + 1 < k) {
    const r0 = sources[base + j] * p;
    const r1 = sources[base + j + 1] * p;
    const w0 = coeffs[base + j], w1 = coeffs[base + j + 1];
    for (let c = c0; c < c1; c++) out[o + c] += w0 * P[r0 + c] + w1 * P[r1 + c];
    j += 2;
  }
  if (j < k) {
    const r0 = sources[base + j] * p;
    const w0 = coeffs[base + j];
    for (let c = c0; c < c1; c++) out[o + c] += w0 * P[r0 + c];
  }
}
