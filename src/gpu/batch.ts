/**
 * A batch of lanes on the GPU, for any model with a GPU record (gpuModels.ts): every lane is one arm of
 * one seed, all of one shape, and every lane advances in the same dispatches (the batch dimension is the
 * workgroup grid's z, or x for per-lane kernels). Many steps are encoded into one command buffer; nothing
 * is read back inside the step loop. Losses (and, at metric steps, ‖P‖, and for the RNN P Pᵀ and the full
 * arm's W and D_t) come back through a pool of MAP_READ staging buffers at the end of each chunk of steps
 * (readback.ts).
 *
 * The model's record gives the layout, its preamble, its forward and transport kernels and which of them
 * run on this adapter; each lane's method gives, through its lane-kind record (laneKinds.ts), the range it
 * joins, its lane record's fields, its slices of the extra buffers and what the snapshot carries of it.
 * The step is gpuModels.ts stepTable(model), dispatched in order every step. Lanes are ordered by range
 * (layout.ts LANE_RANGES: sparse, masked, full, TBPTT, UORO, KF-RTRL, readout, frozen), so each kernel covers a
 * contiguous range. Carry-over to a new batch (the live app's endless stream) is snapshot() then restore().
 */
import { methodRecord, type LearningMethod } from '../engine/methods';
import { MODELS, type ModelKind } from '../engine/models';
import type { ModelParams } from '../engine/models/recurrentModel';
import type { OptimizerConfig } from '../engine/optimizer';
import type { Floats, PStorage } from '../engine/precision';
import type { Rng } from '../engine/rng';
import type { Sequence } from '../engine/tasks/task';
import { selectPaths, STRATEGIES } from '../engine/transportMask';
import { DeviceHealth } from './device';
import { GpuError } from './errors';
import { gpuModel, metricTable, stepTable, type GpuModel, type TransportOptions } from './gpuModels';
import { packHalves, unpackHalves } from './halfFloat';
import { KernelCache } from './kernels';
import { laneKind, laneKindsFor, type ExtraBuffer, type LaneKind, type LanePlan } from './laneKinds';
import {
  baseConstants,
  controlIndex,
  controlWords,
  encodeHyper,
  encodeLanes,
  encodeStreams,
  gradRecord,
  GS,
  stepRecordHalf,
  LANE_RANGES,
  LANE_WORDS,
  pEntryBytes,
  ROW_BLOCK,
  STEP_UNIFORM,
  type BatchLayout,
  type GpuShape,
  type LaneRange,
  type LaneRecord,
} from './layout';
import { readBuffer, ReadbackPool } from './readback';
import { loadShaderSources } from './shaderSources';
import type { TransportChoice } from './sparseVariant';
import { KernelTimer, type BatchTimings } from './timing';
import { bindingNames, pingPong, SETTLE_KERNEL, shaderOf, type BindingName, type KernelEnv, type KernelName, type KernelSpec } from './stepKernels';

/** A device with its kernels and health watch: what every GPU run needs. */
export interface GpuContext {
  device: GPUDevice;
  kernels: KernelCache;
  health: DeviceHealth;
  description: string;
  /** a software adapter (SwiftShader, lavapipe, a fallback adapter): kernels are chosen for it (sparseVariant.ts) */
  software: boolean;
}

export async function createContext(device: GPUDevice, description = 'WebGPU device', isFallbackAdapter = false): Promise<GpuContext> {
  const software = isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(description);
  return { device, kernels: new KernelCache(device, await loadShaderSources()), health: new DeviceHealth(device), description, software };
}

export interface LaneSpec {
  method: LearningMethod;
  /** starting weights θ and readout, in the model's layout (copied to the GPU) */
  params: Pick<ModelParams, 'theta' | 'readout'>;
  /** starting running state: h, or the LSTM's [h; c] (h alone: c = 0); zeros when absent */
  hInit?: Floats;
  /** sparse lanes: the initial selection, k indices per row, drawn by the CPU code */
  sources?: Int32Array;
  /** sparse lanes with refreshEvery > 0: the stream later selections are drawn from */
  selectionRng?: Rng;
  /** UORO and KF-RTRL lanes: the arm's noise stream (the CPU's armStreams noiseRng); the batch draws from it */
  noiseRng?: Rng;
  /** which of the batch's streams this lane reads */
  stream: number;
}

export interface BatchOptions extends TransportOptions {
  optimizer: OptimizerConfig;
  /**
   * how the P buffers hold P between steps: 'f32' (the default), or 'f16', IEEE halves packed two to a
   * word (half the bytes and bandwidth), computed in f32 as the CPU engine's SPARSE_RTRL_P_STORAGE=f16
   * emulation is. The RNN only, p a multiple of 4; its sparse lanes run the vec4 kernel (whole-word stores).
   */
  pStorage?: PStorage;
  /** the model the lanes are (its GPU record, gpuModels.ts); default the RNN */
  model?: ModelKind;
  /** steps per submitted chunk (and per loss readback) */
  readbackEvery?: number;
  /** sample ‖P‖ and the full arms' spectra data every this many steps, after step t % every == 0; 0 = never */
  metricsEvery?: number;
  /** staging buffers in flight at most */
  poolSize?: number;
  /** time the kernels (timing.ts): timestamps where the device has them, else submit-to-done; default true */
  timing?: boolean;
  /**
   * with timestamps, time the first step of one chunk in this many (default 1, every chunk): a timed step
   * runs each kernel in a pass of its own, which a live run need not pay every chunk
   */
  timeEvery?: number;
  label?: string;
}

/** One metrics sample, taken after step `t`. */
export interface MetricSample {
  t: number;
  /** ‖P‖ per lane (external order; ‖[P^h; P^c]‖ for the LSTM, the factors' stand-in for UORO and KF-RTRL; NaN for frozen, readout and TBPTT lanes) */
  norms: number[];
  /** per full lane of a model with spectra (the RNN): its external index, W (n×n), D_t (n) and the Gram matrix P Pᵀ (n×n) */
  full: { lane: number; W: Float32Array; d: Float32Array; gram: Float32Array }[];
}

