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
 *
 * Float32 transports run on the WebAssembly SIMD kernel (wasm/transport.wat, threads over columns)
 * when it loads; this TypeScript kernel is the reference, the float64 path and the fallback
 * (transportBackendInfo() says which runs and why). The two agree within float32 rounding: the
 * WebAssembly kernel sums in float32, this one in float64 per group of four terms, so
 *   |out_wasm - out_ts| ≤ (k + 2) · 2⁻²³ · (|carry·P| + Σ_j |coeff_ij · P_src|)   (tests/wasmTransport.test.ts).
 *
 * In place: `out` may be P itself (the RNN's RTRL keeps one P). Both kernels then stage each tile's
 * new rows and copy them over P's tile once every row of the tile is computed (each column reads only
 * its own column of P), with the same arithmetic in the same order: bit-identical to out of place.
 */
import type { Floats } from './precision';
import { allocateTransportFloats, wasmRuntime, wasmSimdSupported, wasmUnavailableReason } from './wasm/memory';
import { wasmTransport } from './wasm/wasmTransport';
import { estimateRtrlSeconds, estimateSeconds, setMeasuredThroughput, throughputOf, transportWork, type CostKernel, type Throughput } from './wasm/cost';
import { hardwareThreads, poolThreads, poolUnavailableReason, setWantedThreads, startPool, stopPool, wantedThreads } from './wasm/workerPool';

export { allocateTransportFloats, transportWork };
export type { CostKernel, Throughput };

/** Columns per tile: 1024 floats = 4 KiB per row, so a tile of the accumulator sits in L1. */
export const TRANSPORT_TILE = 1024;

/**
 * Multiply-adds below which 'auto' keeps a transport in TypeScript (n ≤ 16 for full RTRL): there the
 * staging copies cost as much as the kernel saves, and small models keep their exact TypeScript
 * results (tests/cpuBitIdentical.test.ts pins them). Above it WebAssembly wins even when P must be
 * copied in and out (measured: the TypeScript sparse kernel runs at a tenth of copy speed).
 */
export const WASM_MIN_MACS = 1 << 17;

/**
 * Which kernel float32 transports use: 'auto' (WebAssembly when it loads, else TypeScript), or one
 * forced ('wasm' still falls back to TypeScript where WebAssembly SIMD cannot run). Float64 is always TypeScript.
 */
export type TransportBackend = 'auto' | 'wasm' | 'typescript';
let backend: TransportBackend = 'auto';

export function setTransportBackend(b: TransportBackend): void {
  backend = b;
}

export function getTransportBackend(): TransportBackend {
  return backend;
}

export interface TransportInfo {
  /** the kernel float32 transports run on */
  kernel: 'wasm' | 'typescript';
  /** WebAssembly 128-bit SIMD is available */
  simd: boolean;
  /** the kernel's memory is shared (threads possible, P kept in it with no copies) */
  shared: boolean;
  /** threads a large transport uses now (the caller's included) */
  threads: number;
  /** why the kernel is TypeScript, or why threads are fewer than wanted; empty when neither */
  reason: string;
}

/** What float32 transports run on, and why not faster, for the cost meter. */
export function transportBackendInfo(): TransportInfo {
  const rt = backend === 'typescript' ? null : wasmRuntime();
  if (!rt) {
    return {
      kernel: 'typescript',
      simd: wasmSimdSupported(),
      shared: false,
      threads: 1,
      reason: backend === 'typescript' ? 'the TypeScript kernel was chosen' : wasmUnavailableReason(),
    };
  }
  const threads = poolThreads();
  let reason = poolUnavailableReason();
  if (!reason && threads < wantedThreads()) {
    reason = rt.shared ? 'threads start with the first large transport' : 'no SharedArrayBuffer';
  }
  return { kernel: 'wasm', simd: true, shared: rt.shared, threads, reason: threads >= wantedThreads() ? '' : reason };
}

