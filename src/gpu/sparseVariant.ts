/**
 * Which sparse transport kernel a batch runs. Both compute the same P_out (tests/gpu compare each with
 * the CPU engine):
 *   - sparseTransport.wgsl, scalar and barrier-free: every invocation reloads row i's k indices and
 *     coefficients (cache hits). Software adapters (SwiftShader) run workgroup barriers slowly, so this
 *     is their kernel.
 *   - sparseTransportVec4.wgsl: 16-byte loads and stores along P's rows, indices and coefficients staged
 *     once per workgroup: the memory-bound shape a hardware GPU wants. Needs p % 4 == 0.
 * With P stored as f16 (two entries a word) the batch asks for vec4 whatever the adapter: only it stores
 * whole words (batch.ts halfStorageTransport).
 * The choice, and why, is a sentence the app's backend badge can show.
 * [choice] hardware -> vec4 is the design's expectation, not a measurement: no GPU was available when it
 * was written; `npm run bench:gpu` times both variants on the adapter at hand.
 */
import type { BatchLayout } from './layout';
import type { ShaderName } from './shaderSources';

/** Every shader that implements the sparse transport descriptor (same bindings, same result). */
export const SPARSE_SHADERS: readonly ShaderName[] = ['sparseTransport', 'sparseTransportVec4'];

/** vec4 columns per invocation in sparseTransportVec4.wgsl (its override CW) */
export const VEC4_PER_INVOCATION = 2;

export type SparsePreference = 'auto' | 'scalar' | 'vec4';

export interface SparseChoice {
  shader: ShaderName;
  /** one line for the badge's tooltip */
  reason: string;
}

/** A model's transport kernels on this adapter (its GPU record's chooseTransport), for the batch. */
export interface TransportChoice extends SparseChoice {
  /** full-RTRL lanes run the sparse range's kernel with every source instead of their own (they join that range) */
  fullAsGather: boolean;
}

export function chooseSparseTransport(software: boolean, layout: Pick<BatchLayout, 'p'>, preference: SparsePreference = 'auto'): SparseChoice {
  const scalar = 'sparse transport: scalar, barrier-free';
  const vec4 = 'sparse transport: vec4 loads along P, indices and coefficients staged per workgroup';
  if (layout.p % 4 !== 0)
    return { shader: 'sparseTransport', reason: `${scalar} (p = ${layout.p} is not a multiple of 4, so P's rows do not start on a vec4)` };
  if (preference === 'vec4') return { shader: 'sparseTransportVec4', reason: `${vec4} (asked for)` };
  if (preference === 'scalar') return { shader: 'sparseTransport', reason: `${scalar} (asked for)` };
  return software
    ? { shader: 'sparseTransport', reason: `${scalar} (software adapter: workgroup barriers are slow there)` }
    : { shader: 'sparseTransportVec4', reason: `${vec4} (hardware adapter)` };
}
