/// <reference lib="webworker" />
/**
 * The engine's thread: it owns the run and does every step, so the page only renders. The page asks
 * for `advance` once per animation frame and only after the previous answer arrived, which paces the
 * worker to the display and stops it when the tab is hidden.
 *
 * Engine choice at 'start' (backend honesty): 'gpu', or 'auto' on a hardware adapter, runs the arms on
 * WebGPU (GpuLiveRun: the RNN's and the LSTM's, as the methods' registry allows, gpuSupport.ts) after the
 * start-up verification against the CPU; 'auto' on a software adapter
 * (SwiftShader, isFallbackAdapter) stays on the CPU, which is faster there. Every failure (no
 * navigator.gpu, no adapter, requestDevice, verification, planner, device lost mid-run) ends on the CPU
 * LiveRun with the reason in `fallbackReason`. Messages are handled one at a time (a promise chain), so
 * an async GPU step never overlaps another message, and no rejection goes unhandled.
 *
 * A GPU run keeps the GPU busy across frames: each `advance` submits the next frame's steps and answers
 * with the steps the frame before submitted (GpuLiveRun.advanceLagged), whose readbacks have landed while
 * the page drew, so a frame does not wait for the GPU; the losses sent are one frame behind the GPU.
 */
// The WebGPU modules load on first use (dynamic imports): a CPU run, the common case on software
// adapters and without WebGPU, starts without parsing them.
import type { GpuContext } from '../../gpu/batch';
import type { FromWorker, LabParams, StepTrace, ToWorker } from '../contract';
import { liveArms, type LiveEngine } from './liveEngine';
import { LiveRun } from './liveRun';
import { startTransportThreads, transportBackendInfo, type TransportInfo } from '../../engine/transport';
import { TRANSFORMER_CPU_ONLY, TransformerLiveRun } from './transformerLiveRun';
import { backendHint, gpuRefusal } from '../gpuSupport';
import { isCsvToWorker, type CsvFromWorker, type CsvToWorker } from '../contract/csv';
import { handleCsvMessage } from './csvImport';

/** When this worker's module was evaluated, as an absolute time (for the page's time-to-first-point marks). */
const evaluatedAt = performance.timeOrigin + performance.now();

/** the run, on whichever engine it runs (the worker knows it only as a LiveEngine) */
let run: LiveEngine | null = null;

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
let runId = -1;
let lastMetricsStep = -Infinity;
let startMessage: Extract<ToWorker, { type: 'start' }> | null = null;
/** when the heads panel was last sent (ms): at most every HEADS_EVERY_MS, so the page is not flooded */
let lastHeadsAt = -Infinity;
const HEADS_EVERY_MS = 150;

/** Steps between metric samples: the spectra cost up to n⁴, so larger n samples less often. */
function metricsEvery(n: number): number {
  return n <= 32 ? 10 : n <= 64 ? 25 : n <= 128 ? 100 : 400;
}

function post(message: FromWorker | CsvFromWorker, transfer: Transferable[] = []): void {
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(message, transfer);
}

// the Backend control's hint comes from the methods' registry, which only the worker loads
post({ type: 'ready', backendHint: backendHint() });

// ---- the WebGPU device, acquired and verified once per worker ----

interface Gpu {
  ctx: GpuContext;
  engine: string;
  software: boolean;
  /** the start-up check of each model's kernels against the CPU: true, or why it failed (absent: not run yet) */
  verified: Partial<Record<'rnn' | 'lstm', string | true>>;
}
let gpu: Gpu | null = null;

function software(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback = Boolean((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info?.isFallbackAdapter);
  return fallback || /swiftshader/i.test(info?.architecture ?? '');
}

async function device(): Promise<Gpu | string> {
  if (gpu && !gpu.ctx.health.lost) return gpu;
  gpu = null;
  const nav = (self as unknown as { navigator?: Navigator }).navigator;
  const [{ acquireDevice }, { createContext }] = await Promise.all([import('../../gpu/device'), import('../../gpu/batch')]);
  const r = await acquireDevice(nav?.gpu, 'sparse-rtrl-lab');
  if (!r.ok) return r.error.message;
  const arch = r.adapter.info?.architecture;
  const name = arch && !r.description.toLowerCase().includes(arch.toLowerCase()) ? `${arch} ${r.description}` : r.description;
  // the context is told a fallback adapter is one (its kernels are chosen for software: sparseVariant.ts)
  const ctx = await createContext(r.device, name, r.isFallbackAdapter || software(r.adapter));
  // a software adapter is named as such: it is a CPU rasteriser, not a GPU
  gpu = { ctx, engine: `WebGPU · ${name}${ctx.software && !/software/i.test(name) ? ' (software adapter)' : ''}`, software: ctx.software, verified: {} };
  return gpu;
}

let adapterCheck: Promise<string | null> | null = null;

/** Why auto should stay on the CPU judging by the adapter alone (none, or a software one), or null. Asked once. */
function softwareAdapter(): Promise<string | null> {
  adapterCheck ??= (async () => {
    const nav = (self as unknown as { navigator?: Navigator }).navigator;
    if (!nav?.gpu) return 'WebGPU is unavailable in the engine worker: WebGPU is not available here (no navigator.gpu)';
    try {
      const adapter = await nav.gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) return 'WebGPU is unavailable in the engine worker: no WebGPU adapter found';
      if (!software(adapter)) return null;
      const info = adapter.info;
      const name = [info?.vendor, info?.architecture, info?.description].filter((x) => x && String(x).length > 0).join(' ') || 'software adapter';
      return `backend auto keeps the CPU engine: the WebGPU adapter (${name}) is a software fallback, 10-100× slower than the CPU engine here. Choose Backend GPU to run on it anyway`;
    } catch {
      return null; // let the full device path say what went wrong
    }
  })();
  return adapterCheck;
}

