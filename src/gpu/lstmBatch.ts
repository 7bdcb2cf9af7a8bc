/**
 * A batch of LSTM lanes on the GPU: every lane is one arm of one seed (frozen, full RTRL or sparse-k RTRL
 * on W_h with the cell carry), all of one shape, every lane advancing in the same dispatches, as GpuBatch
 * does for the RNN. The public surface is GpuBatch's (create, advance, losses, divergedAt, samples,
 * snapshot/restore, timings, destroy) so a caller can drive either.
 *
 * One step, in dispatch order:
 *   lstmForward      z_t, gates, c_t, h_t, the local derivatives, y_t, e_t, dL/dh_t, L_t     (one workgroup per lane)
 *   lstmTransport    P^c_t and P^h_t from P^h_{t-1}, P^c_{t-1}, with the immediate terms   (sparse-k lanes: a gather)
 *   lstmDense        the same for full-RTRL lanes, as tiled matrix products                (full lanes)
 *   gradient         g_t = c_tᵀ P^h_t                                                      (RNN kernel)
 *   readoutGradient, clipScale, update, stepEnd                                            (RNN kernels)
 * and, every metricsEvery steps, sumSquares over P^h and P^c (‖[P^h; P^c]‖, the CPU's sensitivityNorm).
 * The RNN kernels run unchanged with the LSTM's p and state length as override constants (lstmLayout.ts).
 *
 * Both transports fuse the cell and output paths so P^h_{t-1} is read once for both. Full RTRL has its own
 * tiled kernel because the gather, run with k = n, would read every row of P^h once per unit (n² p loads
 * per step); the tile reuses each loaded value TS times, as the RNN's dense kernel does. On a software
 * adapter full lanes run the gather with every source instead (chooseLstmFullTransport says why).
 *
 * Lanes are ordered sparse (and full lanes run by the gather), full, frozen: each kernel covers a contiguous range.
 */
import type { LearningMethod } from '../engine/methods';
import type { LstmParams } from '../engine/models/lstm';
import type { OptimizerConfig } from '../engine/optimizer';
import type { Floats } from '../engine/precision';
import type { Rng } from '../engine/rng';
import type { Sequence } from '../engine/tasks/task';
import { allPaths, selectPaths } from '../engine/transportMask';
import { nextChunkEnd, type BatchOptions, type GpuContext, type MetricSample } from './batch';
import { GpuError } from './errors';
import { baseConstants, COLS, CONTROL, TS, controlIndex, controlWords, encodeHyper, encodeLanes, encodeStreams, GS, stepRecordHalf, WG, type BatchLayout, type GpuShape, type LaneRecord } from './layout';
import { LSTM_BINDINGS, LstmKernels, type LstmShaderName } from './lstmKernels';
import { lstmBatchLayout, lstmConstants, type LstmBatchLayout } from './lstmLayout';
import { readBuffer, ReadbackPool } from './readback';
import type { ShaderName } from './shaderSources';
import { KernelTimer, type BatchTimings } from './timing';

/** Which kernel the full-RTRL lanes run: the tiled products, or the gather with every source; 'auto' by adapter. */
export type LstmFullTransport = 'auto' | 'tiled' | 'gather';

export interface LstmBatchOptions extends Omit<BatchOptions, 'sparseKernel'> {
  /** full lanes' kernel (chooseLstmFullTransport); default 'auto' */
  fullTransport?: LstmFullTransport;
}

/**
 * The full lanes' kernel on this adapter, and why (a line for the backend badge's tooltip). Measured on
 * SwiftShader at n = 32: the gather with k = n took about half the tiled kernel's time (workgroup barriers
 * are slow there, and it has no tiles to stage); on a hardware adapter the tile's reuse of each P^h load
 * (2·TS multiply-adds per load instead of 2) is the design's expectation, not yet a measurement.
 */
