/**
 * P as the GPU stores it under 'f16' storage (layout.ts pAccessors): IEEE half-precision entries, two to
 * a u32 word, entry 2w in the low 16 bits of word w (WGSL's pack2x16float / unpack2x16float), for the
 * snapshot's readback and restore's upload. Encoding rounds with precision.ts f16round, the CPU engine's
 * emulation itself (nearest, ties to even), so a restored P is the emulation's P.
 */
import { f16round } from '../engine/precision';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half-precision bits of x rounded by f16round (±Infinity past the largest half; NaN kept NaN). */
export function halfBits(x: number): number {
  // a half already: its bits follow without rounding
  const h = f16round(x);
  f32[0] = h;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00;
  if (abs === 0x7f800000) return sign | 0x7c00;
  // normal: the exponent rebiased (127 -> 15), the 10 fraction bits a half keeps
  if (abs >= 0x38800000) return sign | ((abs - 0x38000000) >>> 13);
  // subnormal or zero: a whole multiple of 2^-24
  return sign | (Math.abs(h) * 2 ** 24);
}

/** The value of half-precision bits h. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

/** `count` entries from packed words. */
export function unpackHalves(words: Uint32Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = halfValue((words[i >>> 1] >>> (16 * (i & 1))) & 0xffff);
  return out;
}

/** Entries packed two to a word (an odd count's last word has a zero high half). */
export function packHalves(values: ArrayLike<number>): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) words[i >>> 1] |= halfBits(values[i]) << (16 * (i & 1));
  return words;
}
