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
 * Speed: columns are processed in tiles so the n source rows of a tile stay in cache while every output
 * row reads them (the blocked product for full RTRL), and sources are consumed four at a time so each
 * pass over an output tile does four multiply-adds per load/store of the accumulator. The carry is
 * treated as one more source (row i itself) so the first pass writes the row instead of clearing it.
 */
import type { Floats } from './precision';

/** Columns per tile: 1024 floats = 4 KiB per row; a 64-row tile of sources is 256 KiB (L2). */
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
  const hasCarry = carry !== 0;
  const total = k + (hasCarry ? 1 : 0);
  for (let c0 = 0; c0 < p; c0 += tile) {
    const c1 = Math.min(p, c0 + tile);
    for (let i = 0; i < n; i++) {
      const o = i * p;
      const base = i * k;
      if (total === 0) {
        out.fill(0, o + c0, o + c1);
      }
      // Virtual source v: v = 0 is the carry (row i) when present, then the k kept sources.
      for (let v = 0; v < total; v += 4) {
        const cnt = Math.min(4, total - v);
        let r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        for (let u = 0; u < cnt; u++) {
          const vv = v + u;
          let row: number;
          let w: number;
          if (hasCarry) {
            if (vv === 0) {
              row = i;
              w = carry;
            } else {
              row = sources[base + vv - 1];
              w = coeffs[base + vv - 1];
            }
          } else {
            row = sources[base + vv];
            w = coeffs[base + vv];
          }
          const ro = row * p;
          if (u === 0) { r0 = ro; w0 = w; }
          else if (u === 1) { r1 = ro; w1 = w; }
          else if (u === 2) { r2 = ro; w2 = w; }
          else { r3 = ro; w3 = w; }
        }
        if (v === 0) {
          setRows(out, o, P, c0, c1, cnt, r0, w0, r1, w1, r2, w2, r3, w3);
        } else {
          addRows(out, o, P, c0, c1, cnt, r0, w0, r1, w1, r2, w2, r3, w3);
        }
      }
      const gi = dLdh[i];
      if (gi !== 0) {
        for (let c = c0; c < c1; c++) grad[c] += gi * out[o + c];
      }
    }
  }
}

/** out[o+c] = Σ_{u<cnt} w_u P[r_u + c] over the tile. */
function setRows(
  out: Floats, o: number, P: Floats, c0: number, c1: number, cnt: number,
  r0: number, w0: number, r1: number, w1: number, r2: number, w2: number, r3: number, w3: number,
): void {
  switch (cnt) {
    case 1:
      for (let c = c0; c < c1; c++) out[o + c] = w0 * P[r0 + c];
      return;
    case 2:
      for (let c = c0; c < c1; c++) out[o + c] = w0 * P[r0 + c] + w1 * P[r1 + c];
      return;
    case 3:
      for (let c = c0; c < c1; c++) out[o + c] = w0 * P[r0 + c] + w1 * P[r1 + c] + w2 * P[r2 + c];
      return;
    default:
      for (let c = c0; c < c1; c++) {
        out[o + c] = w0 * P[r0 + c] + w1 * P[r1 + c] + w2 * P[r2 + c] + w3 * P[r3 + c];
      }
  }
}

/** out[o+c] += Σ_{u<cnt} w_u P[r_u + c] over the tile. */
function addRows(
  out: Floats, o: number, P: Floats, c0: number, c1: number, cnt: number,
  r0: number, w0: number, r1: number, w1: number, r2: number, w2: number, r3: number, w3: number,
): void {
  switch (cnt) {
    case 1:
      for (let c = c0; c < c1; c++) out[o + c] += w0 * P[r0 + c];
      return;
    case 2:
      for (let c = c0; c < c1; c++) out[o + c] += w0 * P[r0 + c] + w1 * P[r1 + c];
      return;
    case 3:
      for (let c = c0; c < c1; c++) out[o + c] += w0 * P[r0 + c] + w1 * P[r1 + c] + w2 * P[r2 + c];
      return;
    default:
      for (let c = c0; c < c1; c++) {
        out[o + c] += w0 * P[r0 + c] + w1 * P[r1 + c] + w2 * P[r2 + c] + w3 * P[r3 + c];
      }
  }
}