export function chooseLstmFullTransport(software: boolean, preference: LstmFullTransport = 'auto'): { gather: boolean; reason: string } {
  const sparse = 'LSTM transport: sparse lanes run a fused cell/output gather (scalar, barrier-free)';
  if (preference === 'tiled') return { gather: false, reason: `${sparse}; full lanes a tiled kernel (asked for)` };
  if (preference === 'gather') return { gather: true, reason: `${sparse}; full lanes the same gather with every source (asked for)` };
  return software
    ? { gather: true, reason: `${sparse}; full lanes the same gather with every source (software adapter: workgroup barriers are slow there)` }
    : { gather: false, reason: `${sparse}; full lanes a tiled kernel (hardware adapter)` };
}

export interface LstmLaneSpec {
  method: LearningMethod;
  /** starting weights (copied to the GPU) */
  params: LstmParams;
  /** starting running state [h; c] (2n), or h alone (n, c = 0); zeros when absent */
  hInit?: Floats;
  /** sparse lanes: the initial selection, k indices per unit, drawn by the CPU code */
  sources?: Int32Array;
  /** sparse lanes with refreshEvery > 0: the stream later selections are drawn from */
  selectionRng?: Rng;
  /** which of the batch's streams this lane reads */
  stream: number;
}

/** One lane's state between batches, in the engine's terms. */
export interface LstmLaneSnapshot {
  theta: Float32Array;
  readout: Float32Array;
  /** h_t and c_t: the running state the next step reads */
  h: Float32Array;
  c: Float32Array;
  /** P^h_t and P^c_t (n × p each), lanes with a P only */
  ph: Float32Array | null;
  pc: Float32Array | null;
  moments: { m: Float32Array; v: Float32Array } | null;
  sources: Int32Array | null;
  diverged: boolean;
  updates: number;
}

export interface LstmBatchSnapshot {
  t: number;
  lanes: LstmLaneSnapshot[];
}

export interface LstmRestoreOptions {
  /** lanes (external indices) whose optimizer restarts */
  resetOptimizer?: readonly number[];
  /** lanes whose selection comes from this batch's LstmLaneSpec rather than the snapshot */
  newSelection?: readonly number[];
}

/** The RNN kernels an LSTM step reuses, with the LSTM's constants. */
type RnnKernel = 'gradient' | 'readoutGradient' | 'clipScale' | 'update' | 'stepEnd' | 'sumSquares';

interface BuiltKernel {
  name: string;
  pipeline: GPUComputePipeline;
  /** per parity x = t % 2 */
  groups: [GPUBindGroup, GPUBindGroup];
  dims: [number, number, number];
}

type BufferName = 'params' | 'h0' | 'h1' | 'state' | 'P0' | 'P1' | 'grad' | 'moments' | 'ctl' | 'losses' | 'sources' | 'hyper' | 'norms' | 'partials' | 'lanes' | 'streams';
export type LstmBatchBufferName = 'params' | 'h0' | 'h1' | 'state' | 'P0' | 'P1' | 'grad' | 'moments' | 'ctl' | 'losses' | 'sources';

/** How a lane's method runs here: with a P or frozen, its k, scale and initial selection. */
function laneTransport(spec: LstmLaneSpec, n: number, ext: number, fullGather: boolean): { range: 'sparse' | 'full' | 'frozen'; k: number; scale: number; sources: Int32Array | null } {
  const m = spec.method;
  switch (m.kind) {
    case 'frozen':
      return { range: 'frozen', k: 0, scale: 1, sources: null };
    case 'full':
      // every source, in order: the tiled kernel needs no list; the gather is given PathSelection's allPaths
      return fullGather ? { range: 'sparse', k: n, scale: 1, sources: allPaths(n) } : { range: 'full', k: n, scale: 1, sources: null };
    case 'sparse':
      if (!(m.k >= 0 && m.k <= n)) throw new RangeError(`lane ${ext}: k must be in [0, ${n}], got ${m.k}`);
      if (m.k > 0 && (!spec.sources || spec.sources.length < n * m.k)) throw new RangeError(`lane ${ext}: sparse lane needs n*k = ${n * m.k} sources`);
      return { range: 'sparse', k: m.k, scale: m.rescale && m.k > 0 ? n / m.k : 1, sources: m.k > 0 ? spec.sources!.slice(0, n * m.k) : null };
    default:
      throw new GpuError('validation', `lane ${ext}: '${m.kind}' does not run on the GPU engine for the LSTM (frozen, full and k=K do)`);
  }
}

