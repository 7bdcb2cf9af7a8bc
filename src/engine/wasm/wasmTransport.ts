/**
 * The float32 transport on the WebAssembly kernel (transport.wat): stages the per-step inputs into the
 * kernel's memory, runs the dense or sparse kernel on one or more threads, and copies the gradient
 * (and P's successor, when the caller's buffers are not in the kernel's memory) back out.
 *
 * Per step it copies only the small inputs: coefficients (n·k), sources (n·k), c_t (n), and g_t (p)
 * back. P and its successor are used in place when they were allocated with allocateTransportFloats;
 * otherwise they are copied in and out (2 n·p floats each way), which the dense transport's n·n·p
 * multiply-adds dwarf but a sparse one's (k+1)·n·p do not; transport.ts decides.
 *
 * In place (out is P itself): both kernels overwrite P with its successor tile by tile (the sparse one
 * through a per-thread staging scratch of n × tile floats), computing every column with the same
 * operations in the same order as out of place, so the results are bit-identical either way.
 */
import { allocBytes, freeBytes, inWasmHeap, wasmRuntime, type WasmRuntime } from './memory';
import { CMD_DENSE, CMD_SPARSE, ensureNodePool, poolThreads, runJob, wantedThreads, type JobArgs } from './workerPool';

/** Columns per packed panel of the dense kernel: n × 128 floats (128 KiB at n = 256) share L2 with the packed A. */
let denseTile = 128;
/**
 * Columns per tile of the sparse kernel: an 8 KiB stretch of every row of P (2 MiB at n = 256, 0.5 MiB at
 * n = 64). Measured on one core (AMD EPYC, 512 KiB L2, 32 MiB L3), CPU ms of the k = 4 transport for tiles
 * 512 / 2048 / whole rows: n = 256: 31 / 17–20 / 18; n = 128: 2.6–4.3 / 1.9 / —; n = 64: 0.4 / 0.2 / —.
 * Longer stretches keep the hardware prefetcher streaming; the source rows of a tile still come from L3.
 */
let sparseTile = 2048;
/**
 * Columns per tile of the in-place sparse kernel: its staging scratch (n × tile floats per thread, 1 MiB
 * at n = 256) and P's tile share L2/L3. Measured on one core (AMD EPYC, 512 KiB L2, 32 MiB L3; medians
 * of 9 alternating rounds, CPU ms of the k = 4 transport for tiles 512 / 1024 / 2048 / 4096):
 * n = 256: 24.3 / 21.2 / 22.4 / 28.9 (out of place, 2048: 23.8); n = 128: 3.3 / 2.6 / 2.6 (2.7).
 * `npm run bench:cpu -- --tiles` repeats this.
 */
let sparseTileInPlace = 1024;

/** Overrides the tile widths (multiples of 8), for the benchmark's tuning runs; `sparseInPlace` defaults to unchanged. */
export function setWasmTiles(dense: number, sparse: number, sparseInPlace: number = sparseTileInPlace): void {
  for (const t of [dense, sparse, sparseInPlace]) {
    if (t % 8 !== 0 || t <= 0) throw new RangeError('tiles must be positive multiples of 8');
  }
  denseTile = dense;
  sparseTile = sparse;
  sparseTileInPlace = sparseInPlace;
}

/** The tile widths in use (dense, sparse, sparse in place). */
export function wasmTiles(): { dense: number; sparse: number; sparseInPlace: number } {
  return { dense: denseTile, sparse: sparseTile, sparseInPlace: sparseTileInPlace };
}
/** Below this many multiply-adds a job runs on the calling thread: waking workers costs more. */
const THREAD_MIN_MACS = 1 << 19;

interface Slot {
  offset: number;
  bytes: number;
}
const slot = (): Slot => ({ offset: 0, bytes: 0 });
const slots = { coeffs: slot(), src: slot(), dLdh: slot(), grad: slot(), apack: slot(), panels: slot(), pIn: slot(), pOut: slot() };

/** True when `a` and `b` are the same floats (the transport then runs in place). */
export function sameFloats(a: Float32Array, b: Float32Array): boolean {
  return a === b || (a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length);
}

/** A block of at least `bytes` for this slot, reallocated only when it must grow. */
function reserve(rt: WasmRuntime, s: Slot, bytes: number): number {
  if (s.bytes < bytes) {
    if (s.bytes > 0) freeBytes(s.offset, s.bytes);
    s.offset = allocBytes(rt, bytes);
    s.bytes = bytes;
  }
  return s.offset;
}

/** Releases the staging copies of P (large when the caller's P is not in the kernel's memory). */
export function releaseStaging(): void {
  for (const s of [slots.pIn, slots.pOut]) {
    if (s.bytes > 0) freeBytes(s.offset, s.bytes);
    s.bytes = 0;
  }
}

