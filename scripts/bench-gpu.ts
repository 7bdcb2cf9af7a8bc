/**
 * WebGPU engine benchmark (a script that prints figures; no thresholds, no assertions).
 *   npm run bench:gpu [-- --quick]
 * On whatever adapter Dawn finds (on a GPU-less machine: SwiftShader, a CPU rasteriser: its numbers say
 * the code runs, they are not speed claims). For n = 64, 128, 256 (quick: 64, 128):
 *   - ms per step and steps/s of k = 0, k = 4 and full RTRL, each as one arm, and as a batch of those 3
 *     arms x S seeds advancing in the same dispatches (every step kernel: forward, transport, immediate,
 *     g = cᵀP, readout gradient, clip, Adam, step end; losses read back every 50 steps);
 *   - the sparse transport kernel's effective bytes/s beside a plain copy kernel's, on the same adapter in
 *     the same run (the ratio is the figure);
 *   - the CPU engine's ms per learner step in the same run;
 *   - the same sparse (gather, scale, sum) and dense (matMul) P updates written with TensorFlow.js's
 *     WebGPU backend on the same adapter.
 */
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import { initRnn, recurrentParamCount, RnnModel, type RnnShape } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';
import { allocateSequence, type Sequence } from '../src/engine/tasks/task';
import { allPaths, selectPaths } from '../src/engine/transportMask';
import { createContext, GpuBatch, type GpuContext, type LaneSpec } from '../src/gpu/batch';
import { acquireDevice } from '../src/gpu/device';
import { nodeGpu } from '../src/gpu/nodeGpu';

const quick = process.argv.includes('--quick');
const sizes = quick ? [64, 128] : [64, 128, 256];
const SEEDS = quick ? 2 : 3;
const optimizer = { kind: 'adam' as const, lr: 1e-4, clipNorm: 0 };

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

const methodsFor = (n: number): LearningMethod[] => ([
  { kind: 'sparse', k: 0, strategy: 'random', refreshEvery: 0, rescale: false },
  { kind: 'sparse', k: 4, strategy: 'random', refreshEvery: 0, rescale: false },
  { kind: 'full' },
] as LearningMethod[]).filter((m) => m.kind !== "sparse" || m.k <= n);

function lane(shape: RnnShape, method: LearningMethod, stream: number): LaneSpec {
  const params = initRnn(shape, new Rng(1));
  let sources: Int32Array | undefined;
  if (method.kind === 'sparse') {
    sources = new Int32Array(shape.n * method.k);
    selectPaths('random', params.theta, shape.n, method.k, new Rng(2), sources);
  }
  return { method, params, sources, stream };
}

/** ms per batched step: `steps` steps after a warm-up of 2 (pipelines compiled, buffers resident). */
async function gpuStepMs(ctx: GpuContext, shape: RnnShape, lanes: LaneSpec[], streams: number, steps: number): Promise<number> {
  const seqs = Array.from({ length: streams }, (_, s) => randomStream(steps + 2, 10 + s));
  const batch = await GpuBatch.create(ctx, shape, seqs, lanes, { optimizer, readbackEvery: 50, label: 'bench' });
  try {
    await batch.advance(2);
    const t0 = performance.now();
    await batch.advance(steps);
    return (performance.now() - t0) / steps;
  } finally {
    batch.destroy();
  }
}