/**
 * Sets how many threads the WebAssembly transport uses (default: every core) and starts them; resolves
 * with transportBackendInfo(). In Node threads also start by themselves on the first large transport;
 * in a browser Worker await this once before stepping (nested workers start only when the creating
 * thread is idle). One thread when the memory cannot be shared (page not cross-origin isolated).
 */
export async function startTransportThreads(count: number = hardwareThreads()): Promise<TransportInfo> {
  const rt = wasmRuntime();
  if (rt) await startPool(rt, Math.max(1, Math.min(16, Math.floor(count))));
  else setWantedThreads(count);
  return transportBackendInfo();
}

/** Sets the wanted thread count without starting anything (1 = single thread); stops a pool of another size. */
export function setTransportThreads(count: number): void {
  setWantedThreads(count);
  if (poolThreads() !== count) stopPool();
}

/** Stops the worker threads (for a clean exit; they never keep Node alive). */
export function stopTransportThreads(): void {
  stopPool();
}

/**
 * Estimated seconds for a transport of `macs` multiply-adds moving `bytes` (transportWork gives both)
 * on the kernel and threads that would run it now (transportBackendInfo()), or on the one named.
 * Throughputs are fixed defaults (wasm/cost.ts) until calibrateTransportThroughput() measures them.
 */
export function estimateStepSeconds(macs: number, bytes: number, backend: TransportInfo | CostKernel = transportBackendInfo()): number {
  if (typeof backend === 'string') return estimateSeconds(macs, bytes, backend, 1);
  return estimateSeconds(macs, bytes, backend.kernel, backend.threads);
}

/**
 * Estimated seconds per learner step of full RTRL (k = 'full') or sparse-k RTRL for a model with n
 * units and m inputs (wasm/cost.ts estimateRtrlSeconds) on the kernel and threads that would run it now,
 * or on the one named.
 */
export function estimateRtrlStepSeconds(
  model: 'rnn' | 'lstm',
  n: number,
  m: number,
  k: number | 'full',
  backend: TransportInfo | CostKernel = transportBackendInfo(),
): number {
  if (typeof backend === 'string') return estimateRtrlSeconds(model, n, m, k, backend, 1);
  return estimateRtrlSeconds(model, n, m, k, backend.kernel, backend.threads);
}

/**
 * Measures this machine's throughputs (about 50 ms): multiply-adds per second of a small dense
 * transport on each kernel (one thread), and memory bandwidth from a native copy of 16 MB. The
 * estimates above use them from then on. Returns what it measured.
 */
export function calibrateTransportThroughput(): Partial<Record<CostKernel, Throughput>> {
  const saved = backend;
  const n = 32;
  const p = n * (n + 2);
  const P = new Float32Array(n * p).map((_, i) => Math.sin(i));
  const out = new Float32Array(n * p);
  const coeffs = new Float32Array(n * n).map((_, i) => 0.01 * Math.cos(i));
  const dLdh = new Float32Array(n).fill(1);
  const grad = new Float32Array(p);
  const sources = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let q = 0; q < n; q++) sources[i * n + q] = q;
  const best = (fn: () => void, reps: number) => {
    let t = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      fn();
      t = Math.min(t, performance.now() - t0);
    }
    return Math.max(t, 1e-3) * 1e-3;
  };
  const big = new Float32Array(1 << 22);
  const copy = new Float32Array(1 << 22);
  const bytesPerSecond = (2 * big.length * 4) / best(() => copy.set(big), 5);
  const result: Partial<Record<CostKernel, Throughput>> = {};
  const savedThreads = wantedThreads();
  const kernels: CostKernel[] = wasmRuntime() ? ['typescript', 'wasm'] : ['typescript'];
  try {
    setWantedThreads(1);
    for (const kernel of kernels) {
      backend = kernel;
      const { macs } = transportWork(n, p, n);
      const seconds = best(() => transport(P, out, n, p, n, sources, coeffs, 0.9, dLdh, grad), kernel === 'wasm' ? 20 : 8);
      result[kernel] = { macsPerSecond: macs / seconds, bytesPerSecond };
      setMeasuredThroughput(kernel, result[kernel]);
    }
  } finally {
    backend = saved;
    setWantedThreads(savedThreads);
  }
  return result;
}