/**
 * The LSTM's path weights ‖W_h[·_j, q]‖ over the four gates (LstmModel.pathWeights), n × n, from θ (or its
 * first 4n·n entries, W_h): what a new selection is ranked by, e.g. from a snapshot's θ when a live run
 * changes k (selectPaths(strategy, lstmPathWeights(shape, lane.theta), n, k, rng, out)).
 */
export function lstmPathWeights(shape: GpuShape, theta: Floats): Floats {
  const n = shape.n;
  const out = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let q = 0; q < n; q++) {
      let s = 0;
      for (let gate = 0; gate < 4; gate++) s += theta[(gate * n + j) * n + q] ** 2;
      out[j * n + q] = Math.sqrt(s);
    }
  }
  return out;
}

export class LstmBatch {
  readonly shape: GpuShape;
  readonly B: number;
  readonly steps: number;
  /** sparse lanes, full lanes, lanes with a P (sparse + full), learning lanes (the same: every learning lane has a P) */
  readonly S: number;
  readonly F: number;
  readonly PL: number;
  readonly L: number;
  readonly layout: LstmBatchLayout;
  readonly losses: Float32Array[];
  /** each lane's first output y_t[0] per step, before the step's update (GpuBatch.outputs) */
  readonly outputs: Float32Array[];
  readonly divergedAt: number[];
  readonly samples: MetricSample[] = [];
  t = 0;
  elapsedMs = 0;
  readonly selectionsDrawn: number[];
  /** the transport kernel and why (GpuBatch's badge line has the same shape) */
  readonly sparseTransport: { shader: string; reason: string };

  private readonly ctx: GpuContext;
  private readonly specs: LstmLaneSpec[];
  private readonly extOf: number[];
  private readonly intOf: number[] = [];
  private readonly options: Required<Omit<LstmBatchOptions, 'label'>> & { label: string };
  private readonly srcOffset: number[] = [];
  private readonly laneK: number[];
  private readonly buffers: Record<BufferName, GPUBuffer>;
  private readonly allBuffers: GPUBuffer[] = [];
  private readonly readback: ReadbackPool;
  /** where the outputs start in the losses buffer (stepRecordHalf) */
  private readonly outputHalf: number;
  private stepKernels: BuiltKernel[] = [];
  private metricKernels: BuiltKernel[] = [];
  private timer!: KernelTimer;
  private destroyed = false;