function cpuStepMs(shape: RnnShape, method: LearningMethod, reps: number): number {
  const learner = new OnlineLearner(new RnnModel(initRnn(shape, new Rng(1))), method, { optimizer, selectionRng: new Rng(2) });
  const seq = randomStream(reps + 2, 3);
  learner.step(seq, 0);
  learner.step(seq, 1);
  const times: number[] = [];
  for (let t = 2; t < reps + 2; t++) {
    const t0 = performance.now();
    learner.step(seq, t);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The sparse kernel alone (k = 4, leak 1: k source rows read, one row written) vs a plain copy of one P. */
async function kernelBandwidth(ctx: GpuContext, n: number, reps: number): Promise<{ sparseGBs: number; copyGBs: number }> {
  const shape: RnnShape = { n, m: 1, o: 1, leak: 1 };
  const p = recurrentParamCount(shape);
  const k = 4;
  const seq = randomStream(4, 5);
  const batch = await GpuBatch.create(ctx, shape, [seq], [lane(shape, { kind: 'sparse', k, strategy: 'random', refreshEvery: 0, rescale: false }, 0)], { optimizer, label: 'bench kernel' });
  const r = new Rng(6);
  batch.write('P0', Float32Array.from({ length: n * p }, () => r.normal()));
  await batch.dispatchKernel('forward', 0);
  await batch.dispatchKernel('sparse', 0);
  const sparse: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await batch.dispatchKernel('sparse', 0);
    sparse.push(performance.now() - t0);
  }
  batch.destroy();

  const count = n * p;
  const { device } = ctx;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ label: 'bench copy src', size: count * 4, usage });
  const dst = device.createBuffer({ label: 'bench copy dst', size: count * 4, usage });
  const pipeline = await ctx.kernels.pipeline('copy', { WG: 64, COUNT: count });
  const group = ctx.kernels.bindGroup('copy', pipeline, { src, dst }, 'bench copy');
  const blocks = Math.ceil(count / (64 * 4));
  const wx = Math.min(65535, blocks);
  const wy = Math.ceil(blocks / wx);
  const copyOnce = async () => {
    const enc = device.createCommandEncoder({ label: 'bench copy' });
    const pass = enc.beginComputePass({ label: 'bench copy' });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(wx, wy);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await copyOnce();
  const copy: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await copyOnce();
    copy.push(performance.now() - t0);
  }
  src.destroy();
  dst.destroy();
  const gbs = (bytes: number, ms: number) => bytes / (ms * 1e-3) / 1e9;
  return { sparseGBs: gbs((k + 1) * n * p * 4, median(sparse)), copyGBs: gbs(2 * n * p * 4, median(copy)) };
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
async function tfjsUpdateMs(tf: Tf, n: number, reps: number): Promise<{ sparse: number; dense: number }> {
  const p = n * n + 2 * n;
  const k = 4;
  const r = new Rng(7);
  const P = tf.tensor2d(Float32Array.from({ length: n * p }, () => r.normal()), [n, p]);
  const src = new Int32Array(n * k);
  for (let i = 0; i < n; i++) r.sampleDistinct(n, k, src, i * k);
  const idx = tf.tensor1d(src, 'int32');
  const coef = tf.reshape(tf.tensor2d(Float32Array.from({ length: n * k }, () => r.normal() * 0.1), [n * k, 1]), [n, k, 1]);
  const A = tf.tensor2d(Float32Array.from({ length: n * n }, () => r.normal() * 0.1), [n, n]);
  const sparse = () => tf.tidy(() => tf.add(tf.mul(P, 0.7), tf.sum(tf.mul(tf.reshape(tf.gather(P, idx), [n, k, p]), coef), 1)));
  const dense = () => tf.tidy(() => tf.add(tf.mul(P, 0.7), tf.matMul(A, P)));
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
  const result = { sparse: await time(sparse), dense: await time(dense) };
  [P, idx, coef, A].forEach((t) => t.dispose());
  return result;
}

