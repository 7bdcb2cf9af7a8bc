/**
 * CPU engine benchmark (a script that prints figures; no thresholds, no assertions).
 *   npm run bench:cpu [-- --quick] [-- --json] [-- --threads N] [-- --rounds R] [-- --tiles]
 * For n = 64, 128, 256 (quick: 64, 128), all in one run so the figures are side by side on whatever
 * load the machine has:
 *   - the transport alone (full RTRL and sparse k = 4, float32) on the TypeScript kernel, the
 *     WebAssembly SIMD kernel on one thread, and on N threads (default: every core);
 *   - one learner step (forward, transport, immediate term, g = cᵀP, Adam) of full RTRL and sparse
 *     k = 4 on each, the WebAssembly ones with P allocated in the kernel's memory (no copies), and
 *     once more on one thread with P in ordinary arrays (copied in and out every step);
 *   - native copy bandwidth: TypedArray.prototype.set of one P (reads and writes n·p floats), the
 *     memory yardstick for the sparse transport, which at best reads P once and writes its successor once;
 *   - when python3 has numpy: W·P (the dense transport as one BLAS call) and a gather-based sparse
 *     update (out = carry·P + Σ_j c_j ⊙ P[src_j]) on the same shapes, in a child process.
 * Ratios printed: WebAssembly full transport / numpy W·P (the target is ≤ 3), copy time / sparse
 * transport time (≥ 0.5: at least half of memory speed), full / sparse transport (≥ 32 at n = 256).
 * TypeScript full RTRL at n = 256 takes seconds: it is timed once.
 *
 * In place (out = P, one buffer): the WebAssembly transports out of place and in place and the native
 * copy are timed side by side in R alternating rounds (default 5; --rounds R), one thread and N threads,
 * and each figure is the median over rounds of each round's median; likewise one RNN learner step with
 * P double-buffered and in place. `--tiles` instead tunes the in-place sparse tile at n = 256 (and 128).
 */
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import { initRnn, recurrentParamCount, RnnModel, type RnnShape } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';
import { allocateSequence } from '../src/engine/tasks/task';
import {
  allocateTransportFloats,
  setTransportBackend,
  setTransportThreads,
  startTransportThreads,
  transport,
  transportBackendInfo,
  type TransportBackend,
} from '../src/engine/transport';
import { allPaths } from '../src/engine/transportMask';
import { setWasmTiles, wasmTiles } from '../src/engine/wasm/wasmTransport';
import { hardwareThreads } from '../src/engine/wasm/workerPool';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const threadArg = args.indexOf('--threads');
const threads = threadArg >= 0 ? Number(args[threadArg + 1]) : Math.max(2, hardwareThreads());
if (!(Number.isInteger(threads) && threads >= 1)) {
  console.error(`--threads must be a whole number ≥ 1, got ${args[threadArg + 1]}`);
  process.exit(2);
}
const roundArg = args.indexOf('--rounds');
const rounds = roundArg >= 0 ? Number(args[roundArg + 1]) : quick ? 3 : 5;
if (!(Number.isInteger(rounds) && rounds >= 1)) {
  console.error(`--rounds must be a whole number ≥ 1, got ${args[roundArg + 1]}`);
  process.exit(2);
}
const tuneTiles = args.includes('--tiles');
const sizes = quick ? [64, 128] : [64, 128, 256];
const K = 4;

/** CPU ms (this process, all threads) of the last timeMs call's median run: robust when the machine is shared. */
let lastCpuMs = NaN;

/**
 * Median of `reps` wall-clock timings of fn after `warmup` calls (so the JIT has optimised it), in
 * ms; lastCpuMs gets the median CPU time of the same runs.
 */
function timeMs(fn: () => void, reps: number, warmup = 2): number {
  for (let w = 0; w < warmup; w++) fn();
  const times: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  lastCpuMs = cpus[Math.floor(cpus.length / 2)];
  return times[Math.floor(times.length / 2)];
}

type Engine = 'typescript' | 'wasm' | 'threads';
const ENGINES: Engine[] = ['typescript', 'wasm', 'threads'];