/** One lane's state between batches, in the engine's terms (no GPU offsets). */
export interface LaneSnapshot {
  /** θ and the readout (V, c), in the model's layout */
  theta: Float32Array;
  readout: Float32Array;
  /** h_t: the hidden state the next step reads */
  h: Float32Array;
  /** the LSTM's c_t (the model's second state part, GpuModel.stateNames) */
  c?: Float32Array;
  /** the RNN's P_t (n × p), lanes with a P only (GpuModel.pNames) */
  P?: Float32Array | null;
  /** the LSTM's P^h_t and P^c_t (n × p each), lanes with a P only */
  ph?: Float32Array | null;
  pc?: Float32Array | null;
  /** Adam's first and second moments over [θ; V, c], learning lanes under Adam only (zero over θ for a readout lane) */
  moments: { m: Float32Array; v: Float32Array } | null;
  /** the selection in use, sparse lanes only */
  sources: Int32Array | null;
  /** TBPTT lanes: the window of recent steps */
  window: Float32Array | null;
  /** UORO and KF-RTRL lanes: the lane's record (layout.ts uoroRecord, kfRecord: the factors, then scratch) */
  factors: Float32Array | null;
  diverged: boolean;
  /** optimizer updates so far (Adam's t) */
  updates: number;
}

export interface BatchSnapshot {
  /** steps the batch had run */
  t: number;
  /** per lane, in the order the lanes were given */
  lanes: LaneSnapshot[];
}

export interface RestoreOptions {
  /** lanes (external indices) whose optimizer restarts: Adam moments and step count zeroed */
  resetOptimizer?: readonly number[];
  /** lanes whose selection comes from this batch's LaneSpec rather than the snapshot */
  newSelection?: readonly number[];
}

export type BatchBufferName = 'params' | 'h0' | 'h1' | 'state' | 'P0' | 'P1' | 'grad' | 'moments' | 'ctl' | 'losses' | 'sources' | 'factors';
type BufferName = BatchBufferName | 'hyper' | 'norms' | 'grams' | 'partials' | 'lanes' | 'streams' | 'window' | 'noise' | 'gradParts';

/** A kernel table entry built for this batch: its pipeline, bind groups (one, or one per parity) and grid. */
interface BuiltKernel {
  spec: KernelSpec;
  pipeline: GPUComputePipeline;
  groups: GPUBindGroup[];
  dims: [number, number, number];
  /** it reads the step uniform (group 1) */
  usesStep: boolean;
}

/** A lane as this batch runs it: its kind, plan and where its slices of the extra buffers start. */
interface BatchLane {
  kind: LaneKind;
  plan: LanePlan;
  offset: Record<ExtraBuffer, number>;
}

/**
 * Where the chunk that starts at step t ends (the steps encoded per submit and read back together): at
 * most readbackEvery steps, stopping after a metric step and at every sparse lane's next refresh step, so
 * metrics and redrawn selections happen between chunks.
 */
export function nextChunkEnd(t: number, end: number, readbackEvery: number, metricsEvery: number, specs: readonly { method: LearningMethod }[]): number {
  let chunkEnd = Math.min(end, t + readbackEvery);
  if (metricsEvery > 0) chunkEnd = Math.min(chunkEnd, Math.ceil(t / metricsEvery) * metricsEvery + 1);
  for (const { method: m } of specs) {
    if (m.kind === 'sparse' && m.refreshEvery > 0) chunkEnd = Math.min(chunkEnd, (Math.floor(t / m.refreshEvery) + 1) * m.refreshEvery);
  }
  return chunkEnd;
}

/**
 * The transport options under the batch's P storage: 'f16' packs two entries to a word, so every store
 * must write whole words: the RNN's vec4 sparse kernel and its dense kernel do (p % 4 == 0); the scalar
 * sparse kernel and the LSTM's kernels store single entries, so they are refused in one line.
 */
function halfStorageTransport(model: GpuModel, layout: BatchLayout, options: BatchOptions): BatchOptions {
  if ((options.pStorage ?? 'f32') === 'f32') return options;
  const why = 'P stored as f16 (two entries a word, so every store writes whole words)';
  if (model.kind !== 'rnn') throw new GpuError('validation', `${why}: the RNN only on the GPU, not the ${model.name}`);
  if (layout.p % 4 !== 0) throw new GpuError('validation', `${why}: needs p % 4 == 0, and p = ${layout.p}`);
  if (options.sparseKernel === 'scalar') throw new GpuError('validation', `${why}: the scalar sparse kernel stores single entries; use 'vec4' or 'auto'`);
  return { ...options, sparseKernel: 'vec4' };
}

/** How `spec` runs in a batch of `model`, or a one-line refusal. */
function planLane(model: GpuModel, spec: LaneSpec, layout: BatchLayout, ext: number, transport: TransportChoice): BatchLane {
  const kind = laneKind(spec.method.kind);
  if (!kind || !kind.models.includes(model.kind)) {
    const forms = laneKindsFor(model.kind).map((k) => methodRecord(k).form);
    throw new GpuError('validation', `lane ${ext}: '${spec.method.kind}' does not run on the GPU engine for the ${model.name} (${forms.join(', ')} do)`);
  }
  if (spec.params.theta.length !== layout.p) {
    throw new RangeError(`lane ${ext}: θ has ${spec.params.theta.length} entries, the ${model.name} of n=${layout.n}, m=${layout.m} has ${layout.p}`);
  }
  const plan = kind.lane(spec.method, spec, layout, ext, transport);
  return { kind, plan, offset: { sources: 0, window: 0, factors: 0, noise: 0 } };
}

export class GpuBatch {
  readonly shape: GpuShape & { leak?: number };
  readonly model: GpuModel;
  /** lanes, streams, steps available */
  readonly B: number;
  readonly steps: number;
  /**
   * sparse (gathered), full, with a P (sparse + masked + full), TBPTT, UORO, KF-RTRL, readout (θ frozen), learning (all but
   * frozen; the readout lanes are its last R) lane counts
   */
  readonly S: number;
  readonly F: number;
  readonly PL: number;
  readonly Tb: number;
  readonly U: number;
  readonly K: number;
  readonly R: number;
  readonly L: number;
  /** sizes of this batch's records (layout.ts, extended by the model) */
  readonly layout: BatchLayout;
  /** loss curve per lane (external order), NaN until read back */
  readonly losses: Float32Array[];
  /**
   * each lane's first output y_t[0] per step (external order): the forward pass's, before the step's
   * update, as the CPU learner's state.y; NaN until read back, and for a lane that had diverged
   */
  readonly outputs: Float32Array[];
  /** adaptation step of each lane's first NaN/Inf, or -1 (as of the last readback) */
  readonly divergedAt: number[];
  readonly samples: MetricSample[] = [];
  /** steps encoded so far */
  t = 0;
  /** wall time spent in advance(), including waits on readbacks */
  elapsedMs = 0;
  /** selections drawn per lane (external order), the initial one included */
  readonly selectionsDrawn: number[];
  /** the transport kernels this batch runs, and why (for the backend badge's tooltip) */
  readonly sparseTransport: TransportChoice;

