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
  /** sparse-k lanes with k at least this run the dense tile with W masked to their sources (Infinity: never) */
  denseFromK: number;
  /** one line for the badge: why sparse lanes are routed as they are */
  routeReason: string;
}

/** Which kernel a sparse-k lane's transport runs: 'gather' (the sparse kernels above), 'dense' (the masked dense tile), or 'auto'. */
export type SparseRoute = 'auto' | 'gather' | 'dense';

/**
 * From which k a sparse-k lane runs the dense tile with W masked to its kept sources instead of the
 * gather. Per output row the gather reads k + 1 rows of P (from the cache when the tile's sources stay
 * there) with one multiply-add per entry and row read, where the dense tile does n/k times the
 * multiply-adds but register-blocked, 16 per vec4 read from workgroup memory, near the adapter's peak.
 * [choice] k ≥ n/8 on a hardware adapter is the crossover estimated by counting these, not a measurement:
 * `npm run bench:gpu` times both routes on the adapter at hand (scripts/gpu-check.sh prints them). A
 * software adapter keeps the gather: its workgroup barriers are slow, and the masked tile has two per
 * block of TS sources.
 */
export function chooseDenseRoute(software: boolean, layout: Pick<BatchLayout, 'n'>, route: SparseRoute = 'auto'): { denseFromK: number; routeReason: string } {
  if (route === 'dense') return { denseFromK: 1, routeReason: 'sparse lanes: the dense tile, W masked to each lane’s kept sources (asked for)' };
  if (route === 'gather') return { denseFromK: Infinity, routeReason: 'sparse lanes: gathered (asked for)' };
  if (software) return { denseFromK: Infinity, routeReason: 'sparse lanes: gathered (software adapter: the dense tile’s barriers are slow there)' };
  const from = Math.max(1, Math.ceil(layout.n / 8));
  return { denseFromK: from, routeReason: `sparse lanes: gathered for k < ${from}, the masked dense tile from k = ${from} (n/8) on` };
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