async function useEngine(e: Engine): Promise<void> {
  const b: TransportBackend = e === 'typescript' ? 'typescript' : 'wasm';
  setTransportBackend(b);
  if (e === 'threads') await startTransportThreads(threads);
  else setTransportThreads(1);
}

/** Repetitions: fewer where one call takes long (TypeScript full RTRL at n = 256 is seconds). */
function reps(n: number, e: Engine, full: boolean): { reps: number; warmup: number } {
  if (full && e === 'typescript') return n >= 256 ? { reps: 1, warmup: 0 } : n >= 128 ? { reps: 2, warmup: 1 } : { reps: 5, warmup: 2 };
  if (full) return n >= 256 ? { reps: quick ? 1 : 3, warmup: 1 } : { reps: quick ? 3 : 5, warmup: 2 };
  return { reps: quick ? 5 : n >= 256 ? 9 : 15, warmup: 3 };
}

/**
 * Times each function in `rounds` rounds, in turn within a round (so load changes hit them alike);
 * per function the median over rounds of each round's median wall and CPU ms (timeMs).
 */
function alternate(fns: Record<string, () => void>, reps: number, warmup: number): Record<string, { ms: number; cpuMs: number }> {
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(fns)) {
      (wall[name] ??= []).push(timeMs(fn, reps, r === 0 ? warmup : 1));
      (cpu[name] ??= []).push(lastCpuMs);
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return Object.fromEntries(Object.keys(fns).map((k) => [k, { ms: med(wall[k]), cpuMs: med(cpu[k]) }]));
}

/**
 * Frees the kernel-memory P of learners no longer used before the next one is built: the heap frees a
 * block when its array is garbage collected (a FinalizationRegistry, whose callbacks run as tasks), and
 * at n = 256 a run's dozens of learners would otherwise fill the 4 GiB memory.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;
async function reclaim(): Promise<void> {
  gc?.();
  await new Promise((r) => setTimeout(r, 0));
}

/** learnerStepMs after reclaim(). */
async function learnerStep(...a: Parameters<typeof learnerStepMs>): Promise<number> {
  await reclaim();
  return learnerStepMs(...a);
}

/** One learner step's median ms on `method`; P as Sensitivity allocates it, or in ordinary arrays, or forced to 1 or 2 buffers. */
function learnerStepMs(n: number, method: LearningMethod, e: Engine, pInKernelMemory = true, pBuffers?: 1 | 2): number {
  const shape: RnnShape = { n, m: 1, o: 1, leak: 1 };
  const learner = new OnlineLearner(new RnnModel(initRnn(shape, new Rng(1))), method, {
    optimizer: { kind: 'adam', lr: 1e-4, clipNorm: 0 },
    selectionRng: new Rng(2),
  });
  const s = learner.sensitivity;
  // Sensitivity keeps a float32 P in the kernel's memory (allocateTransportFloats): no copies per step.
  // pInKernelMemory = false moves P to ordinary arrays, copied in and out of the kernel's memory every step.
  if (s && !pInKernelMemory) {
    const one = s.next === s.current;
    s.current = new Float32Array(s.current.length);
    s.next = one ? s.current : new Float32Array(s.next.length);
  }
  // force one P (updated in place) or two (double-buffered) whatever the estimator chose
  if (s && pBuffers === 1) s.next = s.current;
  if (s && pBuffers === 2 && s.next === s.current) s.next = pInKernelMemory ? allocateTransportFloats(s.current.length) : new Float32Array(s.current.length);
  const { reps: r, warmup } = reps(n, e, method.kind === 'full');
  const steps = r + warmup + 1;
  const seq = allocateSequence(steps, 1, 1);
  const rng = new Rng(3);
  for (let t = 0; t < steps; t++) {
    seq.x[t] = rng.normal();
    seq.y[t] = rng.normal();
  }
  let t = 0;
  return timeMs(() => learner.step(seq, t++), r, warmup);
}

interface NumpyTimes {
  n: number;
  fullMs: number;
  /** CPU time of numpy's process, all BLAS threads */
  fullCpuMs: number;
  sparseMs: number;
  sparseCpuMs: number;
}