  private readonly ctx: GpuContext;
  private readonly specs: LaneSpec[];
  /** internal lane -> external index, and back */
  private readonly extOf: number[];
  private readonly intOf: number[] = [];
  /** per internal lane */
  private readonly lanes: BatchLane[];
  private readonly count: Record<LaneRange, number>;
  private readonly base: Record<LaneRange, number>;
  private readonly options: Required<Omit<BatchOptions, 'label' | 'model' | keyof TransportOptions>> & { label: string };
  /** how the P buffers hold P (BatchOptions.pStorage) */
  readonly pStorage: PStorage;
  /** the host copy of the noise rings, filled per chunk (no allocation per chunk) */
  private readonly noiseRing: Float32Array<ArrayBuffer>;
  /** lanes (internal index) whose factors record stands in for ‖P‖: its prefix and where its second factor starts */
  private readonly factorLanes: { lane: number; prefix: number; first: number }[] = [];
  private readonly buffers: Record<BufferName, GPUBuffer>;
  private readonly pairs: { h: [GPUBuffer, GPUBuffer]; P: [GPUBuffer, GPUBuffer] };
  private readonly allBuffers: GPUBuffer[] = [];
  private readonly env: KernelEnv;
  private readonly readback: ReadbackPool;
  /** where the outputs start in the losses buffer (stepRecordHalf) */
  private readonly outputHalf: number;
  private stepKernels: BuiltKernel[] = [];
  private metricKernels: BuiltKernel[] = [];
  /** settles a chunk's last step (stepEnd.wgsl), once per chunk */
  private settleKernel!: BuiltKernel;
  /** the step uniform: one slot per step of a chunk and one for the chunk's settle, each `stepAlign` bytes apart */
  private readonly stepBuffer: GPUBuffer;
  private readonly stepGroup: GPUBindGroup;
  private readonly stepAlign: number;
  private readonly stepSlots: Uint32Array<ArrayBuffer>;
  private timer!: KernelTimer;
  /** chunks encoded so far (which of them are timed: timeEvery) */
  private chunks = 0;
  /** the chunks whose readbacks are in flight: the step each starts at, and when its readback has landed */
  private inFlight: { t0: number; landed: Promise<void> }[] = [];
  private destroyed = false;

  private constructor(ctx: GpuContext, shape: GpuShape & { leak?: number }, streams: readonly Sequence[], specs: LaneSpec[], options: BatchOptions) {
    this.ctx = ctx;
    this.shape = shape;
    this.specs = specs;
    this.model = gpuModel(options.model ?? 'rnn');
    this.options = {
      optimizer: options.optimizer,
      readbackEvery: options.readbackEvery ?? 50,
      metricsEvery: options.metricsEvery ?? 0,
      poolSize: options.poolSize ?? 3,
      timing: options.timing ?? true,
      timeEvery: Math.max(1, Math.floor(options.timeEvery ?? 1)),
      label: options.label ?? 'batch',
      pStorage: options.pStorage ?? 'f32',
    };
    this.pStorage = this.options.pStorage;
    const layout = this.model.layout(shape);
    this.layout = layout;
    const { n, stride, st, pFloats, stateParts, pParts } = layout;
    this.steps = Math.min(...streams.map((s) => s.length));
    const transport = this.model.chooseTransport(ctx.software, layout, halfStorageTransport(this.model, layout, options));
    // under f16 storage the vec4 kernel is not asked for but required: the badge says why
    this.sparseTransport =
      this.pStorage === 'f16' && options.sparseKernel !== 'vec4'
        ? { ...transport, reason: transport.reason.replace('(asked for)', '(P stored as f16: whole-word stores)') }
        : transport;
    const planned = specs.map((spec, ext) => planLane(this.model, spec, layout, ext, this.sparseTransport));
    for (const kind of new Set(planned.map((x) => x.kind))) {
      const refused = kind.refusal?.(ctx.device.limits);
      if (refused) throw new GpuError('validation', refused);
    }
    const rank = (ext: number) => LANE_RANGES.indexOf(planned[ext].plan.range);
    this.extOf = specs.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b);
    this.extOf.forEach((ext, i) => (this.intOf[ext] = i));
    this.lanes = this.extOf.map((ext) => planned[ext]);
    this.B = specs.length;
    this.count = Object.fromEntries(LANE_RANGES.map((r) => [r, this.lanes.filter((x) => x.plan.range === r).length])) as Record<LaneRange, number>;
    let first = 0;
    this.base = Object.fromEntries(LANE_RANGES.map((r) => [r, (first += this.count[r]) - this.count[r]])) as Record<LaneRange, number>;
    const c = this.count;
    [this.S, this.F, this.Tb, this.U, this.K, this.R] = [c.sparse, c.full, c.tbptt, c.uoro, c.kf, c.readout];
    this.PL = this.S + c.masked + this.F;
    this.L = this.B - c.frozen;
    this.losses = specs.map(() => new Float32Array(this.steps).fill(NaN));
    this.outputs = specs.map(() => new Float32Array(this.steps).fill(NaN));
    this.outputHalf = stepRecordHalf(this.steps, this.B);
    this.divergedAt = specs.map(() => -1);
    this.selectionsDrawn = specs.map((s) => (s.method.kind === 'sparse' ? 1 : 0));
    this.env = {
      layout,
      B: this.B,
      count: this.count,
      base: this.base,
      PL: this.PL,
      L: this.L,
      thetaLanes: this.L - this.R,
      chunk: this.options.readbackEvery,
      optimizer: options.optimizer.kind === 'adam' ? 'adam' : 'sgd',
      sparseShader: this.sparseTransport.shader,
      partLanes: this.model.gradientParts ? this.count.sparse : 0,
      sparseK: this.lanes.filter((x) => x.plan.range === 'sparse').map((x) => x.plan.k ?? 0),
      maskedK: this.lanes.filter((x) => x.plan.range === 'masked').map((x) => x.plan.k ?? 0),
      tbpttTau: this.lanes.filter((x) => x.plan.range === 'tbptt').map((x) => x.plan.tau ?? 0),
      pBytes: pEntryBytes(this.pStorage),
    };