  private constructor(ctx: GpuContext, shape: GpuShape, streams: readonly Sequence[], specs: LstmLaneSpec[], options: LstmBatchOptions) {
    this.ctx = ctx;
    this.shape = { n: shape.n, m: shape.m, o: shape.o };
    this.specs = specs;
    this.options = {
      optimizer: options.optimizer,
      readbackEvery: options.readbackEvery ?? 50,
      metricsEvery: options.metricsEvery ?? 0,
      poolSize: options.poolSize ?? 3,
      timing: options.timing ?? true,
      fullTransport: options.fullTransport ?? 'auto',
      label: options.label ?? 'lstm batch',
    };
    const full = chooseLstmFullTransport(ctx.software, this.options.fullTransport);
    this.sparseTransport = { shader: full.gather ? 'lstmTransport' : 'lstmTransport, lstmDense', reason: full.reason };
    const layout = lstmBatchLayout(this.shape);
    this.layout = layout;
    const { n, stride, st, pFloats } = layout;
    this.steps = Math.min(...streams.map((s) => s.length));
    const transports = specs.map((spec, ext) => laneTransport(spec, n, ext, full.gather));
    const rank = { sparse: 0, full: 1, frozen: 2 };
    this.extOf = specs.map((_, i) => i).sort((a, b) => rank[transports[a].range] - rank[transports[b].range] || a - b);
    this.extOf.forEach((ext, i) => (this.intOf[ext] = i));
    this.B = specs.length;
    this.S = transports.filter((x) => x.range === 'sparse').length;
    this.F = transports.filter((x) => x.range === 'full').length;
    this.PL = this.S + this.F;
    this.L = this.PL;
    this.laneK = transports.map((x) => x.k);
    this.losses = specs.map(() => new Float32Array(this.steps).fill(NaN));
    this.outputs = specs.map(() => new Float32Array(this.steps).fill(NaN));
    this.outputHalf = stepRecordHalf(this.steps, this.B);
    this.divergedAt = specs.map(() => -1);
    this.selectionsDrawn = specs.map((s) => (s.method.kind === 'sparse' ? 1 : 0));

    const { device } = ctx;
    this.readback = new ReadbackPool(device, this.options.label, this.options.poolSize);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, floats: number, u = usage) => {
      const b = device.createBuffer({ label: `${this.options.label} ${label}`, size: Math.max(16, Math.ceil(floats) * 4), usage: u });
      this.allBuffers.push(b);
      return b;
    };
    const { B, L, PL } = this;
    let srcTotal = 0;
    for (let i = 0; i < B; i++) {
      this.srcOffset.push(srcTotal);
      srcTotal += transports[this.extOf[i]].sources?.length ?? 0;
    }
    const T = this.steps;
    this.buffers = {
      params: make('params [θ; V, c]', B * stride),
      h0: make('[h; c] (even steps read)', 2 * B * n),
      h1: make('[h; c] (odd steps read)', 2 * B * n),
      state: make('state [-, dLdh, e, clip, finite, local, hPrev, x, keep]', B * st),
      P0: make('[P^h; P^c] (even steps read)', 2 * PL * pFloats),
      P1: make('[P^h; P^c] (odd steps read)', 2 * PL * pFloats),
      grad: make('gradient', L * stride),
      moments: make('Adam moments', options.optimizer.kind === 'adam' ? 2 * L * stride : 4),
      ctl: make('control', controlWords(B)),
      losses: make('losses [L; y_0] per step and lane', 2 * this.outputHalf),
      sources: make('sources', srcTotal),
      hyper: make('hyper', 4, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      norms: make('‖P‖² partials', 2 * PL * GS),
      partials: make('Σg² partials', L * (layout.gt + layout.gr)),
      lanes: make('lanes', 4 * B),
      streams: make('streams [x, y*, flags]', streams.length * T * layout.ss),
    };
    const b = this.buffers;
    const params = new Float32Array(B * stride);
    const h = new Float32Array(2 * B * n);
    const records: LaneRecord[] = [];
    const sources = new Uint32Array(Math.max(4, srcTotal));
    for (let i = 0; i < B; i++) {
      const spec = specs[this.extOf[i]];
      if (spec.params.theta.length !== layout.p) throw new RangeError(`lane ${this.extOf[i]}: θ has ${spec.params.theta.length} entries, the LSTM of n=${n}, m=${shape.m} has ${layout.p}`);
      params.set(spec.params.theta, i * stride);
      params.set(spec.params.readout, i * stride + layout.p);
      if (spec.hInit) {
        h.set(spec.hInit.subarray(0, n), i * n);
        if (spec.hInit.length >= 2 * n) h.set(spec.hInit.subarray(n, 2 * n), B * n + i * n);
      }
      const x = transports[this.extOf[i]];
      records.push({ k: x.k, srcOffset: this.srcOffset[i], scale: x.scale, stream: spec.stream });
      if (x.sources) sources.set(x.sources, this.srcOffset[i]);
    }
    const q = device.queue;
    q.writeBuffer(b.params, 0, params);
    q.writeBuffer(b.h0, 0, h);
    q.writeBuffer(b.lanes, 0, encodeLanes(records));
    q.writeBuffer(b.sources, 0, sources);
    // encodeStreams reads m, o and ss only
    q.writeBuffer(b.streams, 0, encodeStreams(layout as unknown as BatchLayout, streams, T));
    q.writeBuffer(b.hyper, 0, encodeHyper(options.optimizer.lr, options.optimizer.clipNorm));
  }

