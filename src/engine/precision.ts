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

/** x rounded to the nearest IEEE half-precision value (ties to even; past the largest finite half, ±Infinity). */
export function f16round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  // 65520 is halfway between 65504 (the largest half) and 2^16, and rounds to even: up, to Infinity
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // 10 fraction bits; below 2^-14 the subnormals' fixed quantum 2^-24
  const quantum = 2 ** (Math.max(e, -14) - 10);
  const v = a / quantum;
  const f = Math.floor(v);
  const d = v - f;
  const r = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  const out = r * quantum;
  return x < 0 ? -out : out;
}

/** Rounds every entry of `a` to half precision, in place. */
export function roundToF16(a: Floats): void {
  for (let i = 0; i < a.length; i++) a[i] = f16round(a[i]);
}