    const { device } = ctx;
    this.readback = new ReadbackPool(device, this.options.label, this.options.poolSize);
    const S_ = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, floats: number, usage = S_) => {
      const b = device.createBuffer({ label: `${this.options.label} ${label}`, size: Math.max(16, Math.ceil(floats) * 4), usage });
      this.allBuffers.push(b);
      return b;
    };
    const { B, L, PL } = this;
    // each lane's slices of the extra buffers, one lane after another (noise: CH steps of its draws)
    const CH = this.options.readbackEvery;
    const total: Record<ExtraBuffer, number> = { sources: 0, window: 0, factors: 0, noise: 0 };
    for (const lane of this.lanes) {
      const { plan } = lane;
      const floats: Record<ExtraBuffer, number> = {
        sources: plan.sources?.length ?? 0,
        window: plan.window ?? 0,
        factors: plan.factors ?? 0,
        noise: (plan.draws ?? 0) * CH,
      };
      for (const b of Object.keys(total) as ExtraBuffer[]) {
        lane.offset[b] = total[b];
        total[b] += floats[b];
      }
    }
    this.noiseRing = new Float32Array(Math.max(4, total.noise));
    this.lanes.forEach((lane, i) => {
      const norm = lane.kind.factorNorm?.(layout);
      if (norm) this.factorLanes.push({ lane: i, ...norm });
    });
    const T = this.steps;
    const parts = this.model.stateNames.join(', ');
    // the learning lanes' gradient records: θ and readout, the readout lanes' the readout alone (gradRecord)
    const gradFloats = gradRecord(layout, L - this.R, L).start;
    this.buffers = {
      params: make('params [θ; V, c]', B * stride),
      h0: make(`${parts} (even steps read)`, stateParts * B * n),
      h1: make(`${parts} (odd steps read)`, stateParts * B * n),
      state: make('state records', B * st),
      P0: make(`${this.model.pNames.join(', ')} (even steps read)`, (pParts * PL * pFloats * pEntryBytes(this.pStorage)) / 4),
      P1: make(`${this.model.pNames.join(', ')} (odd steps read)`, (pParts * PL * pFloats * pEntryBytes(this.pStorage)) / 4),
      grad: make('gradient', gradFloats),
      // bound under SGD too (update.wgsl serves both), as a stub
      moments: make('Adam moments', options.optimizer.kind === 'adam' ? 2 * gradFloats : 4),
      ctl: make('control [per lane: diverged, adam t, fault]', controlWords(B)),
      losses: make('losses [L; y_0] per step and lane', 2 * this.outputHalf),
      sources: make('sources', total.sources),
      hyper: make('hyper', 4, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      norms: make('‖P‖² partials', pParts * PL * GS),
      grams: make('P Pᵀ', this.model.spectra ? this.F * n * n : 0),
      partials: make('Σg² partials', (L - this.R) * layout.gt + L * layout.gr),
      gradParts: make('row-block partials of g = cᵀP', (this.model.gradientParts ? this.S : 0) * Math.ceil(n / ROW_BLOCK) * layout.p),
      lanes: make('lanes', LANE_WORDS * B),
      streams: make('streams [x, y*, flags]', streams.length * T * layout.ss),
      window: make('TBPTT windows [count, head, τ × (h, d, x), τ × ga]', total.window),
      factors: make('UORO [s, θ̃, …] and KF-RTRL [u, Aᵀ, …] records', total.factors),
      noise: make('UORO ν and KF-RTRL (c1, c2) rings', total.noise),
    };
    const b = this.buffers;
    this.pairs = { h: [b.h0, b.h1], P: [b.P0, b.P1] };
    // the step uniform's slots: a chunk's readbackEvery steps and its settle (the slot dispatchKernel uses too)
    this.stepAlign = device.limits.minUniformBufferOffsetAlignment;
    this.stepSlots = new Uint32Array(((CH + 1) * this.stepAlign) / 4);
    this.stepBuffer = make('step uniform [t, settle] per step of a chunk', this.stepSlots.length, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.stepGroup = device.createBindGroup({
      label: `${this.options.label} step uniform`,
      layout: ctx.kernels.stepLayout,
      entries: [{ binding: 0, resource: { buffer: this.stepBuffer, size: STEP_UNIFORM.words * 4 } }],
    });

    // initial contents
    const params = new Float32Array(B * stride);
    const h = new Float32Array(stateParts * B * n);
    const records: Partial<LaneRecord>[] = [];
    const sources = new Uint32Array(Math.max(4, total.sources));
    this.lanes.forEach(({ plan, offset }, i) => {
      const spec = specs[this.extOf[i]];
      params.set(spec.params.theta, i * stride);
      params.set(spec.params.readout, i * stride + layout.p);
      // part q of the running state (h, then the LSTM's c) after part q-1 of every lane
      for (let q = 0; q < stateParts; q++) if (spec.hInit && spec.hInit.length >= (q + 1) * n) h.set(spec.hInit.subarray(q * n, (q + 1) * n), (q * B + i) * n);
      records.push({
        stream: spec.stream,
        k: plan.k,
        srcOffset: offset.sources,
        scale: plan.scale,
        tau: plan.tau,
        windowOffset: offset.window,
        noiseOffset: offset.noise,
        factorOffset: offset.factors,
      });
      if (plan.sources) sources.set(plan.sources, offset.sources);
    });
    const q = device.queue;
    q.writeBuffer(b.params, 0, params);
    q.writeBuffer(b.h0, 0, h);
    q.writeBuffer(b.lanes, 0, encodeLanes(records));
    q.writeBuffer(b.sources, 0, sources);
    q.writeBuffer(b.streams, 0, encodeStreams(layout, streams, T));
    q.writeBuffer(b.hyper, 0, encodeHyper(options.optimizer.lr, options.optimizer.clipNorm));
  }

  /**
   * A batch of lanes on `streams` (lane i reads streams[lanes[i].stream]); `shape` is the model's n, m, o
   * (and the RNN's leak), `options.model` the model (default the RNN). Each lane's method must run on the
   * GPU for that model (its lane kind, laneKinds.ts); any other is refused in one line.
   */
  static async create(
    ctx: GpuContext,
    shape: GpuShape & { leak?: number },
    streams: readonly Sequence[],
    lanes: LaneSpec[],
    options: BatchOptions,
  ): Promise<GpuBatch> {
    ctx.health.check();
    const batch = new GpuBatch(ctx, shape, streams, lanes, options);
    let settle: BuiltKernel[];
    [batch.stepKernels, batch.metricKernels, settle] = await Promise.all([
      batch.build(stepTable(batch.model)),
      batch.build(metricTable(batch.model)),
      batch.build([SETTLE_KERNEL]),
    ]);
    batch.settleKernel = settle[0];
    batch.timer = new KernelTimer(
      ctx.device,
      batch.options.label,
      batch.stepKernels.map((k) => k.spec.name),
      batch.options.timing,
    );
    ctx.health.check();
    return batch;
  }

  /** Pipelines and bind groups of the table's entries that have work in this batch. */
  private async build(table: readonly KernelSpec[]): Promise<BuiltKernel[]> {
    const env = this.env;
    const base = { ...baseConstants(this.layout, this.steps, this.B, this.shape.leak ?? 0), ...this.model.constants(this.layout) };
    const used = table.filter((spec) => spec.dispatch(env).every((d) => d > 0));
    return Promise.all(
      used.map(async (spec) => {
        const shader = shaderOf(spec, env);
        const pipeline = await this.ctx.kernels.pipeline(shader, { ...base, ...spec.constants?.(env) }, spec, this.pStorage);
        const names = bindingNames(spec.bindings);
        const parities = names.some((name) => pingPong(name, 0) !== null) ? [0, 1] : [0];
        const groups = parities.map((x) =>
          this.ctx.device.createBindGroup({
            label: `${this.options.label} ${spec.name}${parities.length > 1 ? (x ? ' [odd]' : ' [even]') : ''}`,
            layout: pipeline.getBindGroupLayout(0),
            entries: names.map((name, binding) => ({ binding, resource: { buffer: this.bufferFor(name, x) } })),
          }),
        );
        return { spec, pipeline, groups, dims: spec.dispatch(env), usesStep: this.ctx.kernels.usesStep(shader) };
      }),
    );
  }

  private bufferFor(name: BindingName, x: number): GPUBuffer {
    const pp = pingPong(name, x);
    if (pp) return this.pairs[pp.buffer][pp.index];
    return this.buffers[name as BufferName];
  }

  get done(): boolean {
    return this.t >= this.steps;
  }

  /** Changes the learning rate from the next submitted step on (the UI's live control). */
  setLearningRate(lr: number): void {
    this.options.optimizer = { ...this.options.optimizer, lr };
    this.ctx.device.queue.writeBuffer(this.buffers.hyper, 0, encodeHyper(lr, this.options.optimizer.clipNorm));
  }

  /** Advances every lane by `steps` (fewer at the end of the stream); resolves once their losses are read back. */
  async advance(steps: number): Promise<void> {
    const start = performance.now();
    await this.submit(steps);
    await this.drain();
    this.elapsedMs += performance.now() - start;
    this.checkUsable();
  }

  /**
   * Encodes and submits the next `steps` steps (fewer at the end of the stream) without waiting for their
   * readbacks: `landed(t)` says when they are read back. It waits on the GPU only where a chunk must: for a
   * free staging buffer (at most `poolSize` readbacks in flight) and at a sparse lane's refresh step
   * (refreshSelections).
   */
  async submit(steps: number): Promise<void> {
    this.checkUsable();
    const end = Math.min(this.steps, this.t + steps);
    const { readbackEvery, metricsEvery } = this.options;
    while (this.t < end) {
      await this.refreshSelections();
      const chunkEnd = nextChunkEnd(this.t, end, readbackEvery, metricsEvery, this.specs);
      await this.encodeChunk(this.t, chunkEnd);
      this.t = chunkEnd;
    }
  }

  /**
   * Resolves once the results of every step before `t` are read back (losses, outputs, divergence,
   * metric samples); rejects with the readback's GpuError if one failed. Usable after destroy() for
   * the steps read back before it.
   */
  async landed(t: number): Promise<void> {
    // every chunk with a step before t, a chunk that runs past t too
    const waiting = this.inFlight.filter((c) => c.t0 < t);
    await Promise.all(waiting.map((c) => c.landed));
    this.inFlight = this.inFlight.filter((c) => !waiting.includes(c));
    this.readback.check();
  }

  /** Waits for every readback in flight. */
  async drain(): Promise<void> {
    await this.readback.drain();
    this.inFlight = [];
  }

  private checkUsable(): void {
    if (this.destroyed) throw new GpuError('validation', `${this.options.label}: used after destroy()`);
    this.ctx.health.check();
    this.readback.check();
  }

  /**
   * Redraws the selection of sparse lanes due at step t, before the step (PathSelection.beforeStep): from
   * the model's path weights as of now where the strategy ranks them (a read back), else from the arm's
   * selection stream alone. Waits for the readbacks first, so a lane that diverged draws no more (the CPU
   * learner stops stepping it); chunks end at refresh steps, so this wait comes at those steps only.
   */
  private async refreshSelections(): Promise<void> {
    const t = this.t;
    if (t === 0) return;
    const due = (m: LearningMethod) => m.kind === 'sparse' && m.refreshEvery > 0 && t % m.refreshEvery === 0 && m.k > 0;
    if (!this.specs.some((s) => due(s.method))) return;
    await this.drain();
    const { n, stride } = this.layout;
    const unranked = new Float32Array(n * n);
    for (let ext = 0; ext < this.specs.length; ext++) {
      const spec = this.specs[ext];
      const m = spec.method;
      if (m.kind !== 'sparse' || !due(m) || this.divergedAt[ext] >= 0) continue;
      const i = this.intOf[ext];
      let weights: Floats = unranked;
      if (STRATEGIES[m.strategy].usesWeights) {
        const rows = MODELS[this.model.kind].rowsPerUnit * n;
        weights = this.model.pathWeights(this.layout, await this.readFloats(this.buffers.params, i * stride, rows * n));
      }
      const out = new Int32Array(n * m.k);
      if (!spec.selectionRng) throw new RangeError(`lane ${ext}: refreshing selection needs selectionRng`);
      selectPaths(m.strategy, weights, n, m.k, spec.selectionRng, out);
      this.selectionsDrawn[ext]++;
      this.ctx.device.queue.writeBuffer(this.buffers.sources, this.lanes[i].offset.sources * 4, Uint32Array.from(out));
    }
  }

  /**
   * One step's cost by the kernels' own counts (KernelSpec.cost): bytes moved and FLOPs, the floor (every
   * P part of every lane with a P read once and written once, and the floors the kernels of lanes without
   * a P give for their own state), and the kernels with no cost model.
   */
  costPerStep(): { bytes: number; flops: number; floorBytes: number; unmodelled: string[] } {
    let bytes = 0;
    let flops = 0;
    let stateFloor = 0;
    const unmodelled: string[] = [];
    for (const k of this.stepKernels) {
      const c = k.spec.cost?.(this.env);
      if (!c) unmodelled.push(k.spec.name);
      else [bytes, flops, stateFloor] = [bytes + c.bytes, flops + c.flops, stateFloor + (c.floor ?? 0)];
    }
    const { pParts, pFloats } = this.layout;
    return { bytes, flops, floorBytes: 2 * pEntryBytes(this.pStorage) * pParts * this.PL * pFloats + stateFloor, unmodelled };
  }

  /** Dispatches per step: the step table's kernels with work in this batch (a chunk adds one, its settle). */
  get dispatchesPerStep(): number {
    return this.stepKernels.length;
  }

  /** Kernel `k` at parity x, reading the step uniform's slot `slot`. */
  private dispatch(pass: GPUComputePassEncoder, k: BuiltKernel, x: number, slot: number): void {
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, k.groups[k.groups.length > 1 ? x : 0]);
    if (k.usesStep) pass.setBindGroup(1, this.stepGroup, [slot * this.stepAlign]);
    pass.dispatchWorkgroups(...k.dims);
  }

  /** Writes the step uniform's slot: step t, and whether the forward kernel settles step t - 1 first. */
  private setStepSlot(slot: number, t: number, settle: boolean): void {
    const at = (slot * this.stepAlign) / 4;
    this.stepSlots[at + STEP_UNIFORM.t] = t;
    this.stepSlots[at + STEP_UNIFORM.settle] = settle ? 1 : 0;
  }

  private async encodeChunk(t0: number, t1: number): Promise<void> {
    const { device } = this.ctx;
    const { n, pParts } = this.layout;
    const B = this.B;
    const every = this.options.metricsEvery;
    const sample = every > 0 && (t1 - 1) % every === 0;
    const spectra = sample && this.model.spectra;
    const lossFloats = (t1 - t0) * B;
    // the outputs y_t[0] (the losses buffer's second half), as many again
    const outFloats = lossFloats;
    const ctlFloats = controlWords(B);
    const normFloats = sample ? pParts * this.PL * GS : 0;
    const gramFloats = spectra ? this.F * n * n : 0;
    const wFloats = gramFloats;
    const dFloats = spectra ? this.F * n : 0;
    // the UORO and KF-RTRL lanes' factors (s, θ̃ or u, Aᵀ), whose norms stand in for ‖P‖
    const factorFloats = sample ? this.factorLanes.reduce((a, f) => a + f.prefix, 0) : 0;
    // resolved timestamps (u64) go last, 8-byte aligned
    const tsOffset = 8 * Math.ceil((lossFloats + outFloats + ctlFloats + normFloats + gramFloats + wFloats + dFloats + factorFloats) / 2);
    const total = (tsOffset + this.timer.bytes) / 4;
    const staging = await this.readback.acquire(total * 4);

    const label = `${this.options.label} steps ${t0}..${t1 - 1}`;
    const enc = device.createCommandEncoder({ label });
    // step t reads slot t - t0; the forward kernel settles the step before it, except at the chunk's first
    // step, whose previous step the chunk before settled; slot t1 - t0 is this chunk's settle
    for (let t = t0; t <= t1; t++) this.setStepSlot(t - t0, t, t > t0);
    device.queue.writeBuffer(this.stepBuffer, 0, this.stepSlots, 0, ((t1 - t0 + 1) * this.stepAlign) / 4);
    let first = t0;
    const timed = this.timer.timestamps && this.chunks++ % this.options.timeEvery === 0;
    if (timed) {
      // the chunk's first step, a pass per kernel with timestamps around it
      this.stepKernels.forEach((k, i) => {
        const p = enc.beginComputePass({ label: `${label} ${k.spec.name} timed`, timestampWrites: this.timer.writes(i) });
        this.dispatch(p, k, t0 % 2, 0);
        p.end();
      });
      first = t0 + 1;
    }
    const pass = enc.beginComputePass({ label });
    for (let t = first; t < t1; t++) for (const k of this.stepKernels) this.dispatch(pass, k, t % 2, t - t0);
    this.dispatch(pass, this.settleKernel, t1 % 2, t1 - t0);
    pass.end();
    if (sample && this.metricKernels.length > 0) {
      const mp = enc.beginComputePass({ label: `${this.options.label} metrics after step ${t1 - 1}` });
      for (const k of this.metricKernels) this.dispatch(mp, k, t1 % 2, 0);
      mp.end();
    }
    let off = 0;
    const copy = (src: GPUBuffer, srcFloat: number, floats: number) => {
      if (floats > 0) enc.copyBufferToBuffer(src, srcFloat * 4, staging, off * 4, floats * 4);
      off += floats;
    };
    const b = this.buffers;
    const { stride, st, state } = this.layout;
    copy(b.losses, t0 * B, lossFloats);
    copy(b.losses, this.outputHalf + t0 * B, outFloats);
    copy(b.ctl, 0, ctlFloats);
    if (sample) {
      copy(b.norms, 0, normFloats);
      if (spectra) {
        copy(b.grams, 0, gramFloats);
        for (let f = 0; f < this.F; f++) copy(b.params, (this.base.full + f) * stride, n * n);
        for (let f = 0; f < this.F; f++) copy(b.state, (this.base.full + f) * st + state.d, n);
      }
      for (const f of this.factorLanes) copy(b.factors, this.lanes[f.lane].offset.factors, f.prefix);
    }
    this.fillNoise(t0, t1);
    if (timed) this.timer.resolve(enc, staging, tsOffset);
    device.queue.submit([enc.finish()]);
    const landed = this.timer.submitted(t1 - t0);
    const done = this.readback.collect(staging, total * 4, (data) => {
      landed();
      if (timed) this.timer.absorb(data, tsOffset);
      this.absorb(new Float32Array(data), t0, t1, sample);
    });
    this.inFlight.push({ t0, landed: done });
  }

  /**
   * [choice] The UORO and KF-RTRL signs of steps t0..t1-1, drawn here on the host from each lane's own
   * noise stream (the CPU estimator's Rng, in the CPU's order: n ν's per UORO step, c1 then c2 per KF step)
   * and uploaded once per chunk into a ring of CH = readbackEvery steps (a chunk never runs more; the
   * write lands after the previous chunk's commands on the queue timeline, so a ring slot in use is never
   * overwritten). Why not xoshiro128** in WGSL, which would agree just as exactly: a step's n draws are
   * one sequential stream (no cheap skip-ahead), so one invocation per lane would run n dependent
   * generator steps (~15 integer ops each) on the critical path of every GPU step, where on the host the
   * draws of the next chunk overlap the GPU's work on the previous ones (the staging pool keeps several in
   * flight); the stream's state would also live in two places (a GPU buffer and the lane's Rng, which the
   * live app carries from batch to batch) and need the Rng's private state. Drawn here, the host stream is
   * the one source and agreement is exact by construction. Measured: 256 draws take 21 µs in V8 on a
   * loaded 2-core machine (fast hardware: a few µs); the upload is n floats per step beside the n² of W
   * the step reads anyway.
   */
  private fillNoise(t0: number, t1: number): void {
    if (!this.lanes.some((x) => x.plan.draws)) return;
    const CH = this.options.readbackEvery;
    const ring = this.noiseRing;
    this.lanes.forEach(({ plan, offset }, i) => {
      const draws = plan.draws ?? 0;
      if (draws === 0) return;
      const rng = this.specs[this.extOf[i]].noiseRng!;
      for (let t = t0; t < t1; t++) {
        const slot = offset.noise + (t % CH) * draws;
        for (let j = 0; j < draws; j++) ring[slot + j] = rng.rademacher();
      }
    });
    this.ctx.device.queue.writeBuffer(this.buffers.noise, 0, ring);
  }

  /** Kernel timings so far (timing.ts): per kernel and step with timestamp queries, else submit-to-done per step. */
  timings(): BatchTimings {
    return this.timer.timings();
  }

  private absorb(data: Float32Array, t0: number, t1: number, sample: boolean): void {
    const B = this.B;
    const { n, pParts } = this.layout;
    const rows = (t1 - t0) * B;
    for (let r = 0; r < t1 - t0; r++) {
      for (let i = 0; i < B; i++) {
        this.losses[this.extOf[i]][t0 + r] = data[r * B + i];
        this.outputs[this.extOf[i]][t0 + r] = data[rows + r * B + i];
      }
    }
    let off = 2 * rows;
    const ctl = new Uint32Array(data.buffer, data.byteOffset + off * 4, controlWords(B));
    for (let i = 0; i < B; i++) this.divergedAt[this.extOf[i]] = ctl[controlIndex(i, 'diverged')] - 1;
    off += controlWords(B);
    if (!sample) return;
    const norms = this.specs.map(() => NaN);
    for (let i = 0; i < this.PL; i++) {
      // ‖P‖ over every part: lane i's partials of part q are PL lanes after those of part q-1
      let s = 0;
      for (let g = 0; g < GS; g++) {
        let x = 0;
        for (let q = 0; q < pParts; q++) x += data[off + (q * this.PL + i) * GS + g];
        s += x;
      }
      norms[this.extOf[i]] = Math.sqrt(s);
    }
    off += pParts * this.PL * GS;
    const full: MetricSample['full'] = [];
    if (this.model.spectra) {
      for (let f = 0; f < this.F; f++) {
        const gram = data.slice(off + f * n * n, off + (f + 1) * n * n);
        const W = data.slice(off + this.F * n * n + f * n * n, off + this.F * n * n + (f + 1) * n * n);
        const d = data.slice(off + 2 * this.F * n * n + f * n, off + 2 * this.F * n * n + (f + 1) * n);
        full.push({ lane: this.extOf[this.base.full + f], W, d, gram });
      }
      off += 2 * this.F * n * n + this.F * n;
    }
    // UORO ‖s‖·‖θ̃‖ and KF-RTRL ‖u‖·‖A‖, as the CPU estimators' sensitivityNorm
    for (const f of this.factorLanes) {
      let a = 0;
      let b = 0;
      for (let e = 0; e < f.first; e++) a += data[off + e] * data[off + e];
      for (let e = f.first; e < f.prefix; e++) b += data[off + e] * data[off + e];
      norms[this.extOf[f.lane]] = Math.sqrt(a) * Math.sqrt(b);
      off += f.prefix;
    }
    this.samples.push({ t: t1 - 1, norms, full });
  }

  // ---- carry-over to a new batch ----

  /** Every lane's state after the steps run so far (waits for the queue). */
  async snapshot(): Promise<BatchSnapshot> {
    this.checkUsable();
    await this.drain();
    const x = this.t % 2;
    const { n, p, stride, pFloats, stateParts, pParts } = this.layout;
    const { B, PL, L } = this;
    const b = this.buffers;
    const adam = this.env.optimizer === 'adam' && L > 0;
    const [params, h, P, moments, ctlF, sources, window, factors] = await Promise.all([
      this.readFloats(b.params, 0, B * stride),
      this.readFloats(this.pairs.h[x], 0, stateParts * B * n),
      PL > 0 ? this.readP(this.pairs.P[x], pParts * PL * pFloats) : null,
      adam ? this.readFloats(b.moments, 0, b.moments.size / 4) : null,
      this.readFloats(b.ctl, 0, controlWords(B)),
      this.readFloats(b.sources, 0, b.sources.size / 4),
      this.readFloats(b.window, 0, b.window.size / 4),
      this.readFloats(b.factors, 0, b.factors.size / 4),
    ]);
    const ctl = new Uint32Array(ctlF.buffer, ctlF.byteOffset, ctlF.length);
    const srcWords = new Int32Array(sources.buffer, sources.byteOffset, sources.length);
    const lanes = this.specs.map((_, ext): LaneSnapshot => {
      const i = this.intOf[ext];
      const { kind, plan, offset } = this.lanes[i];
      // per learning lane, Adam's [m; v] over its gradient record (update.wgsl), in the engine's [θ; V, c]
      const rec = gradRecord(this.layout, L - this.R, i);
      const at = stride - rec.floats;
      const moment = (from: number) => {
        const out = new Float32Array(stride);
        out.set(moments!.subarray(from, from + rec.floats), at);
        return out;
      };
      const carried = (name: 'window' | 'factors', all: Float32Array) =>
        kind.carries.includes(name) ? all.slice(offset[name], offset[name] + (plan[name] ?? 0)) : null;
      const lane: LaneSnapshot = {
        theta: params.slice(i * stride, i * stride + p),
        readout: params.slice(i * stride + p, (i + 1) * stride),
        h: h.slice(i * n, (i + 1) * n),
        moments: i < L && moments ? { m: moment(2 * rec.start), v: moment(2 * rec.start + rec.floats) } : null,
        sources: kind.carries.includes('sources') ? srcWords.slice(offset.sources, offset.sources + (plan.sources?.length ?? 0)) : null,
        window: carried('window', window),
        factors: carried('factors', factors),
        diverged: ctl[controlIndex(i, 'diverged')] !== 0,
        updates: ctl[controlIndex(i, 'updates')],
      };
      // the model's state and P parts by name (h, c; P, or P^h and P^c)
      this.model.stateNames.forEach((name, q) => (lane[name] = h.slice((q * B + i) * n, (q * B + i + 1) * n)));
      this.model.pNames.forEach((name, q) => (lane[name] = i < PL && P ? P.slice((q * PL + i) * pFloats, (q * PL + i + 1) * pFloats) : null));
      return lane;
    });
    return { t: this.t, lanes };
  }

  /**
   * Continues every lane from `snap` (taken from a batch with the same lanes, in the same order) in this
   * new batch, before its first step: weights, running state, P, Adam moments and step counts, selections
   * and the lane kinds' records; a lane that had diverged stays frozen. `resetOptimizer` lanes restart
   * their optimizer; `newSelection` lanes keep the selection of this batch's LaneSpec.
   */
  restore(snap: BatchSnapshot, options: RestoreOptions = {}): void {
    this.checkUsable();
    if (this.t !== 0) throw new RangeError(`${this.options.label}: restore() needs a batch that has not stepped (t = ${this.t})`);
    if (snap.lanes.length !== this.B) throw new RangeError(`${this.options.label}: snapshot has ${snap.lanes.length} lanes, the batch ${this.B}`);
    const reset = new Set(options.resetOptimizer ?? []);
    const reselected = new Set(options.newSelection ?? []);
    const { n, p, stride, pFloats, stateParts, pParts } = this.layout;
    const { B, PL, L } = this;
    const b = this.buffers;
    const q = this.ctx.device.queue;
    const params = new Float32Array(B * stride);
    const h = new Float32Array(stateParts * B * n);
    const P = new Float32Array(Math.max(1, pParts * PL * pFloats));
    const adam = this.env.optimizer === 'adam' && L > 0;
    const moments = new Float32Array(adam ? b.moments.size / 4 : 1);
    const ctl = new Uint32Array(controlWords(B));
    snap.lanes.forEach((lane, ext) => {
      const i = this.intOf[ext];
      const { kind, offset } = this.lanes[i];
      params.set(lane.theta, i * stride);
      params.set(lane.readout, i * stride + p);
      this.model.stateNames.forEach((name, part) => {
        const v = lane[name];
        if (v) h.set(v, (part * B + i) * n);
      });
      if (i < PL) {
        this.model.pNames.forEach((name, part) => {
          const v = lane[name];
          if (!v) throw new RangeError(`lane ${ext}: the snapshot has no P for an RTRL lane`);
          P.set(v, (part * PL + i) * pFloats);
        });
      }
      // a lane kind's own records (the noise stream carries on in its LaneSpec's noiseRng)
      for (const name of ['window', 'factors'] as const) {
        const v = lane[name];
        if (v && kind.carries.includes(name)) q.writeBuffer(b[name], offset[name] * 4, Float32Array.from(v));
      }
      const restart = reset.has(ext);
      if (adam && i < L && lane.moments && !restart) {
        // a readout lane keeps the moments of V and c only
        const rec = gradRecord(this.layout, L - this.R, i);
        moments.set(lane.moments.m.subarray(stride - rec.floats), 2 * rec.start);
        moments.set(lane.moments.v.subarray(stride - rec.floats), 2 * rec.start + rec.floats);
      }
      // the new batch counts its own steps from 0; a diverged lane stays frozen (diverged "at" step 0)
      ctl[controlIndex(i, 'diverged')] = lane.diverged ? 1 : 0;
      ctl[controlIndex(i, 'updates')] = restart ? 0 : lane.updates;
      const m = this.specs[ext].method;
      if (m.kind === 'sparse' && m.k > 0 && !reselected.has(ext)) {
        if (!lane.sources || lane.sources.length !== n * m.k)
          throw new RangeError(`lane ${ext}: the snapshot's selection does not fit k = ${m.k}; pass it in newSelection`);
        q.writeBuffer(b.sources, offset.sources * 4, Uint32Array.from(lane.sources));
      }
    });
    q.writeBuffer(b.params, 0, params);
    q.writeBuffer(b.h0, 0, h);
    if (PL > 0) q.writeBuffer(b.P0, 0, this.pStorage === 'f16' ? packHalves(P) : P);
    if (adam) q.writeBuffer(b.moments, 0, moments);
    q.writeBuffer(b.ctl, 0, ctl);
  }

  // ---- inspection, for tests and the verification dispatch ----

  /** Internal lane index of an external one (the order lanes were given in). */
  laneIndex(ext: number): number {
    return this.intOf[ext];
  }

  /** A whole buffer, read back (waits for the queue). */
  async read(name: BatchBufferName): Promise<Float32Array> {
    await this.drain();
    return this.readFloats(this.buffers[name], 0, this.buffers[name].size / 4);
  }

  write(name: BatchBufferName, data: Float32Array | Uint32Array, offsetFloats = 0): void {
    this.ctx.device.queue.writeBuffer(this.buffers[name], offsetFloats * 4, data as Float32Array<ArrayBuffer>);
  }

  /** Runs one kernel alone, as it would run at a step of parity `t % 2` (a metric kernel: after t steps). */
  async dispatchKernel(kernel: KernelName, t: number): Promise<void> {
    const k = [...this.stepKernels, ...this.metricKernels, this.settleKernel].find((x) => x.spec.name === kernel);
    if (!k) throw new RangeError(`${kernel}: no such kernel in this batch`);
    const label = `${this.options.label} ${kernel} alone`;
    // its step in the last slot, with no settle (stepEnd settles step t - 1 whatever the flag)
    const slot = this.options.readbackEvery;
    this.setStepSlot(slot, t, false);
    const at = (slot * this.stepAlign) / 4;
    this.ctx.device.queue.writeBuffer(this.stepBuffer, at * 4, this.stepSlots, at, STEP_UNIFORM.words);
    const enc = this.ctx.device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label });
    this.dispatch(pass, k, t % 2, slot);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
    await this.ctx.device.queue.onSubmittedWorkDone();
  }

  /** Gram matrices as last computed by the gram kernel (F × n × n). */
  async readGrams(): Promise<Float32Array> {
    return this.readFloats(this.buffers.grams, 0, this.F * this.layout.n * this.layout.n);
  }

  /** `count` entries of a P buffer, as floats whichever the storage. */
  private async readP(src: GPUBuffer, count: number): Promise<Float32Array> {
    if (this.pStorage === 'f32') return this.readFloats(src, 0, count);
    return unpackHalves(new Uint32Array(await readBuffer(this.ctx.device, this.ctx.health, src, 0, Math.ceil(count / 2) * 4)), count);
  }

  private async readFloats(src: GPUBuffer, offsetFloats: number, floats: number): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.ctx.device, this.ctx.health, src, offsetFloats * 4, floats * 4));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.readback.destroy();
    this.timer?.destroy();
    for (const b of this.allBuffers) b.destroy();
  }
}