/** numpy's W·P and gather-based sparse update on the same shapes, or null when python3/numpy is missing. */
function numpyTimes(): { version: string; threads: string; sizes: NumpyTimes[] } | null {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  if (probe.status !== 0) return null;
  const py = `
import json, sys, time, os
import numpy as np
sizes = json.loads(sys.argv[1]); k = int(sys.argv[2]); quick = sys.argv[3] == '1'
rng = np.random.default_rng(4)
def med(f, reps):
    f()
    ts = []; cs = []
    for _ in range(reps):
        c0 = time.process_time(); t0 = time.perf_counter(); f()
        ts.append((time.perf_counter() - t0) * 1e3); cs.append((time.process_time() - c0) * 1e3)
    ts.sort(); cs.sort(); return ts[len(ts) // 2], cs[len(cs) // 2]
res = []
for n in sizes:
    p = n * (n + 2)
    W = (rng.standard_normal((n, n)) * 0.1).astype(np.float32)
    P = rng.standard_normal((n, p)).astype(np.float32)
    src = np.stack([rng.choice(n, k, replace=False) for _ in range(n)]).astype(np.int64)
    C = (rng.standard_normal((n, k)) * 0.1).astype(np.float32)
    def sparse():
        out = 0.5 * P
        for j in range(k):
            out += C[:, j, None] * P[src[:, j]]
        return out
    full_reps = 3 if n >= 256 else 5
    f, fc = med(lambda: W @ P, 1 if quick else full_reps)
    sp, sc = med(sparse, 3 if quick else 5)
    res.append({'n': n, 'fullMs': f, 'fullCpuMs': fc, 'sparseMs': sp, 'sparseCpuMs': sc})
blas = ''
try:
    cfg = np.show_config(mode='dicts')
    blas = cfg.get('Build Dependencies', {}).get('blas', {}).get('name', '')
except Exception:
    pass
print(json.dumps({'version': np.__version__ + (' (' + blas + ')' if blas else ''), 'threads': os.environ.get('OPENBLAS_NUM_THREADS', 'default'), 'sizes': res}))
`;
  const r = spawnSync('python3', ['-c', py, JSON.stringify(sizes), String(K), quick ? '1' : '0'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    console.error(`numpy benchmark failed: ${r.stderr.trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(r.stdout);
}

interface SizeResult {
  n: number;
  p: number;
  copy: { ms: number; cpuMs: number; GBps: number };
  transportMs: { full: Record<Engine, number>; sparse4: Record<Engine, number> };
  /** CPU time of the same runs (all threads of this process) */
  transportCpuMs: { full: Record<Engine, number>; sparse4: Record<Engine, number> };
  stepMs: { full: Record<Engine, number>; sparse4: Record<Engine, number> };
  /** WebAssembly on one thread with P in ordinary arrays (copied in and out every step) */
  stepCopiesMs: { full: number; sparse4: number };
  numpyMs?: { full: number; sparse4: number };
  numpyCpuMs?: { full: number; sparse4: number };
  /**
   * Side by side in alternating rounds (medians over rounds), WebAssembly on 1 thread and on N: the
   * copy, the transports out of place and in place (out = P), and one RNN learner step (1 thread)
   * with P double-buffered and in place.
   */
  inPlace: {
    rounds: number;
    tile: number;
    threads1: Record<'copy' | 'sparseOut' | 'sparseInPlace' | 'fullOut' | 'fullInPlace', { ms: number; cpuMs: number }>;
    threadsN: Record<'copy' | 'sparseOut' | 'sparseInPlace' | 'fullOut' | 'fullInPlace', { ms: number; cpuMs: number }>;
    step: Record<'sparseTwoP' | 'sparseOneP' | 'fullTwoP' | 'fullOneP', { ms: number; cpuMs: number }>;
  };
  ratios: Record<string, number>;
}

const log = (s: string) => {
  if (!json) console.log(s);
};
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

async function main(): Promise<void> {
  const info0 = transportBackendInfo();
  log(
    `CPU engine benchmark, Node ${process.version}, ${quick ? 'quick' : 'full'} run, medians; threads = ${threads}; kernel ${info0.kernel}${info0.reason ? ` (${info0.reason})` : ''}`,
  );
  // numpy first, in its own process, so its BLAS threads do not overlap ours
  const numpy = numpyTimes();
  if (!numpy) log('numpy: python3 with numpy not found; numpy columns skipped');

  const results: SizeResult[] = [];
  for (const n of sizes) {
    await reclaim();
    const shape: RnnShape = { n, m: 1, o: 1, leak: 1 };
    const p = recurrentParamCount(shape);
    const rng = new Rng(4);
    const P = allocateTransportFloats(n * p);
    for (let i = 0; i < P.length; i++) P[i] = rng.normal();
    const out = allocateTransportFloats(n * p);
    const dLdh = new Float32Array(n).map(() => rng.normal());
    const grad = new Float32Array(p);
    const full = allPaths(n);
    const fullCoeffs = new Float32Array(n * n).map(() => rng.normal() * 0.1);
    const sources = new Int32Array(n * K);
    for (let i = 0; i < n; i++) rng.sampleDistinct(n, K, sources, i * K);
    const coeffs = new Float32Array(n * K).map(() => rng.normal() * 0.1);

    // native copy of one P: n·p floats read and written
    const dst = new Float32Array(n * p);
    const copyMs = timeMs(() => dst.set(P), 9, 2);
    const copyCpuMs = lastCpuMs;

    const transportMs = { full: {} as Record<Engine, number>, sparse4: {} as Record<Engine, number> };
    const transportCpuMs = { full: {} as Record<Engine, number>, sparse4: {} as Record<Engine, number> };
    const stepMs = { full: {} as Record<Engine, number>, sparse4: {} as Record<Engine, number> };
    const stepCopiesMs = { full: NaN, sparse4: NaN };
    for (const e of ENGINES) {
      await useEngine(e);
      const rf = reps(n, e, true);
      transportMs.full[e] = timeMs(() => transport(P, out, n, p, n, full, fullCoeffs, 0.5, dLdh, grad), rf.reps, rf.warmup);
      transportCpuMs.full[e] = lastCpuMs;
      const rs = reps(n, e, false);
      transportMs.sparse4[e] = timeMs(() => transport(P, out, n, p, K, sources, coeffs, 0.5, dLdh, grad), rs.reps, rs.warmup);
      transportCpuMs.sparse4[e] = lastCpuMs;
      stepMs.full[e] = await learnerStep(n, { kind: 'full' }, e);
      stepMs.sparse4[e] = await learnerStep(n, { kind: 'sparse', k: K, strategy: 'random', refreshEvery: 0, rescale: false }, e);
      if (e === 'wasm') {
        // P in ordinary arrays, copied into the kernel's memory and back each step
        stepCopiesMs.full = await learnerStep(n, { kind: 'full' }, e, false);
        stepCopiesMs.sparse4 = await learnerStep(n, { kind: 'sparse', k: K, strategy: 'random', refreshEvery: 0, rescale: false }, e, false);
      }
    }
    // In place against out of place and the copy, alternating (the machine may be shared)
    const sparseK4: LearningMethod = { kind: 'sparse', k: K, strategy: 'random', refreshEvery: 0, rescale: false };
    const side = async (e: 'wasm' | 'threads') => {
      await useEngine(e);
      const sp = alternate(
        {
          copy: () => dst.set(P),
          sparseOut: () => transport(P, out, n, p, K, sources, coeffs, 0.5, dLdh, grad),
          sparseInPlace: () => transport(P, P, n, p, K, sources, coeffs, 0.5, dLdh, grad),
        },
        quick ? 3 : 5,
        2,
      );
      const rf = reps(n, e, true);
      const fu = alternate(
        {
          fullOut: () => transport(P, out, n, p, n, full, fullCoeffs, 0.5, dLdh, grad),
          fullInPlace: () => transport(P, P, n, p, n, full, fullCoeffs, 0.5, dLdh, grad),
        },
        n >= 256 ? 1 : rf.reps,
        1,
      );
      return { ...sp, ...fu } as SizeResult['inPlace']['threads1'];
    };
    // the in-place calls above replace P by its transports (sparse ones shrink it by about half each):
    // refill it, so that no later run meets subnormal floats
    const refill = () => {
      for (let i = 0; i < P.length; i++) P[i] = rng.normal();
    };
    const threads1 = await side('wasm');
    refill();
    const threadsN = await side('threads');
    refill();
    await useEngine('wasm');
    // each learnerStep builds its own learner; the two and one-P learners take turns, round by round
    const stepRuns: Record<string, { ms: number[]; cpu: number[] }> = {};
    const stepCases = [
      ['sparseTwoP', sparseK4, 2],
      ['sparseOneP', sparseK4, 1],
      ['fullTwoP', { kind: 'full' }, 2],
      ['fullOneP', { kind: 'full' }, 1],
    ] as const;
    for (let r = 0; r < rounds; r++) {
      for (const [name, method, buffers] of stepCases) {
        if (method.kind === 'full' && n >= 256 && r >= 2) continue; // about a second per step there
        const run = (stepRuns[name] ??= { ms: [], cpu: [] });
        run.ms.push(await learnerStep(n, method, 'wasm', true, buffers));
        run.cpu.push(lastCpuMs);
      }
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const step: Record<string, { ms: number; cpuMs: number }> = {};
    for (const [name] of stepCases) step[name] = { ms: med(stepRuns[name].ms), cpuMs: med(stepRuns[name].cpu) };
    const inPlace: SizeResult['inPlace'] = { rounds, tile: wasmTiles().sparseInPlace, threads1, threadsN, step: step as SizeResult['inPlace']['step'] };

    const np = numpy?.sizes.find((s) => s.n === n);
    const best = (r: Record<Engine, number>) => Math.min(r.wasm, r.threads);
    const ratios: Record<string, number> = {
      fullTransportTsOverWasm: transportMs.full.typescript / transportMs.full.wasm,
      fullTransportWasmOverThreads: transportMs.full.wasm / transportMs.full.threads,
      sparseTransportTsOverWasm: transportMs.sparse4.typescript / transportMs.sparse4.wasm,
      copyOverSparseTransport: copyMs / best(transportMs.sparse4),
      copyOverSparseTransportCpu: copyCpuMs / transportCpuMs.sparse4.wasm,
      fullOverSparseTransportCpu: transportCpuMs.full.wasm / transportCpuMs.sparse4.wasm,
      fullOverSparseTransport: best(transportMs.full) / best(transportMs.sparse4),
      fullStepTsOverBest: stepMs.full.typescript / best(stepMs.full),
      // side by side (alternating rounds), one thread, CPU time
      copyOverSparseOutCpuAlt: threads1.copy.cpuMs / threads1.sparseOut.cpuMs,
      copyOverSparseInPlaceCpuAlt: threads1.copy.cpuMs / threads1.sparseInPlace.cpuMs,
      fullOverSparseOutCpuAlt: threads1.fullOut.cpuMs / threads1.sparseOut.cpuMs,
      fullInPlaceOverSparseInPlaceCpuAlt: threads1.fullInPlace.cpuMs / threads1.sparseInPlace.cpuMs,
      sparseOutOverInPlaceCpuAlt: threads1.sparseOut.cpuMs / threads1.sparseInPlace.cpuMs,
      sparseOutOverInPlaceWallThreads: threadsN.sparseOut.ms / threadsN.sparseInPlace.ms,
      sparseStepTsOverBest: stepMs.sparse4.typescript / best(stepMs.sparse4),
    };
    if (np) {
      ratios.fullTransportWasmOverNumpy = transportMs.full.wasm / np.fullMs;
      ratios.fullTransportThreadsOverNumpy = transportMs.full.threads / np.fullMs;
      ratios.sparseTransportBestOverNumpy = best(transportMs.sparse4) / np.sparseMs;
      // CPU-seconds per transport, ours on one thread against numpy's on all its BLAS threads
      ratios.fullTransportWasmOverNumpyCpu = transportCpuMs.full.wasm / np.fullCpuMs;
    }
    results.push({
      n,
      p,
      copy: { ms: copyMs, cpuMs: copyCpuMs, GBps: (2 * n * p * 4) / (copyMs * 1e-3) / 1e9 },
      transportMs,
      transportCpuMs,
      stepMs,
      stepCopiesMs,
      numpyMs: np ? { full: np.fullMs, sparse4: np.sparseMs } : undefined,
      numpyCpuMs: np ? { full: np.fullCpuMs, sparse4: np.sparseCpuMs } : undefined,
      inPlace,
      ratios,
    });
  }

  if (json) {
    console.log(
      JSON.stringify(
        {
          node: process.version,
          quick,
          threads,
          k: K,
          numpy: numpy ? { version: numpy.version, threads: numpy.threads } : null,
          backend: transportBackendInfo(),
          sizes: results,
        },
        null,
        1,
      ),
    );
    return;
  }
  log('');
  // one row per size and kind: the three engines' times, then a last column of its own
  const timingRows = (times: (r: SizeResult) => SizeResult['transportMs'], last: (r: SizeResult, kind: 'full' | 'sparse4') => number, lastWidth: number) => {
    for (const r of results) {
      for (const kind of ['full', 'sparse4'] as const) {
        const t = times(r)[kind];
        log(
          `  n=${String(r.n).padEnd(3)} ${kind === 'full' ? 'full     ' : `sparse k=${K}`}            ${fmt(t.typescript, 1).padStart(10)}   ${fmt(t.wasm).padStart(13)}   ${fmt(t.threads).padStart(12)}   ${fmt(last(r, kind)).padStart(lastWidth)}`,
        );
      }
    }
  };
  log('transport ms (float32; full = k = n)   TypeScript    WASM 1 thread   WASM threads   numpy');
  timingRows(
    (r) => r.transportMs,
    (r, kind) => (r.numpyMs ? r.numpyMs[kind] : NaN),
    7,
  );
  log('');
  log('transport CPU ms (all threads)          TypeScript    WASM 1 thread   WASM threads   numpy');
  timingRows(
    (r) => r.transportCpuMs,
    (r, kind) => (r.numpyCpuMs ? r.numpyCpuMs[kind] : NaN),
    7,
  );
  log('');
  log('learner step ms                         TypeScript    WASM 1 thread   WASM threads   WASM, P copied');
  timingRows(
    (r) => r.stepMs,
    (r, kind) => r.stepCopiesMs[kind],
    14,
  );
  log('');
  log('  n    copy GB/s   WASM/numpy W·P (1 thr, thr; CPU)   copy/sparse (wall; CPU)   full/sparse (wall; CPU)   step TS/WASM (full, sparse)');
  for (const r of results) {
    const q = r.ratios;
    log(
      `  ${String(r.n).padEnd(4)} ${fmt(r.copy.GBps).padStart(9)}   ${`${fmt(q.fullTransportWasmOverNumpy ?? NaN)}, ${fmt(q.fullTransportThreadsOverNumpy ?? NaN)}; ${fmt(q.fullTransportWasmOverNumpyCpu ?? NaN)}`.padStart(32)}   ${`${fmt(q.copyOverSparseTransport)}; ${fmt(q.copyOverSparseTransportCpu)}`.padStart(23)}   ${`${fmt(q.fullOverSparseTransport, 1)}; ${fmt(q.fullOverSparseTransportCpu, 1)}`.padStart(23)}   ${`${fmt(q.fullStepTsOverBest, 1)}, ${fmt(q.sparseStepTsOverBest, 1)}`.padStart(27)}`,
    );
  }
  log('');
  log(`in place (out = P) vs out of place vs copy, side by side: medians of ${rounds} alternating rounds, ms wall / CPU`);
  log(
    '  n    threads   copy           sparse out     sparse in place   full out          full in place     copy/sparse CPU (out, in pl.)   full/sparse CPU (out, in pl.)',
  );
  const wc = (x: { ms: number; cpuMs: number }) => `${fmt(x.ms)} / ${fmt(x.cpuMs)}`;
  for (const r of results) {
    for (const [label, t] of [
      ['1', r.inPlace.threads1],
      [String(threads), r.inPlace.threadsN],
    ] as const) {
      log(
        `  ${String(r.n).padEnd(4)} ${label.padStart(7)}   ${wc(t.copy).padEnd(14)} ${wc(t.sparseOut).padEnd(14)} ${wc(t.sparseInPlace).padEnd(17)} ${wc(t.fullOut).padEnd(17)} ${wc(t.fullInPlace).padEnd(17)} ${`${fmt(t.copy.cpuMs / t.sparseOut.cpuMs)}, ${fmt(t.copy.cpuMs / t.sparseInPlace.cpuMs)}`.padStart(29)}   ${`${fmt(t.fullOut.cpuMs / t.sparseOut.cpuMs, 1)}, ${fmt(t.fullInPlace.cpuMs / t.sparseInPlace.cpuMs, 1)}`.padStart(29)}`,
      );
    }
  }
  log('RNN learner step, WASM 1 thread, ms wall / CPU: P double-buffered vs one P in place');
  for (const r of results) {
    const s = r.inPlace.step;
    log(`  n=${String(r.n).padEnd(4)} sparse k=${K}: ${wc(s.sparseTwoP)} vs ${wc(s.sparseOneP)}    full: ${wc(s.fullTwoP)} vs ${wc(s.fullOneP)}`);
  }
  log('');
  log('copy/sparse time = (one TypedArray.set of P) / (sparse transport): 1 would be memory speed, since the');
  log('sparse transport at best reads P once and writes its successor once. WASM columns use the faster of');
  log(`1 and ${threads} threads. The machine may be shared: compare within a run, not across runs; CPU`);
  log('ratios (process CPU time: ours on one thread, numpy on all its BLAS threads) ignore time spent descheduled.');
  if (numpy) log(`numpy ${numpy.version}, BLAS threads: ${numpy.threads}`);
}

/** --tiles: CPU ms of the in-place sparse k = 4 transport per tile width, alternating with out of place and the copy. */
function tuneInPlaceTile(): void {
  setTransportBackend('wasm');
  setTransportThreads(1);
  const saved = wasmTiles();
  const tiles = [256, 512, 1024, 2048, 4096];
  for (const n of quick ? [128] : [128, 256]) {
    const p = n * (n + 2);
    const rng = new Rng(4);
    const P = allocateTransportFloats(n * p);
    for (let i = 0; i < P.length; i++) P[i] = rng.normal();
    const out = allocateTransportFloats(n * p);
    const dst = new Float32Array(n * p);
    const dLdh = new Float32Array(n).map(() => rng.normal());
    const grad = new Float32Array(p);
    const sources = new Int32Array(n * K);
    for (let i = 0; i < n; i++) rng.sampleDistinct(n, K, sources, i * K);
    // |Σ_j c_j P_j| keeps P's scale (variance 4 · 0.25 = 1): repeated in-place calls stay clear of subnormals
    const coeffs = new Float32Array(n * K).map(() => rng.normal() * 0.5);
    const fns: Record<string, () => void> = {
      copy: () => dst.set(P),
      [`out of place, tile ${saved.sparse}`]: () => {
        setWasmTiles(saved.dense, saved.sparse, saved.sparseInPlace);
        transport(P, out, n, p, K, sources, coeffs, 0, dLdh, grad);
      },
    };
    for (const t of tiles) {
      fns[`in place, tile ${t}`] = () => {
        setWasmTiles(saved.dense, saved.sparse, t);
        transport(P, P, n, p, K, sources, coeffs, 0, dLdh, grad);
      };
    }
    const res = alternate(fns, 5, 2);
    log(`n = ${n}, sparse k = ${K}, one thread: medians of ${rounds} alternating rounds`);
    for (const [name, r] of Object.entries(res))
      log(`  ${name.padEnd(24)} ${fmt(r.ms).padStart(8)} ms   ${fmt(r.cpuMs).padStart(8)} CPU ms   copy/this CPU ${fmt(res.copy.cpuMs / r.cpuMs)}`);
    if (json) console.log(JSON.stringify({ n, k: K, rounds, tiles: res }));
  }
  setWasmTiles(saved.dense, saved.sparse, saved.sparseInPlace);
}

if (tuneTiles) tuneInPlaceTile();
else await main();