/** The throughput the estimates use for a kernel now (default or calibrated). */
export function transportThroughput(kernel: CostKernel): Throughput {
  return throughputOf(kernel);
}

/**
 * The signature both transport kernels share: out[i,:] = carry·P[i,:] + Σ_j coeffs[i,j]·P[sources[i,j],:]
 * over n rows of p columns (k sources per row), and grad = Σ_i dLdh_i·out[i,:]; `tile` columns at a time;
 * `dense` says the rows keep all n sources in order (computed from `sources` when not given).
 */
export type TransportKernel = (
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
  tile?: number,
  dense?: boolean,
) => void;

/** The kernel in use: WebAssembly where it is loaded and worth it (or forced), else the TypeScript one. */
export const transport: TransportKernel = (P, out, n, p, k, sources, coeffs, carry, dLdh, grad, tile = TRANSPORT_TILE, dense = isDense(n, k, sources)) => {
  aliased(P, out); // out must be P itself or not overlap it
  if (
    backend !== 'typescript' &&
    P instanceof Float32Array &&
    out instanceof Float32Array &&
    coeffs instanceof Float32Array &&
    dLdh instanceof Float32Array &&
    grad instanceof Float32Array &&
    (backend === 'wasm' || n * p * (k + 1) >= WASM_MIN_MACS) &&
    wasmTransport(P, out, n, p, k, sources, coeffs, carry, dLdh, grad, dense)
  ) {
    return;
  }
  transportTs(P, out, n, p, k, sources, coeffs, carry, dLdh, grad, tile, dense);
};

/** Staging rows for the in-place TypeScript kernel, one per precision, grown as needed (not per step). */
let stage32 = new Float32Array(0);
let stage64 = new Float64Array(0);
function stageFor(out: Floats, length: number): Floats {
  if (out instanceof Float32Array) {
    if (stage32.length < length) stage32 = new Float32Array(length);
    return stage32;
  }
  if (stage64.length < length) stage64 = new Float64Array(length);
  return stage64;
}

/** True when P and out are the same floats (either precision). */
function aliased(P: Floats, out: Floats): boolean {
  if (P === out) return true;
  if (P.buffer !== out.buffer) return false;
  const bytes = P.BYTES_PER_ELEMENT;
  const a0 = P.byteOffset,
    a1 = a0 + P.length * bytes,
    b0 = out.byteOffset,
    b1 = b0 + out.length * out.BYTES_PER_ELEMENT;
  if (a0 === b0 && a1 === b1 && bytes === out.BYTES_PER_ELEMENT) return true;
  if (a0 < b1 && b0 < a1) throw new RangeError('transport: out overlaps P without being P (pass P itself to update in place)');
  return false;
}

/**
 * The TypeScript kernel (any precision): the reference for the WebAssembly one. In place (out = P) a
 * tile's rows are computed into a staging block (row stride = the tile's width, same element type as
 * out, so every intermediate store rounds as it would in out) and then copied over P's tile.
 */
export const transportTs: TransportKernel = (P, out, n, p, k, sources, coeffs, carry, dLdh, grad, tile = TRANSPORT_TILE, dense = isDense(n, k, sources)) => {
  grad.fill(0);
  const inPlace = aliased(P, out);
  const stage = inPlace ? stageFor(out, n * Math.min(tile, p)) : out;
  for (let c0 = 0; c0 < p; c0 += tile) {
    const c1 = Math.min(p, c0 + tile);
    // out row i of this tile starts at oRow(i) + c0: out's own row, or row i of the staging block
    const stride = inPlace ? c1 - c0 : p;
    const shift = inPlace ? -c0 : 0;
    let i = 0;
    if (dense) {
      for (; i + 1 < n; i += 2) denseRowPair(P, stage, n, p, coeffs, carry, i, c0, c1, i * stride + shift, (i + 1) * stride + shift);
    }
    for (; i < n; i++) sparseRow(P, stage, p, k, sources, coeffs, carry, i, c0, c1, i * stride + shift);
    for (let r = 0; r < n; r++) {
      const gi = dLdh[r];
      if (gi === 0) continue;
      const o = r * stride + shift;
      for (let c = c0; c < c1; c++) grad[c] += gi * stage[o + c];
    }
    if (inPlace) {
      const w = c1 - c0;
      for (let r = 0; r < n; r++) {
        const o = r * p + c0;
        const s = r * w;
        for (let c = 0; c < w; c++) out[o + c] = stage[s + c];
      }
    }
  }
};