let f32: Float32Array = new Float32Array(0);
let i32: Int32Array = new Int32Array(0);
function views(rt: WasmRuntime): void {
  const buf = rt.memory.buffer;
  if (f32.buffer !== buf || f32.length * 4 !== buf.byteLength) {
    f32 = new Float32Array(buf);
    i32 = new Int32Array(buf);
  }
}

/** Threads a job of `macs` multiply-adds over p columns will use. */
function partsFor(rt: WasmRuntime, macs: number, p: number): number {
  if (macs < THREAD_MIN_MACS || p < 16 || !rt.shared || wantedThreads() <= 1) return 1;
  ensureNodePool(rt);
  return Math.min(poolThreads(), Math.floor(p / 8));
}

/**
 * The transport of transport.ts on the WebAssembly kernel, all buffers float32. `dense` says the
 * sources are 0..n-1 in every row (k = n); `out` may be P itself (in place). Returns false (doing
 * nothing) when the kernel is unavailable.
 */
export function wasmTransport(
  P: Float32Array,
  out: Float32Array,
  n: number,
  p: number,
  k: number,
  sources: Int32Array,
  coeffs: Float32Array,
  carry: number,
  dLdh: Float32Array,
  grad: Float32Array,
  dense: boolean,
): boolean {
  const rt = wasmRuntime();
  if (!rt) return false;
  if (n === 0 || p === 0) {
    grad.fill(0);
    return true;
  }
  const np = n * p;
  const macs = np * (dense ? n : k + 1);
  const parts = partsFor(rt, macs, p);
  // Reserve every block first: growing a plain (unshared) memory detaches the views made before it.
  const inPlace = sameFloats(P, out);
  const pInPlace = inWasmHeap(P);
  const outInPlace = inPlace ? pInPlace : inWasmHeap(out);
  const pOff = pInPlace ? P.byteOffset : reserve(rt, slots.pIn, np * 4);
  // in place on a staged copy of P too: one copy in, one out
  const outOff = inPlace ? pOff : outInPlace ? out.byteOffset : reserve(rt, slots.pOut, np * 4);
  const nk = n * k;
  const cfOff = reserve(rt, slots.coeffs, nk * 4);
  const srcOff = dense ? 0 : reserve(rt, slots.src, nk * 4);
  const dOff = reserve(rt, slots.dLdh, n * 4);
  const gOff = reserve(rt, slots.grad, p * 4);
  // per thread: the dense kernel's packed panel, or the in-place sparse kernel's staging rows
  const tile = dense ? denseTile : inPlace ? sparseTileInPlace : sparseTile;
  const panelBytes = dense || inPlace ? n * tile * 4 : 0;
  const apOff = dense ? reserve(rt, slots.apack, nk * 4) : 0;
  const panelOff = panelBytes > 0 ? reserve(rt, slots.panels, parts * panelBytes) : 0;
  views(rt);

  if (!pInPlace) f32.set(P.subarray(0, np), pOff / 4);
  f32.set(coeffs.subarray(0, nk), cfOff / 4);
  f32.set(dLdh.subarray(0, n), dOff / 4);
  if (dense) {
    // Apack[rb][q][r] = A[4rb + r, q] for the full blocks of 4 rows: the micro-kernel's broadcasts are adjacent
    const ap = apOff / 4;
    for (let rb = 0; rb + 4 <= n; rb += 4) {
      const base = ap + rb * n;
      for (let r = 0; r < 4; r++) {
        const row = (rb + r) * n;
        for (let q = 0; q < n; q++) f32[base + q * 4 + r] = coeffs[row + q];
      }
    }
  } else if (nk > 0) {
    i32.set(sources.subarray(0, nk), srcOff / 4);
  }

  const args: JobArgs = {
    P: pOff,
    out: outOff,
    n,
    p,
    k,
    src: srcOff,
    cf: cfOff,
    carry,
    dLdh: dOff,
    grad: gOff,
    ap: apOff,
    panel: panelOff,
    panelBytes,
    tile,
  };
  if (dense) {
    runJob(CMD_DENSE, args, parts, (c0, c1) => rt.dense(pOff, outOff, n, p, apOff, cfOff, carry, dOff, gOff, panelOff, c0, c1, tile));
  } else {
    runJob(CMD_SPARSE, args, parts, (c0, c1) => rt.sparse(pOff, outOff, n, p, k, srcOff, cfOff, carry, dOff, gOff, c0, c1, tile, panelOff));
  }

  // a worker may have grown nothing, but the views are re-read in case this thread's were replaced
  views(rt);
  grad.set(f32.subarray(gOff / 4, gOff / 4 + p));
  if (grad.length > p) grad.fill(0, p);
  if (!outInPlace) out.set(f32.subarray(outOff / 4, outOff / 4 + np));
  return true;
}
