/**
 * Worker threads for the WebAssembly transport: the columns of P are split across threads that all
 * run the same kernel on the one shared WebAssembly memory. The caller's thread takes part 0 and then
 * blocks (Atomics.wait) until the others are done, so the step API stays synchronous. Each column is
 * computed by the same instructions whichever part it falls in (parts start at multiples of 8
 * columns), so results are bit-identical for any thread count.
 *
 * Control block (int32 words at byte 0 of the shared memory):
 *   0 generation (bumped to start a job)   1 parts done   2 command (0 dense, 1 sparse, 2 exit)
 *   3 parts in this job   4 workers ready   5 error flag   8.. the kernel's arguments (see ARG)
 * `panel` + index · `panelBytes` is each thread's own scratch: the dense kernel's packed panel, the
 * in-place sparse kernel's staging rows.
 *
 * Starting: in Node the workers start synchronously on first use (process.getBuiltinModule gives
 * worker_threads without an import, and the workers say they are ready through the control block). In
 * a browser a Web Worker's nested workers only start once the creating thread returns to its event
 * loop, so the caller awaits startTransportThreads() once before stepping; until then, one thread.
 */
import type { WasmRuntime } from './memory';

const GEN = 0;
const DONE = 1;
const CMD = 2;
const PARTS = 3;
const READY = 4;
const ERR = 5;
/** The control block's words a test reads or pokes (the block is int32 words at byte 0 of the runtime's memory). */
export const CONTROL_WORDS = { generation: GEN, partsDone: DONE } as const;
/** argument words: pointers and sizes as int32 (unsigned bits), carry as float32 */
const ARG = { P: 8, out: 9, n: 10, p: 11, k: 12, src: 13, cf: 14, carry: 15, dLdh: 16, grad: 17, ap: 18, panel: 19, panelBytes: 20, tile: 21 };
export const CMD_DENSE = 0;
export const CMD_SPARSE = 1;
const CMD_EXIT = 2;
const MAX_THREADS = 16;

/**
 * First column of part t of `parts` over p columns: a multiple of 8 (so every thread's vector blocks
 * line up with the single-thread ones), the last part ending at p. Repeated verbatim in WORKER_BODY.
 */
export function partStart(t: number, parts: number, p: number): number {
  return t >= parts ? p : Math.min(p, Math.floor((p * t) / parts / 8) * 8);
}

