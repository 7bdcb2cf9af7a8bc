/**
 * The WebAssembly kernel's memory: one WebAssembly.Memory per JavaScript realm, the compiled module,
 * and a small allocator over it.
 *
 * Where SharedArrayBuffer exists (Node, and pages that are cross-origin isolated) the memory is
 * shared: worker threads run the same kernel on it, and growing it never detaches a view made
 * earlier, so buffers such as the sensitivity P can live in it for good (allocateTransportFloats) and
 * the kernel reads and writes them in place, with no copy per step. Elsewhere the memory is plain,
 * growing it detaches its old views, and so callers' buffers stay ordinary arrays that the kernel
 * copies in and out (the copies only pay for themselves on the dense transport: see transport.ts).
 *
 * Layout: the first 64 KiB hold the thread control block (workerPool.ts); the allocator hands out
 * 64-byte aligned blocks above it.
 */
import { TRANSPORT_WASM_PLAIN, TRANSPORT_WASM_SHARED } from './transportWasm.generated';
import { wasmSimdSupported } from './simd';

export { wasmSimdSupported } from './simd';

/** Bytes below this are the control block; allocations start here. */
export const HEAP_BASE = 65536;
const PAGE = 65536;
/** One page short of 4 GiB, as declared in transport.wat. */
const MAX_PAGES = 65535;
const ALIGN = 64;

export interface DenseKernel {
  (
    P: number,
    out: number,
    n: number,
    p: number,
    ap: number,
    A: number,
    carry: number,
    dLdh: number,
    grad: number,
    panel: number,
    c0: number,
    c1: number,
    tile: number,
  ): void;
}
export interface SparseKernel {
  (
    P: number,
    out: number,
    n: number,
    p: number,
    k: number,
    src: number,
    cf: number,
    carry: number,
    dLdh: number,
    grad: number,
    c0: number,
    c1: number,
    tile: number,
    scratch: number,
  ): void;
}

export interface WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  /** the module's bytes, for worker threads to compile their own instance (a few KiB) */
  readonly bytes: Uint8Array;
  readonly shared: boolean;
  readonly dense: DenseKernel;
  readonly sparse: SparseKernel;
}

let runtime: WasmRuntime | null | undefined;
let unavailableReason = '';

function decodeBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** SharedArrayBuffer is usable: always in Node, in a browser only when the page is cross-origin isolated. */
function sharedMemoryAllowed(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return g.crossOriginIsolated !== false;
}

function createMemory(): { memory: WebAssembly.Memory; shared: boolean } {
  if (sharedMemoryAllowed()) {
    // a shared memory reserves its maximum up front: ask for less where the address space is tight
    for (const maximum of [MAX_PAGES, 32768, 16384]) {
      try {
        return { memory: new WebAssembly.Memory({ initial: 2, maximum, shared: true }), shared: true };
      } catch {
        // try a smaller reservation
      }
    }
  }
  return { memory: new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES }), shared: false };
}

/** The kernel, compiled and instantiated synchronously on first use; null (see wasmUnavailableReason) if it cannot run. */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  if (!wasmSimdSupported()) {
    unavailableReason = 'WebAssembly SIMD is not supported by this JavaScript engine';
    return null;
  }
  try {
    const { memory, shared } = createMemory();
    // Synchronous compile and instantiate: the module is a few KiB, which every engine allows off the main thread.
    const bytes = decodeBase64(shared ? TRANSPORT_WASM_SHARED : TRANSPORT_WASM_PLAIN);
    const module = new WebAssembly.Module(bytes as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const exports = instance.exports as unknown as { dense: DenseKernel; sparse: SparseKernel };
    runtime = { memory, module, bytes, shared, dense: exports.dense, sparse: exports.sparse };
  } catch (e) {
    unavailableReason = `the WebAssembly kernel did not load: ${e instanceof Error ? e.message : String(e)}`;
  }
  return runtime;
}

export function wasmUnavailableReason(): string {
  wasmRuntime();
  return unavailableReason;
}

