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