/** True when every row keeps all n sources in order 0..n-1 (full RTRL, or sparse with k = n). */
function isDense(n: number, k: number, sources: Int32Array): boolean {
  if (k !== n) return false;
  for (let i = 0; i < n; i++) {
    const base = i * n;
    for (let q = 0; q < n; q++) if (sources[base + q] !== q) return false;
  }
  return true;
}

/**
 * Rows i and i+1 over the tile [c0, c1): out = carry·P_row + Σ_q coeff[row, q] P_q, sources 0..n-1;
 * their outputs at out[oa + c] and out[ob + c].
 */
function denseRowPair(
  P: Floats,
  out: Floats,
  n: number,
  p: number,
  coeffs: Floats,
  carry: number,
  i: number,
  c0: number,
  c1: number,
  oa: number,
  ob: number,
): void {
  const pa = i * p;
  const pb = pa + p;
  const wa = i * n;
  const wb = wa + n;
  for (let c = c0; c < c1; c++) {
    out[oa + c] = carry * P[pa + c];
    out[ob + c] = carry * P[pb + c];
  }
  let q = 0;
  for (; q + 3 < n; q += 4) {
    const r0 = q * p;
    const r1 = r0 + p;
    const r2 = r1 + p;
    const r3 = r2 + p;
    const a0 = coeffs[wa + q],
      a1 = coeffs[wa + q + 1],
      a2 = coeffs[wa + q + 2],
      a3 = coeffs[wa + q + 3];
    const b0 = coeffs[wb + q],
      b1 = coeffs[wb + q + 1],
      b2 = coeffs[wb + q + 2],
      b3 = coeffs[wb + q + 3];
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

/**
 * Row i over the tile [c0, c1): out = carry·P_i + Σ_j coeff[i, j] P_{src[i, j]}, sources four at a
 * time; the row's output at out[o + c].
 */
function sparseRow(
  P: Floats,
  out: Floats,
  p: number,
  k: number,
  sources: Int32Array,
  coeffs: Floats,
  carry: number,
  i: number,
  c0: number,
  c1: number,
  o: number,
): void {
  const pi = i * p;
  const base = i * k;
  if (carry !== 0) {
    for (let c = c0; c < c1; c++) out[o + c] = carry * P[pi + c];
  } else {
    for (let c = c0; c < c1; c++) out[o + c] = 0;
  }
  let j = 0;
  for (; j + 3 < k; j += 4) {
    const r0 = sources[base + j] * p;
    const r1 = sources[base + j + 1] * p;
    const r2 = sources[base + j + 2] * p;
    const r3 = sources[base + j + 3] * p;
    const w0 = coeffs[base + j],
      w1 = coeffs[base + j + 1],
      w2 = coeffs[base + j + 2],
      w3 = coeffs[base + j + 3];
    for (let c = c0; c < c1; c++) {
      out[o + c] += w0 * P[r0 + c] + w1 * P[r1 + c] + w2 * P[r2 + c] + w3 * P[r3 + c];
    }
  }
  if (j + 1 < k) {
    const r0 = sources[base + j] * p;
    const r1 = sources[base + j + 1] * p;
    const w0 = coeffs[base + j],
      w1 = coeffs[base + j + 1];
    for (let c = c0; c < c1; c++) out[o + c] += w0 * P[r0 + c] + w1 * P[r1 + c];
    j += 2;
  }
  if (j < k) {
    const r0 = sources[base + j] * p;
    const w0 = coeffs[base + j];
    for (let c = c0; c < c1; c++) out[o + c] += w0 * P[r0 + c];
  }
}
