/**
 * The engine computes in float32 (what WebGPU has) or, for the gradient-exactness tests, float64.
 * Every buffer of one model is of one precision, chosen when it is created.
 */
export type Precision = 'f32' | 'f64';
export type Floats = Float32Array | Float64Array;

export function allocate(precision: Precision, length: number): Floats {
  return precision === 'f64' ? new Float64Array(length) : new Float32Array(length);
}

export function precisionOf(a: Floats): Precision {
  return a instanceof Float64Array ? 'f64' : 'f32';
}

/**
 * How the RNN's RTRL sensitivity P is kept between steps: 'f32' as computed (the default), or 'f16',
 * every entry rounded to IEEE half precision after each step, which emulates a GPU that stores P in
 * float16 and computes in float32 (the measurement behind the GPU engine's float16 question,
 * docs/gpu-engine.md). Read from the environment variable below, so a CLI run can be repeated with it
 * set; off, nothing is rounded and every number is as before.
 */
export type PStorage = 'f32' | 'f16';
export const P_STORAGE_ENV = 'SPARSE_RTRL_P_STORAGE';

export function pStorageSetting(): PStorage {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[P_STORAGE_ENV];
  if (value === undefined || value === '' || value === 'f32') return 'f32';
  if (value === 'f16') return 'f16';
  throw new RangeError(`${P_STORAGE_ENV}=${value}: expected f32 or f16`);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * x (a float32 value) rounded to the nearest IEEE half-precision value, ties to even; past the largest
 * finite half, ±Infinity. On the float32 bits: a normal half keeps 10 of float32's 23 fraction bits, a
 * subnormal one is a multiple of 2^-24.
 */
export function f16round(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = bits & 0x80000000;
  let abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000 || abs === 0) return x;
  if (abs >= 0x38800000) {
    // |x| ≥ 2^-14: round away the low 13 fraction bits, ties to even (a carry may step the exponent)
    abs = (abs + 0x0fff + ((abs >>> 13) & 1)) & ~0x1fff;
    // 2^16 and above (65520 rounds up to it) is past the largest half, 65504
    if (abs >= 0x47800000) return sign ? -Infinity : Infinity;
    u32[0] = (sign | abs) >>> 0;
    return f32[0];
  }
  // subnormal: a multiple of 2^-24 (exact in float64), ties to even
  const v = Math.abs(f32[0]) * 2 ** 24;
  const f = Math.floor(v);
  const d = v - f;
  const r = (d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f) * 2 ** -24;
  return sign ? -r : r;
}

/** Rounds every entry of `a` to half precision, in place. */
export function roundToF16(a: Floats): void {
  for (let i = 0; i < a.length; i++) a[i] = f16round(a[i]);
}