async function main(): Promise<void> {
  const gpu = await nodeGpu();
  const acquired = await acquireDevice(gpu);
  if (!acquired.ok) {
    console.log(`bench:gpu: ${acquired.error.message}`);
    process.exitCode = 2;
    return;
  }
  const ctx = await createContext(acquired.device, acquired.description);
  const limits = acquired.device.limits;
  console.log(`WebGPU engine benchmark, Node ${process.version}, ${quick ? 'quick' : 'full'} run; adapter: ${acquired.description}${acquired.isFallbackAdapter ? ' (fallback adapter)' : ''}`);
  console.log(`max storage binding ${(limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB; medians of repeated steps`);
  if (acquired.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(acquired.description)) {
    console.log('NOTE: this adapter is a software rasteriser (SwiftShader on the CPU): these figures show the code runs; they are NOT speed claims.');
  }
  console.log('');
  console.log('GPU engine, one arm and a batch (3 arms: k=0, k=4, full) x seeds, whole steps incl. Adam and loss readback:');
  console.log('  n      p   arm      1-arm ms/step   steps/s   |  batch lanes   batch ms/step   lane-steps/s');
  const rows: string[] = [];
  for (const n of sizes) {
    const shape: RnnShape = { n, m: 1, o: 1, leak: 0.3 };
    const p = recurrentParamCount(shape);
    const steps = n >= 256 ? 2 : n >= 128 ? 4 : 20;
    const methods = methodsFor(n);
    const batchLanes: LaneSpec[] = [];
    for (let s = 0; s < SEEDS; s++) for (const m of methods) batchLanes.push(lane(shape, m, s));
    const batchMs = await gpuStepMs(ctx, shape, batchLanes, SEEDS, steps);
    for (const m of methods) {
      const label = m.kind === 'full' ? 'full' : `k=${m.kind === 'sparse' ? m.k : 0}`;
      const ms = await gpuStepMs(ctx, shape, [lane(shape, m, 0)], 1, m.kind === 'full' ? steps : steps * 2);
      console.log(
        `${String(n).padStart(3)}  ${String(p).padStart(5)}   ${label.padEnd(6)} ${ms.toFixed(2).padStart(15)}   ${(1000 / ms).toFixed(1).padStart(7)}   |  ${String(batchLanes.length).padStart(11)}   ${batchMs.toFixed(2).padStart(13)}   ${((1000 / batchMs) * batchLanes.length).toFixed(1).padStart(12)}`,
      );
    }
    const bw = await kernelBandwidth(ctx, n, n >= 256 ? 3 : 10);
    const cpu = methods.map((m) => cpuStepMs(shape, m, m.kind === 'full' ? (n >= 256 ? 1 : n >= 128 ? 3 : 10) : 10));
    rows.push(`${String(n).padStart(3)}   sparse k=4 kernel ${bw.sparseGBs.toFixed(2).padStart(6)} GB/s   copy ${bw.copyGBs.toFixed(2).padStart(6)} GB/s   ratio ${(bw.sparseGBs / bw.copyGBs).toFixed(2)}   |   CPU engine ms/step: k=0 ${cpu[0].toFixed(2)}, k=4 ${cpu[1].toFixed(2)}, full ${cpu[2].toFixed(1)}`);
  }
  console.log('');
  console.log('Sparse transport kernel vs a plain copy kernel on the same adapter (bytes: (k+1) n p 4 vs 2 n p 4), and the CPU engine in this run:');
  for (const r of rows) console.log(r);
  console.log('');
  const tf = await loadTfjs(gpu!);
  if (typeof tf === 'string') {
    console.log(`TensorFlow.js WebGPU backend: could not start on this adapter: ${tf}`);
  } else {
    console.log(`TensorFlow.js ${tf.getBackend()} backend, same adapter: the P update alone (carry + transport; no forward, immediate term, gradient or optimizer):`);
    console.log('  n   tfjs sparse k=4 ms   tfjs dense ms');
    for (const n of sizes) {
      const t = await tfjsUpdateMs(tf, n, n >= 256 ? 2 : 5);
      console.log(`${String(n).padStart(3)}   ${t.sparse.toFixed(2).padStart(18)}   ${t.dense.toFixed(2).padStart(13)}`);
    }
  }
  console.log('');
  console.log('ms/step includes submission and, every 50 steps, the loss readback; the GPU never waits on the CPU inside the step loop.');
  ctx.health.dispose();
  acquired.device.destroy();
  void allPaths;
}

main().catch((e: unknown) => {
  console.log(`bench:gpu failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