// ------------------------------------------------------------------------------------------------
// Allocator: first fit over a free list sorted by address, coalescing neighbours; the top of the heap
// moves down when its last block is freed. Blocks handed to callers as Float32Arrays are freed when
// the array is garbage collected (FinalizationRegistry), so a session that builds many learners reuses
// the space of the ones it dropped.
// ------------------------------------------------------------------------------------------------

interface Block {
  offset: number;
  size: number;
}

let top = HEAP_BASE;
const freeList: Block[] = [];
/** Every ArrayBuffer the memory has had (one per growth for a shared memory): views into it are in the heap. */
const heapBuffers = new WeakSet<ArrayBufferLike>();

function ensureBytes(rt: WasmRuntime, end: number): void {
  const have = rt.memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`WebAssembly memory would exceed 4 GiB (${(end / 2 ** 30).toFixed(2)} GiB wanted)`);
    rt.memory.grow(pages);
  }
  heapBuffers.add(rt.memory.buffer);
}

/** A block of at least `bytes` bytes, 64-byte aligned, contents unspecified. */
export function allocBytes(rt: WasmRuntime, bytes: number): number {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  for (let i = 0; i < freeList.length; i++) {
    const b = freeList[i];
    if (b.size >= size) {
      const offset = b.offset;
      if (b.size === size) freeList.splice(i, 1);
      else {
        b.offset += size;
        b.size -= size;
      }
      return offset;
    }
  }
  const offset = top;
  ensureBytes(rt, offset + size);
  top = offset + size;
  return offset;
}

export function freeBytes(offset: number, bytes: number): void {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  let i = 0;
  while (i < freeList.length && freeList[i].offset < offset) i++;
  freeList.splice(i, 0, { offset, size });
  // coalesce with the next, then the previous block
  if (i + 1 < freeList.length && freeList[i].offset + freeList[i].size === freeList[i + 1].offset) {
    freeList[i].size += freeList[i + 1].size;
    freeList.splice(i + 1, 1);
  }
  if (i > 0 && freeList[i - 1].offset + freeList[i - 1].size === freeList[i].offset) {
    freeList[i - 1].size += freeList[i].size;
    freeList.splice(i, 1);
    i--;
  }
  const last = freeList[freeList.length - 1];
  if (last && last.offset + last.size === top) {
    top = last.offset;
    freeList.pop();
  }
}

/** Bytes in use by the heap (allocated and not yet freed), for the cost meter and tests. */
export function heapBytesInUse(): number {
  let free = 0;
  for (const b of freeList) free += b.size;
  return top - HEAP_BASE - free;
}

const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Block>((b) => freeBytes(b.offset, b.size)) : null;

/**
 * `length` zeroed floats for a buffer the transport will read or write every step (the sensitivity
 * P and its successor). With a shared WebAssembly memory they live in it, and the WebAssembly kernel
 * works on them in place; otherwise this is `new Float32Array(length)`. Either way it is an ordinary
 * Float32Array to every other piece of code; it is freed when garbage collected. Keep the returned
 * array itself while its floats are in use: a subarray or another view of the same floats does not
 * keep the block alive (every view's buffer is the whole memory), and a freed block is handed out again.
 * Frees run only between tasks (FinalizationRegistry callbacks), never inside a synchronous run.
 */
export function allocateTransportFloats(length: number): Float32Array {
  const rt = wasmRuntime();
  if (!rt || !rt.shared || length === 0) return new Float32Array(length);
  const bytes = length * 4;
  let offset: number;
  try {
    offset = allocBytes(rt, bytes);
  } catch {
    // the kernel's memory is full (4 GiB): an ordinary array still works, copied in and out per step
    return new Float32Array(length);
  }
  const view = new Float32Array(rt.memory.buffer, offset, length);
  heapBuffers.add(rt.memory.buffer);
  view.fill(0);
  finalizer?.register(view, { offset, size: bytes });
  return view;
}

/** True when `a` is a view into the kernel's memory (so the kernel can use it in place). */
export function inWasmHeap(a: ArrayBufferView): boolean {
  return runtime != null && heapBuffers.has(a.buffer);
}

/** Byte offset of a heap view in the kernel's memory. */
export function heapOffset(a: ArrayBufferView): number {
  return a.byteOffset;
}
