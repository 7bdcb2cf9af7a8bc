/**
 * WebGPU engine benchmark (a script that prints figures; no thresholds, no assertions).
 *   npm run bench:gpu [-- --quick] [-- --json] [-- --out FILE] [-- --budget-gib G] [-- --p-storage f32|f16]
 * On whatever adapter Dawn finds (on a GPU-less machine: SwiftShader, a CPU rasteriser: its numbers say
 * the code runs, they are NOT speed claims). For n = 64, 128, 256, 512 (--quick: 32), skipping a size
 * that does not fit the adapter (the memory planner says why):
 *   - one arm at a time (k = 0, k = 4, k = n sparse, full RTRL): wall ms per whole step (forward,
 *     transport with the immediate term, gradients, clipped Adam; losses read back every 10 steps) and
 *     steps/s, and each kernel's GPU time (timestamp queries where the adapter has them, with Dawn's
 *     timestamp rounding turned off); per entry `dispatchesPerStep`, `bytesOverFloor` (bytes moved per step
 *     by the kernels' own counts, KernelSpec.cost, over the floor: every P read once and written once, and
 *     for a lane without a P its own state read once and its update written once, as its kernels define) and
 *     `flopFractionOfPeak` (null unless the adapter's FP32 peak is known or given by --peak-tflops);
 *   - a batch of those arms × seeds advancing in the same dispatches: lane-steps/s;
 *   - the sparse and dense transport kernels' bytes/s and FLOP/s beside a plain copy kernel's bytes/s
 *     and a plain tiled matmul kernel's FLOP/s on the same adapter, in the same run (the ratios are the
 *     figures that carry over between adapters);
 *   - the LSTM's lanes (GpuBatch with the LSTM's record: full RTRL and sparse k = 4, one arm and a batch) at n = 64, 128, 256
 *     (--quick: 8), and the baselines' lanes (UORO, KF-RTRL, SnAp-1, TBPTT(20), one arm each and a
 *     batch) at n = 64, 128, 256 (--quick: 16): steps/s, each kernel's GPU time and the same cost fields;
 *   - the CPU engine's ms per learner step, and TensorFlow.js's WebGPU backend doing the same sparse
 *     (gather, scale, sum) and dense (matMul) P updates on the same adapter.
 * Every timed entry says which hardware target applies to it (`target`: the threshold, the value, `met`) or
 * that none does (the steps/s targets are per lane kind, one lane alone; batches have none); `targets` at the top lists them all, so a run's figures can be quoted
 * as they stand. --time-budget-s S: the run skips (and names, under `skippedForTime`) whatever would not
 * finish within S seconds, estimated from the measurements so far; the RNN's sizes come first, then the
 * LSTM, the baselines, the CPU engine and TF.js.
 * --json prints one JSON document on stdout (the human-readable lines go to stderr); --out also writes it
 * to FILE, after each size (with "complete": false until the end), so a run cut short keeps what it measured. Steps per measurement adapt to the adapter's speed, so a software adapter finishes in minutes.
 */
import { writeFileSync } from 'node:fs';
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import { initLstm, lstmParamCount } from '../src/engine/models/lstm';
import { initRnn, recurrentParamCount, RnnModel, type RnnShape } from '../src/engine/models/rnn';
import { pStorageSetting, type PStorage } from '../src/engine/precision';
import { Rng } from '../src/engine/rng';
import { allocateSequence, type Sequence } from '../src/engine/tasks/task';
import { selectPaths } from '../src/engine/transportMask';
import { createContext, GpuBatch, type GpuContext, type LaneSpec } from '../src/gpu/batch';
import { acquireDevice } from '../src/gpu/device';
import { GpuError } from '../src/gpu/errors';
import { WG } from '../src/gpu/layout';
import { planMemory } from '../src/gpu/memoryPlan';
import { nodeGpu } from '../src/gpu/nodeGpu';
import { chooseDenseRoute, chooseSparseTransport, type SparsePreference, type SparseRoute } from '../src/gpu/sparseVariant';
import type { BatchTimings } from '../src/gpu/timing';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const outFile = argValue('--out');
// how the RNN's P is stored between steps (BatchOptions.pStorage); default the engine's setting, SPARSE_RTRL_P_STORAGE
const pStorageArg = argValue('--p-storage');
if (pStorageArg !== undefined && pStorageArg !== 'f32' && pStorageArg !== 'f16') {
  console.error(`bench:gpu: --p-storage must be f32 or f16, got ${pStorageArg}`);
  process.exit(2);
}
const pStorage: PStorage = pStorageArg ?? pStorageSetting();
const budgetGiB = Number(argValue('--budget-gib') ?? 4);
if (!(budgetGiB > 0)) {
  console.error('bench:gpu: --budget-gib must be a positive number of GiB');
  process.exit(2);
}
const timeBudgetS = argValue('--time-budget-s') === undefined ? Infinity : Number(argValue('--time-budget-s'));
if (!(timeBudgetS > 0)) {
  console.error('bench:gpu: --time-budget-s must be a positive number of seconds');
  process.exit(2);
}
// --quick: one small size that runs in CI time on a software adapter (the path, not the speed)
const SIZES = quick ? [32] : [64, 128, 256, 512];
/** the LSTM's and the baselines' sizes (up to n = 256) */
const LSTM_SIZES = quick ? [8] : [64, 128, 256];
const BASELINE_SIZES = quick ? [16] : [64, 128, 256];
const TBPTT_WINDOW = 20;
const SEEDS = quick ? 2 : 3;
/** wall milliseconds one measurement aims at (steps adapt to the adapter) */
const TARGET_MS = quick ? 250 : 1000;
/** steps per measurement at most (a fast adapter reaches this before the time target) */
const MAX_STEPS = quick ? 12 : 500;
const optimizer = { kind: 'adam' as const, lr: 1e-4, clipNorm: 0 };
const LEAK = 0.3;