/** The GPU to run on, or why not (undefined: the CPU was asked for, nothing to say). */
async function chooseGpu(params: LabParams): Promise<Gpu | string | undefined> {
  if (params.backend === 'cpu') return undefined;
  // what the GPU engine runs for this model, from the methods' registry (gpuSupport.ts)
  const refused = gpuRefusal(params);
  if (refused !== null) return refused;
  if (params.backend === 'auto') {
    // auto on a software adapter stays on the CPU: learn that from the adapter alone, before paying for a
    // device and its kernels (this is on the way to the first drawn point)
    const soft = await softwareAdapter();
    if (soft !== null) return soft;
  }
  let g: Gpu | string;
  try {
    g = await device();
  } catch (e) {
    return `WebGPU set-up failed: ${messageOf(e)}`;
  }
  if (typeof g === 'string') return `WebGPU is unavailable in the engine worker: ${g}`;
  if (params.backend === 'auto' && g.software) {
    return `backend auto keeps the CPU engine: the WebGPU adapter (${g.engine.replace('WebGPU · ', '')}) is a software fallback, 10-100× slower than the CPU engine here. Choose Backend GPU to run on it anyway`;
  }
  // the RNN's kernels always; the LSTM's too before an LSTM run (as the CLI's --backend gpu does)
  const models: ('rnn' | 'lstm')[] = params.model === 'lstm' ? ['rnn', 'lstm'] : ['rnn'];
  for (const model of models) {
    if (g.verified[model] === undefined) {
      try {
        const v = await (await import('../../gpu/verify')).verifyAgainstCpu(g.ctx, model);
        g.verified[model] = v.ok ? true : v.reason;
      } catch (e) {
        g.verified[model] = `verification failed: ${messageOf(e)}`;
      }
    }
    const v = g.verified[model];
    if (v !== true) return `the WebGPU engine failed its start-up check${model === 'lstm' ? ' of the LSTM kernels' : ''} against the CPU (${v})`;
  }
  return g;
}

async function start(m: Extract<ToWorker, { type: 'start' }>, forcedReason?: string): Promise<void> {
  runId = m.runId;
  startMessage = m;
  run?.dispose();
  run = null;
  const t0 = performance.now();
  let reason: string | undefined = forcedReason;
  let engine = 'CPU';
  let gpuCheckMs = 0;
  if (m.params.model === 'transformer') {
    // the transformer runs on the CPU engine only: said in one line when another backend was asked for
    run = new TransformerLiveRun({ ...m.params });
    if (m.params.backend !== 'cpu') reason ??= gpuRefusal(m.params) ?? TRANSFORMER_CPU_ONLY;
  } else if (reason === undefined) {
    const g = await chooseGpu(m.params);
    gpuCheckMs = performance.now() - t0;
    if (typeof g === 'object') {
      try {
        const { GpuLiveRun } = await import('./gpuLiveRun');
        run = GpuLiveRun.create(g.ctx, { ...m.params }, m.options, metricsEvery(m.params.n));
        engine = g.engine;
      } catch (e) {
        reason = `the WebGPU engine cannot run this: ${messageOf(e)}`;
      }
    } else {
      reason = g;
    }
  }
  let cpuKernel: string | undefined;
  const gpuInfo = run?.gpuInfo?.();
  if (!run) {
    // the WebAssembly transport's threads start once, before the first CPU step (nested workers start
    // only while this worker is idle); one thread where the page is not cross-origin isolated
    cpuThreads ??= startTransportThreads().catch(() => transportBackendInfo());
    cpuKernel = describeCpuKernel(await cpuThreads);
  }
  run ??= new LiveRun({ ...m.params }, m.options);
  lastMetricsStep = -Infinity;
  lastHeadsAt = -Infinity;
  const t1 = performance.now();
  post({
    type: 'started',
    runId,
    arms: liveArms(run),
    pretrainLoss: run.pretrainLoss,
    pretrainMs: t1 - t0,
    engine,
    timing: { evaluatedAt, startAt: performance.timeOrigin + t0, gpuCheckMs, buildMs: t1 - t0 - gpuCheckMs },
    pretrainedShipped: m.options.pretrained !== undefined,
    ...(reason ? { fallbackReason: reason } : {}),
    ...(cpuKernel ? { cpuKernel } : {}),
    ...(gpuInfo ? { gpu: gpuInfo } : {}),
  });
}