/** The worker's code, shared by Node (eval) and browsers (a Blob URL); `start` is called with its setup. */
const WORKER_BODY = `
function partStart(t, parts, p) { return t >= parts ? p : Math.min(p, Math.floor((p * t) / parts / 8) * 8); }
function start(bytes, memory, index) {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const dense = inst.exports.dense, sparse = inst.exports.sparse;
  const ctl = new Int32Array(memory.buffer, 0, 64);
  const fctl = new Float32Array(memory.buffer, 0, 64);
  let gen = Atomics.load(ctl, ${GEN});
  Atomics.add(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
  for (;;) {
    // a job is a new generation, not a wake-up: the caller's notify can come after this thread has done the
    // job and is waiting again (the caller paused between bumping the generation and notifying), and a
    // second run of the job would race with the caller's next steps
    let now;
    while ((now = Atomics.load(ctl, ${GEN})) === gen) Atomics.wait(ctl, ${GEN}, gen);
    gen = now;
    const cmd = Atomics.load(ctl, ${CMD});
    if (cmd === ${CMD_EXIT}) break;
    const parts = ctl[${PARTS}];
    if (index >= parts) continue;
    try {
      const p = ctl[${ARG.p}];
      const c0 = partStart(index, parts, p), c1 = partStart(index + 1, parts, p);
      if (cmd === ${CMD_DENSE}) {
        dense(ctl[${ARG.P}], ctl[${ARG.out}], ctl[${ARG.n}], p, ctl[${ARG.ap}], ctl[${ARG.cf}], fctl[${ARG.carry}],
          ctl[${ARG.dLdh}], ctl[${ARG.grad}], (ctl[${ARG.panel}] >>> 0) + index * ctl[${ARG.panelBytes}], c0, c1, ctl[${ARG.tile}]);
      } else {
        sparse(ctl[${ARG.P}], ctl[${ARG.out}], ctl[${ARG.n}], p, ctl[${ARG.k}], ctl[${ARG.src}], ctl[${ARG.cf}], fctl[${ARG.carry}],
          ctl[${ARG.dLdh}], ctl[${ARG.grad}], c0, c1, ctl[${ARG.tile}], (ctl[${ARG.panel}] >>> 0) + index * ctl[${ARG.panelBytes}]);
      }
    } catch (e) {
      // the caller sees only the flag; the message goes to stderr / the console for the one who debugs it
      console.error('WebAssembly transport worker ' + index + ':', e && e.stack ? e.stack : e);
      Atomics.store(ctl, ${ERR}, 1);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;
const NODE_WORKER = `${WORKER_BODY}
const { workerData } = require('node:worker_threads');
start(workerData.bytes, workerData.memory, workerData.index);
`;
const BROWSER_WORKER = `${WORKER_BODY}
self.onmessage = (e) => { self.postMessage('ready'); start(e.data.bytes, e.data.memory, e.data.index); };
`;

interface WorkerHandle {
  terminate(): unknown;
}

interface Pool {
  workers: WorkerHandle[];
  ctl: Int32Array;
  fctl: Float32Array;
}

let pool: Pool | null = null;
let wanted: number | undefined;
let poolReason = '';
let nodeStartTried = false;

type NodeWorkerThreads = {
  Worker: new (code: string, opts: { eval: true; workerData: unknown }) => WorkerHandle & { unref(): void };
};

function nodeBuiltin<T>(name: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule ? ((proc.getBuiltinModule(name) as T) ?? null) : null;
}

/** Cores this machine reports (Node's availableParallelism, a browser's hardwareConcurrency). */
export function hardwareThreads(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** Whether this thread may block in Atomics.wait (Node, Web Workers; not a browser's main thread). */
function canBlock(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Threads the transport should use (default: every core, at most 16); 1 turns threads off. */
export function setWantedThreads(count: number | undefined): void {
  if (count !== undefined && !(Number.isInteger(count) && count >= 1)) throw new RangeError(`threads must be a whole number ≥ 1, got ${count}`);
  wanted = count === undefined ? undefined : Math.min(count, MAX_THREADS);
  nodeStartTried = false;
}

export function wantedThreads(): number {
  return wanted ?? Math.max(1, Math.min(MAX_THREADS, hardwareThreads()));
}

/** Why the pool is smaller than wanted (empty when it is not). */
export function poolUnavailableReason(): string {
  return poolReason;
}

/** Threads in the running pool, the caller's included (1 when there is none). */
export function poolThreads(): number {
  return pool ? pool.workers.length + 1 : 1;
}

function preconditions(rt: WasmRuntime): string {
  if (!rt.shared) return 'no SharedArrayBuffer (a browser page must be cross-origin isolated: COOP/COEP headers)';
  if (!canBlock()) return 'this thread cannot block in Atomics.wait (a browser main thread): run the engine in a Worker';
  return '';
}

function makePool(rt: WasmRuntime, workers: WorkerHandle[]): Pool {
  const buf = rt.memory.buffer;
  return { workers, ctl: new Int32Array(buf, 0, 64), fctl: new Float32Array(buf, 0, 64) };
}

/**
 * Node: start the pool synchronously if it is wanted and not running (called by the transport before a
 * job large enough to share). Does nothing in a browser (see startTransportThreads).
 */
export function ensureNodePool(rt: WasmRuntime): void {
  if (pool || nodeStartTried) return;
  const count = wantedThreads();
  if (count <= 1) return;
  const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads');
  if (!wt) return;
  nodeStartTried = true;
  poolReason = preconditions(rt);
  if (poolReason) return;
  const ctl = new Int32Array(rt.memory.buffer, 0, 64);
  Atomics.store(ctl, READY, 0);
  const workers: (WorkerHandle & { unref(): void })[] = [];
  try {
    for (let i = 1; i < count; i++) {
      const w = new wt.Worker(NODE_WORKER, { eval: true, workerData: { bytes: rt.bytes, memory: rt.memory, index: i } });
      // idle workers wait in Atomics.wait; they must not keep the process alive
      w.unref();
      workers.push(w);
    }
    const deadline = Date.now() + 20_000;
    let ready: number;
    while ((ready = Atomics.load(ctl, READY)) < count - 1) {
      if (Date.now() > deadline) throw new Error(`only ${ready} of ${count - 1} worker threads started within 20 s`);
      Atomics.wait(ctl, READY, ready, 1000);
    }
    pool = makePool(rt, workers);
  } catch (e) {
    for (const w of workers) w.terminate();
    poolReason = `worker threads did not start: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Starts the worker pool (browser or Node) and resolves once every worker is ready; then the
 * synchronous transport uses it. Resolves with the thread count (1 and a reason when it cannot).
 */