/** Human-readable lines: stdout, or stderr when stdout carries the JSON. */
const started = performance.now();
const say = (line = '') => {
  const at = line ? `[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ` : '';
  if (json) console.error(at + line);
  else console.log(at + line);
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function randomStream(steps: number, seed: number): Sequence {
  const seq = allocateSequence(steps, 1, 1);
  const r = new Rng(seed);
  for (let t = 0; t < steps; t++) {
    seq.x[t] = r.normal();
    seq.y[t] = r.normal();
  }
  return seq;
}

interface Arm {
  label: string;
  method: LearningMethod;
}
const armsFor = (n: number): Arm[] => [
  { label: 'k=0', method: { kind: 'sparse', k: 0, strategy: 'random', refreshEvery: 0, rescale: false } },
  { label: 'k=4', method: { kind: 'sparse', k: 4, strategy: 'random', refreshEvery: 0, rescale: false } },
  { label: 'k=n', method: { kind: 'sparse', k: n, strategy: 'random', refreshEvery: 0, rescale: false } },
  { label: 'full', method: { kind: 'full' } },
];

function lane(shape: RnnShape, method: LearningMethod, stream: number): LaneSpec {
  const params = initRnn(shape, new Rng(1));
  let sources: Int32Array | undefined;
  if (method.kind === 'sparse') {
    sources = new Int32Array(shape.n * method.k);
    selectPaths('random', params.theta, shape.n, method.k, new Rng(2), sources);
  }
  // UORO's and KF-RTRL's random signs come from the lane's own noise stream, as on the CPU
  return { method, params, sources, stream, noiseRng: new Rng(100 + stream) };
}

/** An LSTM lane: weights from one seed, a random selection for sparse lanes. */
function lstmLane(shape: RnnShape, method: LearningMethod, stream: number): LaneSpec {
  const params = initLstm({ n: shape.n, m: shape.m, o: shape.o }, new Rng(1));
  let sources: Int32Array | undefined;
  if (method.kind === 'sparse') {
    sources = new Int32Array(shape.n * method.k);
    // 'random' ignores the weights it is given
    selectPaths('random', params.theta, shape.n, method.k, new Rng(2), sources);
  }
  return { method, params, sources, stream };
}

interface StepRun {
  wallMsPerStep: number;
  steps: number;
  timings: BatchTimings;
  dispatchesPerStep: number;
  cost: ReturnType<GpuBatch['costPerStep']>;
}

/**
 * Wall ms of every measurement so far (batch creation included). The time budget's estimate of `count` more
 * is the slowest of the last four times count: sizes grow as the run goes on, so a mean would under-estimate.
 */
const measureMs: number[] = [];
const estimateMs = (count: number) => count * (measureMs.length ? Math.max(...measureMs.slice(-4)) : TARGET_MS * 1.5 + 500);

/** Whole steps of a batch: one warm-up step, then as many as fit the time target. */
async function timeBatch(make: (seqs: Sequence[]) => Promise<GpuBatch>, streams: number): Promise<StepRun> {
  const begun = performance.now();
  const seqs = Array.from({ length: streams }, (_, s) => randomStream(MAX_STEPS + 1, 10 + s));
  const batch = await make(seqs);
  try {
    let t0 = performance.now();
    await batch.advance(1);
    const warm = performance.now() - t0;
    const steps = Math.max(2, Math.min(MAX_STEPS, Math.floor(TARGET_MS / Math.max(warm, 1e-3))));
    t0 = performance.now();
    await batch.advance(steps);
    return {
      wallMsPerStep: (performance.now() - t0) / steps,
      steps,
      timings: batch.timings(),
      dispatchesPerStep: batch.dispatchesPerStep,
      cost: batch.costPerStep(),
    };
  } finally {
    batch.destroy();
    measureMs.push(performance.now() - begun);
  }
}

async function runSteps(
  ctx: GpuContext,
  shape: RnnShape,
  lanes: LaneSpec[],
  streams: number,
  sparseKernel: SparsePreference = 'auto',
  sparseRoute: SparseRoute = 'auto',
): Promise<StepRun> {
  return timeBatch(
    (seqs) => GpuBatch.create(ctx, shape, seqs, lanes, { optimizer, readbackEvery: 10, label: 'bench', sparseKernel, sparseRoute, pStorage }),
    streams,
  );
}

async function runLstmSteps(ctx: GpuContext, shape: RnnShape, lanes: LaneSpec[], streams: number): Promise<StepRun> {
  return timeBatch(
    (seqs) => GpuBatch.create(ctx, { n: shape.n, m: shape.m, o: shape.o }, seqs, lanes, { model: 'lstm', optimizer, readbackEvery: 10, label: 'bench lstm' }),
    streams,
  );
}

/**
 * The targets for an H100/H200-class GPU. The steps/s targets are per lane kind for one lane alone (a
 * batch's lanes share its steps; batches are reported beside them, with no target).
 */
const TARGETS = {
  fullSteps: { id: 'full-n256-steps', text: 'n = 256 full RTRL >= 2,000 steps/s, one lane (RNN)', threshold: 2000, unit: 'steps/s' },
  sparseSteps: { id: 'sparse-k4-n256-steps', text: 'n = 256 sparse k = 4 >= 10,000 steps/s, one lane (RNN)', threshold: 10000, unit: 'steps/s' },
  sparseBytes: { id: 'sparse-vs-copy-bytes', text: "sparse kernel >= 0.8 of the copy kernel's bytes/s", threshold: 0.8, unit: 'ratio' },
  denseFlops: { id: 'dense-vs-matmul-flops', text: "dense kernel >= 50 % of the plain matmul's FLOP/s", threshold: 0.5, unit: 'ratio' },
} as const;
type TargetKey = keyof typeof TARGETS;
interface TargetRow {
  where: string;
  value: number | null;
  met: boolean | null;
}
const targetRows: Record<TargetKey, TargetRow[]> = { fullSteps: [], sparseSteps: [], sparseBytes: [], denseFlops: [] };
let hardwareAdapter = false;

/** An entry's `target` field: the target that applies, its value here and whether it was met (null: no value). */
function target(key: TargetKey, where: string, value: number | null | undefined): Record<string, unknown> {
  const t = TARGETS[key];
  const v = value === undefined || value === null || !Number.isFinite(value) ? null : value;
  const met = v === null ? null : v >= t.threshold;
  targetRows[key].push({ where, value: v, met });
  return {
    id: t.id,
    text: t.text,
    threshold: t.threshold,
    unit: t.unit,
    value: v,
    met,
    ...(hardwareAdapter ? {} : { note: 'software adapter: not a hardware figure' }),
  };
}
const noTarget = (why: string) => ({ none: why });

/** GPU ms of one dispatch, median of `reps`: timestamp queries where available, else submit-to-done. */
async function timeDispatch(ctx: GpuContext, pipeline: GPUComputePipeline, group: GPUBindGroup, dims: [number, number, number], reps: number): Promise<number> {
  const { device } = ctx;
  const stamps = device.features.has('timestamp-query');
  const qs = stamps ? device.createQuerySet({ type: 'timestamp', count: 2 * reps }) : null;
  const resolve = stamps ? device.createBuffer({ size: 16 * reps, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  const read = stamps ? device.createBuffer({ size: 16 * reps, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
  const once = async (i: number | null) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass(
      qs && i !== null ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } } : {},
    );
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(...dims);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await once(null);
  const wall: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await once(i);
    wall.push(performance.now() - t0);
  }
  if (!qs || !resolve || !read) return median(wall);
  const enc = device.createCommandEncoder();
  enc.resolveQuerySet(qs, 0, 2 * reps, resolve, 0);
  enc.copyBufferToBuffer(resolve, 0, read, 0, 16 * reps);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const ts = new BigUint64Array(read.getMappedRange().slice(0));
  read.unmap();
  [qs, resolve, read].forEach((x) => x.destroy());
  return median(Array.from({ length: reps }, (_, i) => Number(ts[2 * i + 1] - ts[2 * i]) / 1e6));
}

/** The plain copy of one P (n × p floats) and the plain tiled matmul of the dense transport's shape. */
async function references(ctx: GpuContext, n: number, p: number, reps: number): Promise<{ copyMs: number; matmulMs: number }> {
  const { device, kernels } = ctx;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const count = n * p;
  const src = device.createBuffer({ label: 'bench copy src', size: count * 4, usage });
  const dst = device.createBuffer({ label: 'bench copy dst', size: count * 4, usage });
  const lhs = device.createBuffer({ label: 'bench matmul lhs', size: n * n * 4, usage });
  try {
    const copy = await kernels.pipeline('copy', { WG, COUNT: count });
    const blocks = Math.ceil(count / (WG * 4));
    const wx = Math.min(65535, blocks);
    const copyMs = await timeDispatch(ctx, copy, kernels.bindGroup('copy', copy, { src, dst }), [wx, Math.ceil(blocks / wx), 1], reps);
    // m = 1 makes the preamble's NP = n² + 2n = p, the columns of P
    const matmul = await kernels.pipeline('matmul', { N: n, M: 1, O: 1 });
    const matmulMs = await timeDispatch(
      ctx,
      matmul,
      kernels.bindGroup('matmul', matmul, { lhs, rhs: src, out: dst }),
      [Math.ceil(p / 64), Math.ceil(n / 64), 1],
      reps,
    );
    return { copyMs, matmulMs };
  } finally {
    [src, dst, lhs].forEach((b) => b.destroy());
  }
}

/** The CPU engine's transport FLOPs per step (2knp), and the most it is given (more would take minutes). */
function cpuFlops(shape: RnnShape, arm: Arm): number {
  const k = arm.method.kind === 'full' ? shape.n : arm.method.kind === 'sparse' ? arm.method.k : 0;
  return 2 * k * shape.n * recurrentParamCount(shape);
}
const CPU_FLOP_CAP = quick ? 2e8 : 2e10;

/** CPU engine ms per learner step, or why it was skipped. */
function cpuStepMs(shape: RnnShape, arm: Arm): { msPerStep: number; steps: number } | { skipped: string } {
  const flops = cpuFlops(shape, arm);
  if (flops > CPU_FLOP_CAP) return { skipped: `about ${(flops / 1e9).toFixed(0)} GFLOP per step: minutes on the CPU` };
  const learner = new OnlineLearner(new RnnModel(initRnn(shape, new Rng(1))), arm.method, { optimizer, selectionRng: new Rng(2) });
  const seq = randomStream(MAX_STEPS + 2, 3);
  let t0 = performance.now();
  learner.step(seq, 0);
  const warm = performance.now() - t0;
  // a step of a second or more: the first is the measurement (compilation is a small part of it by then)
  if (warm >= TARGET_MS) return { msPerStep: warm, steps: 1 };
  const steps = Math.max(1, Math.min(MAX_STEPS, Math.floor(TARGET_MS / Math.max(warm, 1e-3))));
  const times: number[] = [];
  for (let t = 1; t <= steps; t++) {
    t0 = performance.now();
    learner.step(seq, t);
    times.push(performance.now() - t0);
  }
  return { msPerStep: median(times), steps };
}

interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tidy<T>(fn: () => T): T;
  tensor2d(values: Float32Array | Int32Array, shape: [number, number], dtype?: string): TfTensor;
  tensor1d(values: Int32Array, dtype: string): TfTensor;
  gather(x: TfTensor, indices: TfTensor): TfTensor;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
  add(a: TfTensor, b: TfTensor): TfTensor;
  mul(a: TfTensor, b: TfTensor | number): TfTensor;
  sum(x: TfTensor, axis: number): TfTensor;
  slice(x: TfTensor, begin: number[], size: number[]): TfTensor;
  reshape(x: TfTensor, shape: number[]): TfTensor;
}
interface TfTensor {
  data(): Promise<Float32Array>;
  dispose(): void;
}

/** TensorFlow.js's WebGPU backend on the same Dawn adapter, or why it could not start. */
async function loadTfjs(gpu: GPU): Promise<Tf | string> {
  try {
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    const tf = (await import('@tensorflow/tfjs-core')) as unknown as Tf;
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return 'tf.setBackend("webgpu") returned false';
    await tf.ready();
    return tf;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}

/** ms per sparse (k = 4: gather, scale, sum) and dense (matMul) P update in TF.js, carry included. */
async function tfjsUpdateMs(tf: Tf, n: number, reps: number, dense: boolean): Promise<{ sparseMs: number; denseMs: number | null }> {
  const p = n * n + 2 * n;
  const k = 4;
  const r = new Rng(7);
  const P = tf.tensor2d(
    Float32Array.from({ length: n * p }, () => r.normal()),
    [n, p],
  );
  const src = new Int32Array(n * k);
  for (let i = 0; i < n; i++) r.sampleDistinct(n, k, src, i * k);
  const idx = tf.tensor1d(src, 'int32');
  const coef = tf.reshape(
    tf.tensor2d(
      Float32Array.from({ length: n * k }, () => r.normal() * 0.1),
      [n * k, 1],
    ),
    [n, k, 1],
  );
  const A = tf.tensor2d(
    Float32Array.from({ length: n * n }, () => r.normal() * 0.1),
    [n, n],
  );
  const sparse = () => tf.tidy(() => tf.add(tf.mul(P, 1 - LEAK), tf.sum(tf.mul(tf.reshape(tf.gather(P, idx), [n, k, p]), coef), 1)));
  const denseFn = () => tf.tidy(() => tf.add(tf.mul(P, 1 - LEAK), tf.matMul(A, P)));
  const time = async (fn: () => TfTensor) => {
    const w = fn();
    await tf.slice(w, [0, 0], [1, 1]).data();
    w.dispose();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const out = fn();
      const probe = tf.slice(out, [0, 0], [1, 1]);
      await probe.data(); // waits for the update, reads back one float
      times.push(performance.now() - t0);
      probe.dispose();
      out.dispose();
    }
    return median(times);
  };
  const result = { sparseMs: await time(sparse), denseMs: dense ? await time(denseFn) : null };
  [P, idx, coef, A].forEach((t) => t.dispose());
  return result;
}

const gb = (bytes: number, ms: number) => bytes / (ms * 1e-3) / 1e9;

/**
 * The adapter's float32 peak in FLOP/s: --peak-tflops, else from its name for the few GPUs whose peak is
 * published here (dense FP32, no tensor cores), else null (flopFractionOfPeak is then null).
 */
const KNOWN_PEAKS: readonly [RegExp, number][] = [
  [/H200|H100.*(SXM|HBM3)|GH100/i, 67e12],
  [/H100/i, 51e12],
  [/A100/i, 19.5e12],
];
function peakFlops(description: string): number | null {
  const given = argValue('--peak-tflops');
  if (given !== undefined) return Number(given) * 1e12;
  return KNOWN_PEAKS.find(([re]) => re.test(description))?.[1] ?? null;
}

/** An entry's cost fields, from the kernels' own counts: dispatches, bytes against the floor, FLOPs against the peak. */
function costFields(r: StepRun, peak: number | null): Record<string, unknown> {
  const { bytes, flops, floorBytes, unmodelled } = r.cost;
  const modelled = unmodelled.length === 0;
  const ms = r.timings.source === 'timestamp-query' ? r.timings.msPerStep : r.wallMsPerStep;
  return {
    dispatchesPerStep: r.dispatchesPerStep,
    bytesPerStep: modelled ? bytes : null,
    floorBytesPerStep: floorBytes,
    bytesOverFloor: modelled && floorBytes > 0 ? bytes / floorBytes : null,
    flopsPerStep: modelled ? flops : null,
    flopFractionOfPeak: modelled && peak !== null && ms > 0 ? flops / (ms * 1e-3) / peak : null,
    ...(modelled ? {} : { unmodelledKernels: unmodelled }),
  };
}
const fmt = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** Dawn rounds timestamps (to about 65 µs) unless told not to; short kernels would read 0. */
const DAWN_FLAGS = ['disable-dawn-features=timestamp_quantization'];

async function main(): Promise<void> {
  const gpu = await nodeGpu(DAWN_FLAGS);
  const acquired = await acquireDevice(gpu);
  if (!acquired.ok) {
    say(`bench:gpu: ${acquired.error.message}`);
    if (json) console.log(JSON.stringify({ schema: 'sparse-rtrl-lab/bench-gpu/1', error: acquired.error.message }));
    process.exitCode = 2;
    return;
  }
  const ctx = await createContext(acquired.device, acquired.description, acquired.isFallbackAdapter);
  const { device } = ctx;
  const limits = device.limits;
  const software = acquired.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(acquired.description);
  const timing = device.features.has('timestamp-query') ? 'timestamp-query' : 'submit-to-done';
  const report: Record<string, unknown> = {
    schema: 'sparse-rtrl-lab/bench-gpu/1',
    date: new Date().toISOString(),
    node: process.version,
    quick,
    pStorage,
    adapter: {
      description: acquired.description,
      isFallbackAdapter: acquired.isFallbackAdapter,
      software,
      features: [...device.features].sort(),
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    },
    timing,
    dawnFlags: DAWN_FLAGS,
    peakFlops: null as number | null,
    budgetBytes: budgetGiB * 1024 ** 3,
    notes: [
      software ? 'software adapter: the figures show the code runs; they are not speed claims' : 'hardware adapter',
      'kernel bytes: sparse (k + 2) n p 4 (own row for the leak carry, k source rows, one row written), dense 2 n p 4, copy 2 n p 4',
      'kernel FLOPs: sparse 2 (k + 1) n p, dense and matmul 2 n² p (+ 2 n p carry for dense)',
    ],
  };
  say(
    `WebGPU engine benchmark, Node ${process.version}, ${quick ? 'quick' : 'full'} run; adapter: ${acquired.description}${acquired.isFallbackAdapter ? ' (fallback adapter)' : ''}`,
  );
  say(
    `max storage binding ${(limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB; kernel timing: ${timing}; memory budget ${budgetGiB} GiB; the RNN's P stored as ${pStorage}`,
  );
  if (software) say('NOTE: this adapter is a software rasteriser (SwiftShader on the CPU): these figures show the code runs; they are NOT speed claims.');

  hardwareAdapter = !software;
  const peak = peakFlops(acquired.description);
  report.peakFlops = peak;
  const sizes: Record<string, unknown>[] = [];
  const lstm: Record<string, unknown>[] = [];
  const baselines: Record<string, unknown>[] = [];
  const skippedForTime: string[] = [];
  report.sizes = sizes;
  report.lstm = lstm;
  report.baselines = baselines;
  report.skippedForTime = skippedForTime;
  report.timeBudgetSeconds = Number.isFinite(timeBudgetS) ? timeBudgetS : null;
  const targetSummary = () =>
    (Object.keys(TARGETS) as TargetKey[]).map((key) => {
      const rows = targetRows[key];
      const measured = rows.filter((r) => r.met !== null);
      return { ...TARGETS[key], hardware: !software, met: measured.length ? measured.every((r) => r.met) : null, entries: rows };
    });
  const flush = (complete: boolean) => {
    report.targets = targetSummary();
    if (outFile) writeFileSync(outFile, JSON.stringify({ ...report, complete }, null, 2) + '\n');
  };
  const deadline = started + timeBudgetS * 1000;
  /** whether about `needMs` more fits the time budget; else `what` is named as skipped (and its entry says why) */
  const fits = (what: string, needMs: number, entry?: Record<string, unknown>) => {
    if (performance.now() + needMs <= deadline) return true;
    const why = `time budget: about ${(needMs / 1000).toFixed(0)} s needed, ${Math.max(0, (deadline - performance.now()) / 1000).toFixed(0)} s left of ${timeBudgetS} s`;
    skippedForTime.push(`${what}: ${why}`);
    if (entry) entry.skipped = why;
    say(`${what}: skipped (${why})`);
    return false;
  };
  const kernelList = (t: BatchTimings) => t.kernels.map((k) => ({ name: k.name, ms: k.ms }));
  const gpuMs = (t: BatchTimings) => (t.source === 'timestamp-query' ? t.msPerStep : null);
  /** the first wave of arms × seeds that fits, as lanes */
  const firstWave = <L>(plan: { waves: { seedIndex: number; armIndex: number }[][] }, make: (armIndex: number, stream: number) => L) => {
    const wave = plan.waves[0];
    const seedsInWave = [...new Set(wave.map((l) => l.seedIndex))];
    return { lanes: wave.map((l) => make(l.armIndex, seedsInWave.indexOf(l.seedIndex))), seeds: seedsInWave.length };
  };
  /** the memory plan of `arms` × SEEDS at this n, or null when the device cannot hold one lane (`what` is named as skipped) */
  const planOrSkip = (what: string, n: number, arms: Arm[], entry: Record<string, unknown>, model?: 'lstm') => {
    try {
      return planMemory({
        n,
        m: 1,
        o: 1,
        arms: arms.map((a) => a.method),
        seedCount: SEEDS,
        steps: MAX_STEPS + 1,
        limits,
        budgetBytes: budgetGiB * 1024 ** 3,
        ...(model ? { model } : { pStorage }),
      });
    } catch (e) {
      if (!(e instanceof GpuError)) throw e;
      entry.skipped = e.message;
      say(`${what}: skipped: ${e.message}`);
      return null;
    }
  };
  /** a batch's entry; `targetOf` gets each arm's steps/s (every lane advances one step per batch step) */
  const batchEntry = (wave: { lanes: unknown[]; seeds: number }, arms: Arm[], b: StepRun, targetOf: (stepsPerSecond: number) => Record<string, unknown>) => {
    const stepsPerSecond = 1000 / b.wallMsPerStep;
    return {
      lanes: wave.lanes.length,
      arms: arms.map((a) => a.label),
      seeds: wave.seeds,
      wallMsPerStep: b.wallMsPerStep,
      stepsPerSecondPerArm: stepsPerSecond,
      laneStepsPerSecond: stepsPerSecond * wave.lanes.length,
      gpuMsPerStep: gpuMs(b.timings),
      steps: b.steps,
      kernels: kernelList(b.timings),
      ...costFields(b, peak),
      target: targetOf(stepsPerSecond),
    };
  };
  /**
   * The LSTM's and the baselines' sections: at each n, every arm alone, then the first wave of arms × seeds
   * as one batch, into `entries`; `note` says why no target applies.
   */
  const laneSection = async (
    name: string,
    sizes: readonly number[],
    arms: Arm[],
    entries: Record<string, unknown>[],
    o: {
      leak: number;
      model?: 'lstm';
      paramCount: (shape: RnnShape) => number;
      lane: (shape: RnnShape, method: LearningMethod, stream: number) => LaneSpec;
      run: (ctx: GpuContext, shape: RnnShape, lanes: LaneSpec[], streams: number) => Promise<StepRun>;
      note: Record<string, unknown>;
    },
  ) => {
    for (const n of sizes) {
      const shape: RnnShape = { n, m: 1, o: 1, leak: o.leak };
      const entry: Record<string, unknown> = { n, p: o.paramCount(shape) };
      entries.push(entry);
      say('');
      const plan = planOrSkip(`${name} n = ${n}`, n, arms, entry, o.model);
      if (!plan) continue;
      if (!fits(`${name} n = ${n}`, estimateMs(arms.length + 1), entry)) continue;
      say(`${name} n = ${n} (p = ${entry.p}): ${plan.summary}`);
      const oneArm: Record<string, unknown>[] = [];
      for (const arm of arms) {
        const r = await o.run(ctx, shape, [o.lane(shape, arm.method, 0)], 1);
        oneArm.push({
          arm: arm.label,
          wallMsPerStep: r.wallMsPerStep,
          stepsPerSecond: 1000 / r.wallMsPerStep,
          gpuMsPerStep: gpuMs(r.timings),
          steps: r.steps,
          kernels: kernelList(r.timings),
          ...costFields(r, peak),
          target: o.note,
        });
        const top = [...r.timings.kernels].sort((a, b) => b.ms - a.ms).slice(0, 2);
        say(
          `  ${arm.label.padEnd(8)} one arm: ${fmt(r.wallMsPerStep, 3).padStart(9)} ms/step wall, ${fmt(1000 / r.wallMsPerStep, 1).padStart(9)} steps/s, bytes/floor ${fmt(costFields(r, peak).bytesOverFloor as number | null)}` +
            (r.timings.source === 'timestamp-query'
              ? `, GPU ${fmt(r.timings.msPerStep, 3)} ms/step (${top.map((k) => `${k.name} ${fmt(k.ms, 3)}`).join(', ')})`
              : '') +
            ` [${r.steps} steps]`,
        );
      }
      entry.oneArm = oneArm;
      const wave = firstWave(plan, (a, stream) => o.lane(shape, arms[a].method, stream));
      const b = await o.run(ctx, shape, wave.lanes, wave.seeds);
      entry.batch = batchEntry(wave, arms, b, () => o.note);
      say(
        `  ${name} batch of ${wave.lanes.length} lanes: ${fmt(b.wallMsPerStep, 3)} ms/step, ${fmt((1000 / b.wallMsPerStep) * wave.lanes.length, 1)} lane-steps/s`,
      );
      flush(false);
    }
  };

  // --- the RNN: k = 0, 4, n and full, one arm and a batch; the kernels against copy and matmul ---
  for (const n of SIZES) {
    flush(false);
    const shape: RnnShape = { n, m: 1, o: 1, leak: LEAK };
    const p = recurrentParamCount(shape);
    const arms = armsFor(n);
    const entry: Record<string, unknown> = { n, p };
    sizes.push(entry);
    say('');
    const plan = planOrSkip(`RNN n = ${n}`, n, arms, entry);
    if (!plan) continue;
    // four arms, two sparse variants, the batch and the yardsticks
    if (!fits(`RNN n = ${n}`, estimateMs(8), entry)) continue;
    say(`n = ${n} (p = ${p}): ${plan.summary}`);
    // one arm at a time
    const oneArm: Record<string, unknown>[] = [];
    const kernelMs: Record<string, number> = {};
    for (const arm of arms) {
      const r = await runSteps(ctx, shape, [lane(shape, arm.method, 0)], 1);
      const transport = r.timings.kernels.find((k) => k.name === (arm.method.kind === 'full' ? 'dense' : 'sparse'));
      if (transport) kernelMs[arm.label] = transport.ms;
      const stepsPerSecond = 1000 / r.wallMsPerStep;
      const where = `sizes[n=${n}].oneArm[${arm.label}]`;
      oneArm.push({
        arm: arm.label,
        wallMsPerStep: r.wallMsPerStep,
        stepsPerSecond,
        gpuMsPerStep: gpuMs(r.timings),
        steps: r.steps,
        kernels: kernelList(r.timings),
        ...costFields(r, peak),
        target:
          n === 256 && arm.label === 'full'
            ? target('fullSteps', where, stepsPerSecond)
            : n === 256 && arm.label === 'k=4'
              ? target('sparseSteps', where, stepsPerSecond)
              : noTarget('the steps/s targets are for n = 256 full and sparse k = 4, one lane'),
      });
      const costs = costFields(r, peak);
      say(
        `  ${arm.label.padEnd(5)} one arm: ${fmt(r.wallMsPerStep, 3).padStart(9)} ms/step wall, ${fmt(stepsPerSecond, 1).padStart(9)} steps/s, ${r.dispatchesPerStep} dispatches/step, ${fmt((costs.bytesPerStep as number | null) === null ? null : (costs.bytesPerStep as number) / 2 ** 20, 3)} MiB/step, bytes/floor ${fmt(costs.bytesOverFloor as number | null)}` +
          (r.timings.source === 'timestamp-query' ? `, GPU ${fmt(r.timings.msPerStep, 3)} ms/step (transport ${fmt(transport?.ms, 3)} ms)` : '') +
          ` [${r.steps} steps]`,
      );
    }
    entry.oneArm = oneArm;
    // both sparse transport kernels at k = 4, where both can run: the evidence for the choice by adapter
    // under f16 storage the vec4 kernel runs on every adapter (whole-word stores: GpuBatch)
    const choice = chooseSparseTransport(ctx.software, { p }, pStorage === 'f16' ? 'vec4' : 'auto');
    const variants: Record<string, number | null> = { sparseTransport: null, sparseTransportVec4: null };
    // (under f16 storage only the vec4 kernel stores whole words)
    if (p % 4 === 0 && timing === 'timestamp-query' && pStorage === 'f32') {
      for (const v of ['scalar', 'vec4'] as const) {
        const r = await runSteps(ctx, shape, [lane(shape, arms[1].method, 0)], 1, v);
        variants[v === 'vec4' ? 'sparseTransportVec4' : 'sparseTransport'] = r.timings.kernels.find((k) => k.name === 'sparse')?.ms ?? null;
      }
    }
    entry.sparseVariants = { chosen: choice.shader, reason: choice.reason, k4KernelMs: variants };
    say(`  sparse transport: ${choice.reason}; k=4 kernel ms: scalar ${fmt(variants.sparseTransport, 3)}, vec4 ${fmt(variants.sparseTransportVec4, 3)}`);
    // one sparse lane at k = n/8 gathered and on the masked dense tile: the evidence for the route's threshold
    const route = chooseDenseRoute(ctx.software, { n });
    const kRoute = Math.max(1, Math.ceil(n / 8));
    const routeLane = lane(shape, { kind: 'sparse', k: kRoute, strategy: 'random', refreshEvery: 0, rescale: false }, 0);
    const routes: Record<'gather' | 'dense', { wallMsPerStep: number; transportMs: number | null }> = {} as never;
    for (const r of ['gather', 'dense'] as const) {
      const run = await runSteps(ctx, shape, [routeLane], 1, 'auto', r);
      const kernel = run.timings.kernels.find((x) => x.name === (r === 'dense' ? 'dense' : 'sparse'));
      routes[r] = { wallMsPerStep: run.wallMsPerStep, transportMs: kernel?.ms ?? null };
    }
    entry.sparseRoutes = { k: kRoute, denseFromK: Number.isFinite(route.denseFromK) ? route.denseFromK : null, reason: route.routeReason, ...routes };
    say(
      `  ${route.routeReason}; k=${kRoute}: gathered ${fmt(routes.gather.wallMsPerStep, 3)} ms/step (kernel ${fmt(routes.gather.transportMs, 3)}), masked dense ${fmt(routes.dense.wallMsPerStep, 3)} ms/step (kernel ${fmt(routes.dense.transportMs, 3)})`,
    );
    // the batch: the first wave of arms × seeds that fits
    const wave = firstWave(plan, (a, stream) => lane(shape, arms[a].method, stream));
    const b = await runSteps(ctx, shape, wave.lanes, wave.seeds);
    const batchStepsPerSecond = 1000 / b.wallMsPerStep;
    // a batch's lanes share its steps (the full lanes set the pace): reported beside the one-lane figures, with no target
    entry.batch = batchEntry(wave, arms, b, () => noTarget('batches are reported separately: the steps/s targets are per lane kind, for one lane'));
    say(
      `  batch of ${wave.lanes.length} lanes (${arms.length} arms x ${wave.seeds} seeds): ${fmt(b.wallMsPerStep, 3)} ms/step, ${fmt(batchStepsPerSecond * wave.lanes.length, 1)} lane-steps/s`,
    );
    // kernels against the references
    const reps = quick ? 1 : 10;
    const refStart = performance.now();
    const ref = await references(ctx, n, p, reps);
    measureMs.push(performance.now() - refStart);
    const sparseBytes = (k: number) => (k + 2) * n * p * 4;
    const sparseFlops = (k: number) => 2 * (k + 1) * n * p;
    const copyGBs = gb(2 * n * p * 4, ref.copyMs);
    const matmulGFs = (2 * n * n * p) / (ref.matmulMs * 1e-3) / 1e9;
    const kern = (label: string, k: number) => {
      const ms = kernelMs[label];
      const bytesVsCopy = ms === undefined ? null : gb(sparseBytes(k), ms) / copyGBs;
      const t = target('sparseBytes', `sizes[n=${n}].kernels.sparse${label === 'k=4' ? 'K4' : 'Kn'}`, bytesVsCopy);
      if (ms === undefined) return { ms: null, target: t };
      return { ms, gbPerSecond: gb(sparseBytes(k), ms), gflopPerSecond: sparseFlops(k) / (ms * 1e-3) / 1e9, bytesVsCopy, target: t };
    };
    const denseMs = kernelMs.full;
    const denseGFs = denseMs === undefined ? null : (2 * n * n * p + 2 * n * p) / (denseMs * 1e-3) / 1e9;
    const denseTarget = target('denseFlops', `sizes[n=${n}].kernels.dense`, denseGFs === null ? null : denseGFs / matmulGFs);
    const dense =
      denseMs === undefined || denseGFs === null
        ? { ms: null, target: denseTarget }
        : { ms: denseMs, gbPerSecond: gb(2 * n * p * 4, denseMs), gflopPerSecond: denseGFs, flopsVsMatmul: denseGFs / matmulGFs, target: denseTarget };
    const k4 = kern('k=4', 4);
    entry.kernels = {
      source: timing,
      sparseK4: k4,
      sparseKn: kern('k=n', n),
      dense,
      copy: { ms: ref.copyMs, gbPerSecond: copyGBs },
      matmul: { ms: ref.matmulMs, gflopPerSecond: matmulGFs },
    };
    say(
      `  kernels: sparse k=4 ${fmt(k4.gbPerSecond)} GB/s (${fmt(k4.bytesVsCopy)} of copy ${fmt(copyGBs)} GB/s); dense ${fmt(dense.gflopPerSecond)} GFLOP/s (${fmt(dense.flopsVsMatmul)} of matmul ${fmt(matmulGFs)} GFLOP/s)` +
        (timing === 'timestamp-query' ? '' : ' [no timestamps: sparse/dense figures unavailable]'),
    );
  }
  flush(false);

  // --- the LSTM's lanes (GpuBatch, model 'lstm'): full RTRL and sparse k = 4, one arm and a batch ---
  const lstmArms: Arm[] = [
    { label: 'full', method: { kind: 'full' } },
    { label: 'k=4', method: { kind: 'sparse', k: 4, strategy: 'random', refreshEvery: 0, rescale: false } },
  ];
  await laneSection('LSTM', LSTM_SIZES, lstmArms, lstm, {
    leak: 1,
    model: 'lstm',
    paramCount: lstmParamCount,
    lane: lstmLane,
    run: runLstmSteps,
    note: noTarget("the steps/s targets are stated for the RNN; an LSTM step does about 4x the RNN's work at the same n (p = 4n(n+m+1))"),
  });

  // --- the baselines' lanes (GpuBatch): UORO, KF-RTRL, SnAp-1, TBPTT(20), one arm each and a batch ---
  const baselineArms: Arm[] = [
    { label: 'uoro', method: { kind: 'uoro' } },
    { label: 'kf', method: { kind: 'kf' } },
    { label: 'snap1', method: { kind: 'snap1' } },
    { label: `tbptt:${TBPTT_WINDOW}`, method: { kind: 'tbptt', truncation: TBPTT_WINDOW } },
  ];
  await laneSection('baselines', BASELINE_SIZES, baselineArms, baselines, {
    leak: LEAK,
    paramCount: recurrentParamCount,
    lane,
    run: (c, shape, lanes, streams) => runSteps(c, shape, lanes, streams),
    note: noTarget('no speed target is set for the baselines'),
  });

  // --- the CPU engine on the RNN's sizes (after the GPU figures: it is the part a short budget drops first) ---
  say('');
  for (const entry of sizes) {
    if (entry.skipped) continue;
    const n = entry.n as number;
    const shape: RnnShape = { n, m: 1, o: 1, leak: LEAK };
    // about a GFLOP/s in the CPU engine's transport, and a couple of time targets per arm it runs
    const need = armsFor(n).reduce((ms, arm) => (cpuFlops(shape, arm) > CPU_FLOP_CAP ? ms : ms + 2 * TARGET_MS + cpuFlops(shape, arm) / 1e6), 0);
    if (!fits(`CPU engine n = ${n}`, need)) {
      entry.cpu = { skipped: skippedForTime[skippedForTime.length - 1] };
      continue;
    }
    const cpu = armsFor(n).map((arm) => ({ arm: arm.label, ...cpuStepMs(shape, arm) }));
    entry.cpu = cpu;
    say(`CPU engine n = ${n} ms/step: ${cpu.map((c) => `${c.arm} ${'msPerStep' in c ? fmt(c.msPerStep, 2) : 'skipped'}`).join(', ')}`);
  }
  flush(false);

  // TF.js on the same adapter
  say('');
  if (!fits('TF.js', 2 * TARGET_MS * SIZES.length + 5000)) {
    report.tfjs = { skipped: skippedForTime[skippedForTime.length - 1] };
  } else {
    const tf = await loadTfjs(gpu!);
    if (typeof tf === 'string') {
      report.tfjs = { skipped: `could not start on this adapter: ${tf}` };
      say(`TensorFlow.js WebGPU backend: could not start on this adapter: ${tf}`);
    } else {
      const rows: Record<string, unknown>[] = [];
      for (const n of SIZES) {
        const p = n * n + 2 * n;
        if (sizes.find((s) => s.n === n)?.skipped) {
          rows.push({ n, skipped: 'size skipped above' });
          continue;
        }
        if (!fits(`TF.js n = ${n}`, 2 * TARGET_MS)) {
          rows.push({ n, skipped: skippedForTime[skippedForTime.length - 1] });
          continue;
        }
        // the dense product at n = 512 is 69 GFLOP: on a software adapter it would take minutes
        const dense = !(software && 2 * n * n * p > 5e9);
        const t = await tfjsUpdateMs(tf, n, quick ? 1 : 5, dense);
        rows.push({ n, sparseK4Ms: t.sparseMs, denseMs: t.denseMs, ...(dense ? {} : { denseSkipped: 'software adapter, too large' }) });
        say(`TF.js ${tf.getBackend()} n = ${n}: sparse k=4 P update ${fmt(t.sparseMs)} ms, dense ${t.denseMs === null ? 'skipped' : `${fmt(t.denseMs)} ms`}`);
      }
      report.tfjs = {
        backend: tf.getBackend(),
        what: 'the P update alone (carry + transport; no forward, immediate term, gradient or optimizer)',
        sizes: rows,
      };
    }
  }
  ctx.health.dispose();
  device.destroy();
  // the targets, for quoting
  say('');
  for (const t of targetSummary()) {
    const rows = t.entries.map((r) => `${r.where} ${fmt(r.value, t.unit === 'ratio' ? 2 : 0)}${r.met === null ? '' : r.met ? ' met' : ' NOT met'}`);
    say(
      `target ${t.text}: ${t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met'}${software ? ' (software adapter: not a hardware figure)' : ''}${rows.length ? ` [${rows.join('; ')}]` : ''}`,
    );
  }
  if (skippedForTime.length) say(`skipped for the time budget: ${skippedForTime.join(' | ')}`);
  report.elapsedSeconds = (performance.now() - started) / 1000;
  report.complete = true;
  report.targets = targetSummary();
  if (json) console.log(JSON.stringify(report, null, 2));
  flush(true);
}

main().catch((e: unknown) => {
  say(`bench:gpu failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