let cpuThreads: Promise<TransportInfo> | null = null;

/** "WebAssembly SIMD, 2 threads" or "TypeScript kernel: <why>", for the badge's tooltip and the cost meter. */
function describeCpuKernel(info: TransportInfo): string {
  if (info.kernel === 'typescript') return `TypeScript kernel: ${info.reason || 'no WebAssembly SIMD'}`;
  return `WebAssembly SIMD, ${info.threads} thread${info.threads === 1 ? '' : 's'}${info.reason ? ` (${info.reason})` : ''}`;
}

/** The GPU run failed mid-way: the same run starts over on the CPU, with the reason. */
async function fallBack(e: unknown): Promise<void> {
  const failed = run;
  const m = { ...startMessage!, params: failed ? { ...failed.params } : startMessage!.params };
  const lost = gpu?.ctx.health.lost;
  if (lost) gpu = null;
  await start(m, `the WebGPU engine failed mid-run (${messageOf(e)}); the run restarted on the CPU engine`);
}

async function advance(steps: number): Promise<void> {
  const r = run!;
  const losses = r.arms.map(() => new Float32Array(steps));
  // a GPU run hands out the steps before the ones it submits now (advanceLagged): from its drawn step
  const fromStep = r.drawnStep ?? r.step;
  // sparse-error tasks (adding): which steps were scored, so the chart draws one point per sequence
  const scored = r.sparseError ? new Uint8Array(steps) : null;
  const t0 = performance.now();
  // the task strip: only an engine with each arm's output on the host traces it
  const trace: StepTrace | null = r.traces
    ? { input: new Float32Array(steps), target: new Float32Array(steps), prediction: r.arms.map(() => new Float32Array(steps)) }
    : null;
  const extra = { scored: scored ?? undefined, trace: trace ?? undefined };
  await (r.advanceLagged ? r.advanceLagged(steps, losses, extra) : r.advance(steps, losses, extra));
  const ms = performance.now() - t0;
  const sample = r.step - lastMetricsStep >= metricsEvery(r.shape.n);
  if (sample) lastMetricsStep = r.step;
  const metrics = sample ? r.metrics() : null;
  const keptPaths = sample ? r.keptPaths() : null;
  const now = performance.now();
  const heads = r.headPanel && now - lastHeadsAt >= HEADS_EVERY_MS ? r.headPanel() : null;
  if (heads) lastHeadsAt = now;
  post(
    {
      type: 'losses',
      runId,
      fromStep,
      losses,
      count: steps,
      scored,
      trace,
      arms: liveArms(r),
      adaptedSteps: r.adaptedSteps,
      markers: r.markers,
      msPerStep: ms / steps,
      metrics,
      kernelTimings: r.kernelTimings?.() ?? null,
      // the LSTM's sparse kernel is known once its batch exists (the drift): the badge follows
      ...(r.gpuInfo ? { gpu: r.gpuInfo() } : {}),
      keptPaths,
      heads,
    },
    [
      ...losses.map((l) => l.buffer),
      ...(scored ? [scored.buffer] : []),
      ...(trace ? [trace.input.buffer, trace.target.buffer, ...trace.prediction.map((p) => p.buffer)] : []),
      ...(keptPaths ? [keptPaths.W.buffer, keptPaths.sources.buffer] : []),
      ...(heads ? [heads.attention.buffer] : []),
    ],
  );
}

async function handle(m: ToWorker | CsvToWorker): Promise<void> {
  // a user's table: parsed and prepared here, in turn with the run's messages (csvImport.ts)
  if (isCsvToWorker(m)) {
    post(handleCsvMessage(m));
    return;
  }
  try {
    if (m.type === 'start') {
      await start(m);
      return;
    }
    if (m.runId !== runId || run === null) return; // a message for a run that has been replaced
    if (m.type === 'advance') {
      await advance(m.steps);
    } else if (m.type === 'setLr') {
      run.setLearningRate(m.lr);
    } else if (m.type === 'setSparse') {
      await run.setSparse(m.k, m.strategy, m.headFraction);
      // show the new mask, or the new heads, at once
      lastMetricsStep = -Infinity;
      lastHeadsAt = -Infinity;
    }
  } catch (e) {
    let failure = e;
    if (run?.backend === 'gpu' && m.runId === runId) {
      try {
        await fallBack(e);
        return;
      } catch (e2) {
        failure = e2;
      }
    }
    post({ type: 'error', runId, message: messageOf(failure) });
  }
}

let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<ToWorker | CsvToWorker>) => {
  const m = event.data;
  queue = queue.then(() => handle(m)).catch((e: unknown) => post({ type: 'error', runId, message: messageOf(e) }));
};
