/**
 * Whether this JavaScript engine runs WebAssembly 128-bit SIMD, from a tiny probe module: no kernel bytes,
 * so a page can ask (its cost estimates) without loading the transport.
 */

/** A tiny module using 128-bit SIMD (i8x16.splat, i8x16.popcnt): validates only where SIMD runs. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

let simdSupported: boolean | undefined;

/** Whether this JavaScript engine runs WebAssembly 128-bit SIMD (validating a tiny SIMD module). */
export function wasmSimdSupported(): boolean {
  if (simdSupported === undefined) {
    simdSupported = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(SIMD_PROBE);
  }
  return simdSupported;
}