  /**
   * A batch of LSTM lanes on `streams` (lane i reads streams[lanes[i].stream]); `shape` is the LSTM's
   * n, m, o. Lanes: frozen, full or sparse (method records' `gpu` includes 'lstm'); others are refused.
   */
  static async create(ctx: GpuContext, shape: GpuShape, streams: readonly Sequence[], lanes: LstmLaneSpec[], options: LstmBatchOptions): Promise<LstmBatch> {
    ctx.health.check();
    const batch = new LstmBatch(ctx, shape, streams, lanes, options);
    await batch.build();
    batch.timer = new KernelTimer(ctx.device, batch.options.label, batch.stepKernels.map((k) => k.name), batch.options.timing);
    ctx.health.check();
    return batch;
  }

  private async build(): Promise<void> {
    const { layout, B, PL, L } = this;
    const lstm = await LstmKernels.of(this.ctx.device);
    const base = { ...baseConstants(layout, this.steps, B, 0), ...lstmConstants(layout) };
    const adam = this.options.optimizer.kind === 'adam';
    const own = (name: LstmShaderName, dims: [number, number, number], extra: Record<string, number> = {}) => ({ name, dims, own: true as const, constants: { ...base, PL, ...extra } });
    const rnn = (name: RnnKernel, dims: [number, number, number], extra: Record<string, number> = {}) => ({ name, dims, own: false as const, constants: { ...base, ...extra } });
    const stepTable = [
      own('lstmForward', [B, 1, 1]),
      own('lstmTransport', [Math.ceil(layout.p / (WG * COLS)), layout.n, this.S]),
      own('lstmDense', [Math.ceil(layout.p / TS), Math.ceil(layout.n / TS), this.F], { LANE_BASE: this.S, TS }),
      rnn('gradient', [layout.gt, 1, PL]),
      rnn('readoutGradient', [layout.gr, 1, L]),
      rnn('clipScale', [L, 1, 1]),
      rnn('update', [Math.ceil(layout.stride / WG), 1, L], { ADAM: adam ? 1 : 0 }),
      rnn('stepEnd', [1, 1, 1]),
    ];
    // ‖P^h‖² and ‖P^c‖² partials: the RNN's reduction over 2·PL "lanes" of n × p (lstmLayout.ts)
    const metricTable = [rnn('sumSquares', [GS, 1, 2 * PL], { GS })];
    const make = async (k: (typeof stepTable)[number]): Promise<BuiltKernel> => {
      const groups = [0, 1].map((x) => {
        const buffers = this.buffersAt(x);
        return { x, buffers };
      });
      if (k.own) {
        const pipeline = await lstm.pipeline(k.name, k.constants);
        const names = Object.keys(LSTM_BINDINGS[k.name]);
        const bg = groups.map(({ x, buffers }) =>
          this.ctx.device.createBindGroup({
            label: `${this.options.label} ${k.name} [${x ? 'odd' : 'even'}]`,
            layout: pipeline.getBindGroupLayout(0),
            entries: names.map((name, binding) => ({ binding, resource: { buffer: buffers[name]! } })),
          }),
        );
        return { name: k.name, pipeline, groups: [bg[0], bg[1]], dims: k.dims };
      }
      const name = k.name as ShaderName;
      const pipeline = await this.ctx.kernels.pipeline(name, k.constants);
      const bg = groups.map(({ x, buffers }) => this.ctx.kernels.bindGroup(name, pipeline, buffers, `${this.options.label} ${k.name} [${x ? 'odd' : 'even'}]`));
      return { name: k.name, pipeline, groups: [bg[0], bg[1]], dims: k.dims };
    };
    const used = <K extends { dims: [number, number, number] }>(table: K[]) => table.filter((k) => k.dims.every((d) => d > 0));
    [this.stepKernels, this.metricKernels] = await Promise.all([Promise.all(used(stepTable).map(make)), Promise.all(used(metricTable).map(make))]);
  }

