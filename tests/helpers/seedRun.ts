/** Shared by the protocol tests: run a seed to its end, and compare float arrays bit for bit. */
import type { SeedRun } from '../../src/engine/experiment';

/** Steps a seed run until it is done; returns it for chaining. */
export function runToEnd(run: SeedRun): SeedRun {
  while (!run.done) run.step();
  return run;
}

/** Bit-for-bit equality of two float arrays (NaN payloads included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}