export async function startPool(rt: WasmRuntime, count: number): Promise<number> {
  setWantedThreads(count);
  if (pool && pool.workers.length + 1 === count) return count;
  stopPool();
  if (count <= 1) return 1;
  if (nodeBuiltin('node:worker_threads')) {
    nodeStartTried = false;
    ensureNodePool(rt);
    return poolThreads();
  }
  poolReason = preconditions(rt);
  if (poolReason) return 1;
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL === 'undefined') {
    poolReason = 'this context cannot create Web Workers';
    return 1;
  }
  const ctl = new Int32Array(rt.memory.buffer, 0, 64);
  Atomics.store(ctl, READY, 0);
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER], { type: 'text/javascript' }));
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: count - 1 }, (_, i) => {
        const w = new Worker(url);
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.onmessage = () => resolve();
          w.onerror = (e) => reject(new Error(e.message || 'worker error'));
          w.postMessage({ bytes: rt.bytes, memory: rt.memory, index: i + 1 });
        });
      }),
    );
    // 'ready' is posted just before the worker reads the generation; wait for its READY count too
    while (Atomics.load(ctl, READY) < count - 1) await new Promise((r) => setTimeout(r, 1));
    pool = makePool(rt, workers);
    poolReason = '';
  } catch (e) {
    for (const w of workers) w.terminate();
    poolReason = `worker threads did not start: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    URL.revokeObjectURL(url);
  }
  return poolThreads();
}

/** Stops the workers (their pending job, if any, has finished: jobs are synchronous). */
export function stopPool(): void {
  if (!pool) return;
  const { ctl, workers } = pool;
  Atomics.store(ctl, CMD, CMD_EXIT);
  Atomics.add(ctl, GEN, 1);
  Atomics.notify(ctl, GEN);
  for (const w of workers) w.terminate();
  pool = null;
}

export interface JobArgs {
  P: number;
  out: number;
  n: number;
  p: number;
  k: number;
  src: number;
  cf: number;
  carry: number;
  dLdh: number;
  grad: number;
  ap: number;
  panel: number;
  panelBytes: number;
  tile: number;
}

/**
 * Runs one transport over `parts` threads (≤ poolThreads()); `runPart0` computes columns
 * [0, partStart(1)) on the calling thread meanwhile. Throws if a worker's kernel failed.
 */
export function runJob(cmd: number, a: JobArgs, parts: number, runPart0: (c0: number, c1: number) => void): void {
  const pl = pool;
  if (!pl || parts <= 1) {
    runPart0(0, a.p);
    return;
  }
  const { ctl, fctl } = pl;
  ctl[ARG.P] = a.P;
  ctl[ARG.out] = a.out;
  ctl[ARG.n] = a.n;
  ctl[ARG.p] = a.p;
  ctl[ARG.k] = a.k;
  ctl[ARG.src] = a.src;
  ctl[ARG.cf] = a.cf;
  fctl[ARG.carry] = a.carry;
  ctl[ARG.dLdh] = a.dLdh;
  ctl[ARG.grad] = a.grad;
  ctl[ARG.ap] = a.ap;
  ctl[ARG.panel] = a.panel;
  ctl[ARG.panelBytes] = a.panelBytes;
  ctl[ARG.tile] = a.tile;
  ctl[PARTS] = parts;
  Atomics.store(ctl, ERR, 0);
  Atomics.store(ctl, DONE, 0);
  Atomics.store(ctl, CMD, cmd);
  Atomics.add(ctl, GEN, 1);
  Atomics.notify(ctl, GEN);
  runPart0(0, partStart(1, parts, a.p));
  let done: number;
  while ((done = Atomics.load(ctl, DONE)) < parts - 1) Atomics.wait(ctl, DONE, done);
  if (Atomics.load(ctl, ERR) !== 0) throw new Error('the WebAssembly transport failed in a worker thread');
}