  /** Every buffer by binding name at parity x: hIn/pIn/pCur are what step t (t % 2 = x) reads, hOut/pOut what it writes. */
  private buffersAt(x: number): Record<string, GPUBuffer> {
    const b = this.buffers;
    const h = [b.h0, b.h1];
    const P = [b.P0, b.P1];
    return { ...b, hIn: h[x], hOut: h[1 - x], pIn: P[x], pCur: P[x], pOut: P[1 - x] };
  }

  get done(): boolean {
    return this.t >= this.steps;
  }

  setLearningRate(lr: number): void {
    this.options.optimizer = { ...this.options.optimizer, lr } as OptimizerConfig;
    this.ctx.device.queue.writeBuffer(this.buffers.hyper, 0, encodeHyper(lr, this.options.optimizer.clipNorm));
  }

  /** Advances every lane by `steps` (fewer at the end of the stream); resolves once their losses are read back. */
  async advance(steps: number): Promise<void> {
    this.checkUsable();
    const start = performance.now();
    const end = Math.min(this.steps, this.t + steps);
    const { readbackEvery, metricsEvery } = this.options;
    while (this.t < end) {
      await this.refreshSelections();
      const chunkEnd = nextChunkEnd(this.t, end, readbackEvery, metricsEvery, this.specs);
      await this.encodeChunk(this.t, chunkEnd);
      this.t = chunkEnd;
    }
    await this.drain();
    this.elapsedMs += performance.now() - start;
    this.checkUsable();
  }

  drain(): Promise<void> {
    return this.readback.drain();
  }

  private checkUsable(): void {
    if (this.destroyed) throw new GpuError('validation', `${this.options.label}: used after destroy()`);
    this.ctx.health.check();
    this.readback.check();
  }

  /**
   * Redraws the selection of sparse lanes due at step t, before the step (PathSelection.beforeStep), from
   * the LSTM's path weights ‖W_h[·_j, q]‖ over the four gates as of now (a wait, at refresh steps only).
   */
  private async refreshSelections(): Promise<void> {
    const t = this.t;
    if (t === 0) return;
    const { n, stride } = this.layout;
    const due = this.specs.some((s) => s.method.kind === 'sparse' && s.method.refreshEvery > 0 && t % s.method.refreshEvery === 0 && s.method.k > 0);
    if (!due) return;
    // a lane that diverged draws no more (the CPU learner stops stepping it)
    await this.drain();
    for (let ext = 0; ext < this.specs.length; ext++) {
      const spec = this.specs[ext];
      const m = spec.method;
      if (m.kind !== 'sparse' || m.refreshEvery <= 0 || t % m.refreshEvery !== 0 || m.k === 0) continue;
      if (this.divergedAt[ext] >= 0) continue;
      const i = this.intOf[ext];
      let weights: Floats = new Float32Array(n * n);
      if (m.strategy === 'top-k' || m.strategy === 'bottom-k') weights = lstmPathWeights(this.shape, await this.readFloats(this.buffers.params, i * stride, 4 * n * n));
      const out = new Int32Array(n * m.k);
      if (!spec.selectionRng) throw new RangeError(`lane ${ext}: refreshing selection needs selectionRng`);
      selectPaths(m.strategy, weights, n, m.k, spec.selectionRng, out);
      this.selectionsDrawn[ext]++;
      this.ctx.device.queue.writeBuffer(this.buffers.sources, this.srcOffset[i] * 4, Uint32Array.from(out));
    }
  }

  private dispatch(pass: GPUComputePassEncoder, k: BuiltKernel, x: number): void {
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, k.groups[x]);
    pass.dispatchWorkgroups(...k.dims);
  }

  private async encodeChunk(t0: number, t1: number): Promise<void> {
    const { device } = this.ctx;
    const B = this.B;
    const every = this.options.metricsEvery;
    const sample = every > 0 && (t1 - 1) % every === 0;
    const lossFloats = (t1 - t0) * B;
    const ctlFloats = controlWords(B);
    const normFloats = sample ? 2 * this.PL * GS : 0;
    const tsOffset = 8 * Math.ceil((2 * lossFloats + ctlFloats + normFloats) / 2);
    const total = (tsOffset + this.timer.bytes) / 4;
    const staging = await this.readback.acquire(total * 4);
    const label = `${this.options.label} steps ${t0}..${t1 - 1}`;
    const enc = device.createCommandEncoder({ label });
    let first = t0;
    if (this.timer.timestamps) {
      this.stepKernels.forEach((k, i) => {
        const p = enc.beginComputePass({ label: `${label} ${k.name} timed`, timestampWrites: this.timer.writes(i) });
        this.dispatch(p, k, t0 % 2);
        p.end();
      });
      first = t0 + 1;
    }
    if (first < t1) {
      const pass = enc.beginComputePass({ label });
      for (let t = first; t < t1; t++) for (const k of this.stepKernels) this.dispatch(pass, k, t % 2);
      pass.end();
    }
    if (sample && this.metricKernels.length > 0) {
      const mp = enc.beginComputePass({ label: `${this.options.label} metrics after step ${t1 - 1}` });
      for (const k of this.metricKernels) this.dispatch(mp, k, t1 % 2);
      mp.end();
    }
    let off = 0;
    const copy = (src: GPUBuffer, srcFloat: number, floats: number) => {
      if (floats > 0) enc.copyBufferToBuffer(src, srcFloat * 4, staging, off * 4, floats * 4);
      off += floats;
    };
    copy(this.buffers.losses, t0 * B, lossFloats);
    // the outputs y_t[0] (the losses buffer's second half)
    copy(this.buffers.losses, this.outputHalf + t0 * B, lossFloats);
    copy(this.buffers.ctl, 0, ctlFloats);
    if (sample) copy(this.buffers.norms, 0, normFloats);
    this.timer.resolve(enc, staging, tsOffset);
    device.queue.submit([enc.finish()]);
    const landed = this.timer.submitted(t1 - t0);
    this.readback.collect(staging, total * 4, (data) => {
      landed();
      this.timer.absorb(data, tsOffset);
      this.absorb(new Float32Array(data), t0, t1, sample);
    });
  }

  timings(): BatchTimings {
    return this.timer.timings();
  }

  private absorb(data: Float32Array, t0: number, t1: number, sample: boolean): void {
    const B = this.B;
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
      // ‖[P^h; P^c]‖: lane i's P^h partials, then its P^c partials PL lanes on
      let s = 0;
      for (let g = 0; g < GS; g++) s += data[off + i * GS + g] + data[off + (this.PL + i) * GS + g];
      norms[this.extOf[i]] = Math.sqrt(s);
    }
    this.samples.push({ t: t1 - 1, norms, full: [] });
  }

  // ---- carry-over to a new batch ----

  /** Every lane's state after the steps run so far (waits for the queue). */
  async snapshot(): Promise<LstmBatchSnapshot> {
    this.checkUsable();
    await this.drain();
    const x = this.t % 2;
    const { n, p, stride, pFloats } = this.layout;
    const b = this.buffers;
    const { B, PL, L } = this;
    const adam = this.options.optimizer.kind === 'adam' && L > 0;
    const [params, hc, P, moments, ctlF, sources] = await Promise.all([
      this.readFloats(b.params, 0, B * stride),
      this.readFloats(x ? b.h1 : b.h0, 0, 2 * B * n),
      PL > 0 ? this.readFloats(x ? b.P1 : b.P0, 0, 2 * PL * pFloats) : null,
      adam ? this.readFloats(b.moments, 0, 2 * L * stride) : null,
      this.readFloats(b.ctl, 0, controlWords(B)),
      this.readFloats(b.sources, 0, b.sources.size / 4),
    ]);
    const ctl = new Uint32Array(ctlF.buffer, ctlF.byteOffset, ctlF.length);
    const src = new Int32Array(sources.buffer, sources.byteOffset, sources.length);
    const lanes = this.specs.map((spec, ext): LstmLaneSnapshot => {
      const i = this.intOf[ext];
      const mi = 2 * i * stride;
      return {
        theta: params.slice(i * stride, i * stride + p),
        readout: params.slice(i * stride + p, (i + 1) * stride),
        h: hc.slice(i * n, (i + 1) * n),
        c: hc.slice((B + i) * n, (B + i + 1) * n),
        ph: i < PL && P ? P.slice(i * pFloats, (i + 1) * pFloats) : null,
        pc: i < PL && P ? P.slice((PL + i) * pFloats, (PL + i + 1) * pFloats) : null,
        moments: i < L && moments ? { m: moments.slice(mi, mi + stride), v: moments.slice(mi + stride, mi + 2 * stride) } : null,
        sources: spec.method.kind === 'sparse' ? src.slice(this.srcOffset[i], this.srcOffset[i] + n * this.laneK[ext]) : null,
        diverged: ctl[controlIndex(i, 'diverged')] !== 0,
        updates: ctl[controlIndex(i, 'updates')],
      };
    });
    return { t: this.t, lanes };
  }

  /**
   * Continues every lane from `snap` (same lanes, same order) in this new batch before its first step:
   * weights, h, c, P^h, P^c, Adam moments and counts, selections; a diverged lane stays frozen.
   */
  restore(snap: LstmBatchSnapshot, options: LstmRestoreOptions = {}): void {
    this.checkUsable();
    if (this.t !== 0) throw new RangeError(`${this.options.label}: restore() needs a batch that has not stepped (t = ${this.t})`);
    if (snap.lanes.length !== this.B) throw new RangeError(`${this.options.label}: snapshot has ${snap.lanes.length} lanes, the batch ${this.B}`);
    const reset = new Set(options.resetOptimizer ?? []);
    const reselected = new Set(options.newSelection ?? []);
    const { n, p, stride, pFloats } = this.layout;
    const { B, PL, L } = this;
    const b = this.buffers;
    const params = new Float32Array(B * stride);
    const hc = new Float32Array(2 * B * n);
    const P = new Float32Array(Math.max(1, 2 * PL * pFloats));
    const adam = this.options.optimizer.kind === 'adam' && L > 0;
    const moments = new Float32Array(adam ? 2 * L * stride : 1);
    const ctl = new Uint32Array(controlWords(B));
    const q = this.ctx.device.queue;
    snap.lanes.forEach((lane, ext) => {
      const i = this.intOf[ext];
      params.set(lane.theta, i * stride);
      params.set(lane.readout, i * stride + p);
      hc.set(lane.h, i * n);
      hc.set(lane.c, (B + i) * n);
      if (i < PL) {
        if (!lane.ph || !lane.pc) throw new RangeError(`lane ${ext}: the snapshot has no P for an RTRL lane`);
        P.set(lane.ph, i * pFloats);
        P.set(lane.pc, (PL + i) * pFloats);
      }
      const restart = reset.has(ext);
      if (adam && i < L && lane.moments && !restart) {
        moments.set(lane.moments.m, 2 * i * stride);
        moments.set(lane.moments.v, 2 * i * stride + stride);
      }
      ctl[controlIndex(i, 'diverged')] = lane.diverged ? 1 : 0;
      ctl[controlIndex(i, 'updates')] = restart ? 0 : lane.updates;
      const m = this.specs[ext].method;
      if (m.kind === 'sparse' && m.k > 0 && !reselected.has(ext)) {
        if (!lane.sources || lane.sources.length !== n * m.k) throw new RangeError(`lane ${ext}: the snapshot's selection does not fit k = ${m.k}; pass it in newSelection`);
        q.writeBuffer(b.sources, this.srcOffset[i] * 4, Uint32Array.from(lane.sources));
      }
    });
    ctl[CONTROL.step] = 0;
    q.writeBuffer(b.params, 0, params);
    q.writeBuffer(b.h0, 0, hc);
    if (PL > 0) q.writeBuffer(b.P0, 0, P);
    if (adam) q.writeBuffer(b.moments, 0, moments);
    q.writeBuffer(b.ctl, 0, ctl);
  }

  // ---- inspection, for tests ----

  laneIndex(ext: number): number {
    return this.intOf[ext];
  }

  /** A whole buffer, read back (waits for the queue). */
  async read(name: LstmBatchBufferName): Promise<Float32Array> {
    await this.drain();
    return this.readFloats(this.buffers[name], 0, this.buffers[name].size / 4);
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

