/**
 * A batch of lanes on the GPU: every lane is one arm of one seed (frozen, full RTRL or sparse-k), all of
 * one shape, and every lane advances in the same dispatches (the batch dimension is the workgroup grid's
 * z, or x for per-lane kernels). Many steps are encoded into one command buffer; nothing is read back
 * inside the step loop. Losses (and, at metric steps, ‖P‖, P Pᵀ and the full arm's W and D_t) come back
 * through a pool of MAP_READ staging buffers at the end of each chunk of steps.
 *
 * Per step: forward (+ readout, error, dLdh, loss) -> sparse / dense transport -> immediate term ->
 * g = cᵀP -> readout gradient -> clip factor -> Adam or SGD -> step end (divergence, counters).
 * Lanes are ordered sparse, then full, then frozen, so each kernel covers a contiguous range.
 */
import type { LearningMethod } from '../engine/learningMethod';
import type { OptimizerConfig } from '../engine/optimizer';
import type { Floats } from '../engine/precision';
import type { RnnParams, RnnShape } from '../engine/rnn';
import type { Rng } from '../engine/rng';
import type { Sequence } from '../engine/tasks/task';
import { selectPaths } from '../engine/transportMask';
import { DeviceHealth, messageOf } from './device';
import { GpuError } from './errors';
import { KernelCache } from './kernels';
import { batchLayout, COLS, controlIndex, controlWords, encodeHyper, encodeLanes, encodeStreams, GS, TS, WG, type LaneRecord } from './layout';
import { loadShaderSources, type ShaderName } from './shaderSources';

/** A device with its kernels and health watch: what every GPU run needs. */
export interface GpuContext {
  device: GPUDevice;
  kernels: KernelCache;
  health: DeviceHealth;
  description: string;
}

export async function createContext(device: GPUDevice, description = 'WebGPU device'): Promise<GpuContext> {
  return { device, kernels: new KernelCache(device, await loadShaderSources()), health: new DeviceHealth(device), description };
}

export interface LaneSpec {
  method: LearningMethod;
  /** starting weights (copied to the GPU) */
  params: RnnParams;
  /** starting hidden state h (zeros when absent) */
  hInit?: Floats;
  /** sparse lanes: the initial selection, k indices per row, drawn by the CPU code */
  sources?: Int32Array;
  /** sparse lanes with refreshEvery > 0: the stream later selections are drawn from */
  selectionRng?: Rng;
  /** which of the batch's streams this lane reads */
  stream: number;
}

export interface BatchOptions {
  optimizer: OptimizerConfig;
  /** steps per submitted chunk (and per loss readback) */
  readbackEvery?: number;
  /** sample ‖P‖ and the full arms' spectra data every this many steps, after step t % every == 0; 0 = never */
  metricsEvery?: number;
  /** staging buffers in flight at most */
  poolSize?: number;
  label?: string;
}

/** One metrics sample, taken after step `t`. */
export interface MetricSample {
  t: number;
  /** ‖P‖ per lane (external order; NaN for frozen lanes) */
  norms: number[];
  /** per full lane: its external index, W (n×n), D_t (n) and the Gram matrix P Pᵀ (n×n) */
  full: { lane: number; W: Float32Array; d: Float32Array; gram: Float32Array }[];
}

export type BatchBufferName = 'params' | 'h0' | 'h1' | 'state' | 'P0' | 'P1' | 'grad' | 'moments' | 'ctl' | 'losses' | 'sources';

interface Pipelines {
  forward: GPUComputePipeline;
  sparse: GPUComputePipeline | null;
  dense: GPUComputePipeline | null;
  immediate: GPUComputePipeline | null;
  gradient: GPUComputePipeline | null;
  readoutGradient: GPUComputePipeline | null;
  clipScale: GPUComputePipeline | null;
  update: GPUComputePipeline | null;
  stepEnd: GPUComputePipeline;
  sumSquares: GPUComputePipeline | null;
  gram: GPUComputePipeline | null;
}

export class GpuBatch {
  readonly shape: RnnShape;
  /** lanes, streams, steps available */
  readonly B: number;
  readonly steps: number;
  /** sparse, full, learning (sparse + full) lane counts */
  readonly S: number;
  readonly F: number;
  readonly L: number;
  /** loss curve per lane (external order), NaN until read back */
  readonly losses: Float32Array[];
  /** adaptation step of each lane's first NaN/Inf, or -1 (as of the last readback) */
  readonly divergedAt: number[];
  readonly samples: MetricSample[] = [];
  /** steps encoded so far */
  t = 0;
  /** wall time spent in advance(), including waits on readbacks */
  elapsedMs = 0;
  /** selections drawn per lane (external order), the initial one included */
  readonly selectionsDrawn: number[];

  private readonly ctx: GpuContext;
  private readonly specs: LaneSpec[];
  /** internal lane -> external index, and back */
  private readonly extOf: number[];
  private readonly intOf: number[];
  private readonly options: Required<Omit<BatchOptions, 'label'>> & { label: string };
  private readonly p: number;
  private readonly stride: number;
  private readonly st: number;
  private readonly gt: number;
  private readonly gr: number;
  private readonly srcOffset: number[];
  private readonly buffers: Record<BatchBufferName, GPUBuffer>;
  private readonly hyper: GPUBuffer;
  private readonly norms: GPUBuffer;
  private readonly grams: GPUBuffer;
  private readonly allBuffers: GPUBuffer[] = [];
  private pipelines!: Pipelines;
  private groups!: Record<string, GPUBindGroup[]>;
  private readonly pool: GPUBuffer[] = [];
  private readonly pending: Promise<void>[] = [];
  private readbackError: unknown = null;
  private destroyed = false;

  private constructor(ctx: GpuContext, shape: RnnShape, streams: readonly Sequence[], specs: LaneSpec[], options: BatchOptions) {
    this.ctx = ctx;
    this.shape = shape;
    this.specs = specs;
    this.options = {
      optimizer: options.optimizer,
      readbackEvery: options.readbackEvery ?? 50,
      metricsEvery: options.metricsEvery ?? 0,
      poolSize: options.poolSize ?? 3,
      label: options.label ?? 'batch',
    };
    const { n } = shape;
    const layout = batchLayout(shape);
    this.p = layout.p;
    this.stride = layout.stride;
    this.st = layout.st;
    this.gt = layout.gt;
    this.gr = layout.gr;
    this.steps = Math.min(...streams.map((s) => s.length));
    const rank = (m: LearningMethod) => (m.kind === 'sparse' ? 0 : m.kind === 'full' ? 1 : 2);
    this.intOf = [];
    this.extOf = specs.map((_, i) => i).sort((a, b) => rank(specs[a].method) - rank(specs[b].method) || a - b);
    this.extOf.forEach((ext, i) => (this.intOf[ext] = i));
    this.B = specs.length;
    this.S = specs.filter((s) => s.method.kind === 'sparse').length;
    this.F = specs.filter((s) => s.method.kind === 'full').length;
    this.L = this.S + this.F;
    this.losses = specs.map(() => new Float32Array(this.steps).fill(NaN));
    this.divergedAt = specs.map(() => -1);
    this.selectionsDrawn = specs.map((s) => (s.method.kind === 'sparse' ? 1 : 0));

    const { device } = ctx;
    const S_ = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, floats: number, usage = S_) => {
      const b = device.createBuffer({ label: `${this.options.label} ${label}`, size: Math.max(16, Math.ceil(floats) * 4), usage });
      this.allBuffers.push(b);
      return b;
    };
    const B = this.B;
    const L = this.L;
    // sparse sources, each lane's n*k indices one after another
    this.srcOffset = [];
    let srcTotal = 0;
    for (let i = 0; i < B; i++) {
      const spec = specs[this.extOf[i]];
      this.srcOffset.push(srcTotal);
      if (spec.method.kind === 'sparse') srcTotal += n * spec.method.k;
    }
    const T = this.steps;
    this.buffers = {
      params: make('params [θ; V, c]', B * this.stride),
      h0: make('h (even steps read)', B * n),
      h1: make('h (odd steps read)', B * n),
      state: make('state [D, dLdh, e, clip, finite]', B * this.st),
      P0: make('P (even steps read)', L * n * this.p),
      P1: make('P (odd steps read)', L * n * this.p),
      grad: make('gradient', L * this.stride),
      moments: make('Adam moments', options.optimizer.kind === 'adam' ? 2 * L * this.stride : 4),
      ctl: make('control [t, per lane: diverged, adam t, fault]', controlWords(B)),
      losses: make('losses', T * B),
      sources: make('sources', srcTotal),
    };
    this.hyper = make('hyper', 4, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.norms = make('‖P‖² partials', L * GS);
    this.grams = make('P Pᵀ', this.F * n * n);
    this.partials = make('Σg² partials', L * (this.gt + this.gr));
    this.lanesBuf = make('lanes', 4 * B);
    this.streamBuf = make('streams [x, y*, flags]', streams.length * T * layout.ss);

    // initial contents
    const q = device.queue;
    const params = new Float32Array(B * this.stride);
    const h = new Float32Array(B * n);
    const records: LaneRecord[] = [];
    const sources = new Uint32Array(Math.max(4, srcTotal));
    for (let i = 0; i < B; i++) {
      const spec = specs[this.extOf[i]];
      params.set(spec.params.theta, i * this.stride);
      params.set(spec.params.readout, i * this.stride + this.p);
      if (spec.hInit) h.set(spec.hInit, i * n);
      const method = spec.method;
      const k = method.kind === 'sparse' ? method.k : method.kind === 'full' ? n : 0;
      records.push({
        k: method.kind === 'sparse' ? k : 0,
        srcOffset: this.srcOffset[i],
        scale: method.kind === 'sparse' && method.rescale && k > 0 ? n / k : 1,
        stream: spec.stream,
      });
      if (method.kind === 'sparse' && k > 0) {
        if (!spec.sources || spec.sources.length < n * k) throw new RangeError(`lane ${this.extOf[i]}: sparse lane needs n*k = ${n * k} sources`);
        sources.set(spec.sources.subarray(0, n * k), this.srcOffset[i]);
      }
    }
    q.writeBuffer(this.buffers.params, 0, params);
    q.writeBuffer(this.buffers.h0, 0, h);
    q.writeBuffer(this.lanesBuf, 0, encodeLanes(records));
    q.writeBuffer(this.buffers.sources, 0, sources);
    q.writeBuffer(this.streamBuf, 0, encodeStreams(layout, streams, T));
    q.writeBuffer(this.hyper, 0, encodeHyper(options.optimizer.lr, options.optimizer.clipNorm));
  }

  private readonly partials: GPUBuffer;
  private readonly lanesBuf: GPUBuffer;
  private readonly streamBuf: GPUBuffer;

  static async create(ctx: GpuContext, shape: RnnShape, streams: readonly Sequence[], lanes: LaneSpec[], options: BatchOptions): Promise<GpuBatch> {
    ctx.health.check();
    const batch = new GpuBatch(ctx, shape, streams, lanes, options);
    await batch.buildPipelines();
    ctx.health.check();
    return batch;
  }

  private async buildPipelines(): Promise<void> {
    const { n, m, o, leak } = this.shape;
    const { kernels } = this.ctx;
    const T = this.steps;
    const B = this.B;
    const base = { N: n, M: m, O: o };
    const L = this.L;
    const learn = <X>(f: () => Promise<X>) => (L > 0 ? f() : Promise.resolve(null));
    const [forward, sparse, dense, immediate, gradient, readoutGradient, clipScale, update, stepEnd, sumSquares, gram] = await Promise.all([
      kernels.pipeline('forward', { ...base, T, B, LEAK: leak, WG }),
      this.S > 0 ? kernels.pipeline('sparseTransport', { ...base, T, LEAK: leak, WG }) : Promise.resolve(null),
      this.F > 0 ? kernels.pipeline('denseTransport', { ...base, T, LEAK: leak, LANE_BASE: this.S, TS }) : Promise.resolve(null),
      learn(() => kernels.pipeline('immediate', { ...base, T, WG })),
      learn(() => kernels.pipeline('gradient', { ...base, WG })),
      learn(() => kernels.pipeline('readoutGradient', { ...base, WG })),
      learn(() => kernels.pipeline('clipScale', { ...base, WG })),
      learn(() => kernels.pipeline(this.options.optimizer.kind === 'adam' ? 'adam' : 'sgd', { ...base, T, WG })),
      kernels.pipeline('stepEnd', { M: m, O: o, T, B, WG }),
      learn(() => kernels.pipeline('sumSquares', { N: n, M: m, WG, GS })),
      this.F > 0 ? kernels.pipeline('gram', { N: n, M: m, LANE_BASE: this.S, WG }) : Promise.resolve(null),
    ]);
    this.pipelines = { forward, sparse, dense, immediate, gradient, readoutGradient, clipScale, update, stepEnd, sumSquares, gram };
    const b = this.buffers;
    const h = [b.h0, b.h1];
    const P = [b.P0, b.P1];
    const group = (name: string, pipeline: GPUComputePipeline | null, entries: (GPUBuffer)[]) =>
      pipeline
        ? this.ctx.device.createBindGroup({
            label: `${this.options.label} ${name}`,
            layout: pipeline.getBindGroupLayout(0),
            entries: entries.map((buffer, binding) => ({ binding, resource: { buffer } })),
          })
        : (null as unknown as GPUBindGroup);
    const par = (name: string, pipeline: GPUComputePipeline | null, entries: (x: number) => GPUBuffer[]) =>
      [0, 1].map((x) => group(`${name} [${x ? 'odd' : 'even'}]`, pipeline, entries(x)));
    this.groups = {
      forward: par('forward', forward, (x) => [b.params, h[x], h[1 - x], b.state, this.streamBuf, this.lanesBuf, b.ctl, b.losses]),
      sparse: par('sparseTransport', sparse, (x) => [b.params, b.state, P[x], P[1 - x], b.sources, this.lanesBuf, this.streamBuf, b.ctl]),
      dense: par('denseTransport', dense, (x) => [b.params, b.state, P[x], P[1 - x], this.lanesBuf, this.streamBuf, b.ctl]),
      immediate: par('immediate', immediate, (x) => [b.state, h[x], P[1 - x], this.streamBuf, this.lanesBuf, b.ctl]),
      gradient: par('gradient', gradient, (x) => [b.state, P[1 - x], b.grad, this.partials]),
      readoutGradient: par('readoutGradient', readoutGradient, (x) => [b.state, h[1 - x], b.grad, this.partials]),
      clipScale: [group('clipScale', clipScale, [this.partials, b.state, this.hyper])],
      update: [
        group(
          'update',
          update,
          this.options.optimizer.kind === 'adam'
            ? [b.params, b.grad, b.moments, b.state, this.streamBuf, this.lanesBuf, b.ctl, this.hyper]
            : [b.params, b.grad, b.state, this.streamBuf, this.lanesBuf, b.ctl, this.hyper],
        ),
      ],
      stepEnd: [group('stepEnd', stepEnd, [b.ctl, this.streamBuf, this.lanesBuf, b.losses])],
      // indexed by which P is current (after step t, P[(t+1) % 2])
      sumSquares: par('sumSquares', sumSquares, (x) => [P[x], this.norms]),
      gram: par('gram', gram, (x) => [P[x], this.grams]),
    };
  }

  get done(): boolean {
    return this.t >= this.steps;
  }

  /** Changes the learning rate from the next submitted step on (the UI's live control). */
  setLearningRate(lr: number): void {
    this.options.optimizer = { ...this.options.optimizer, lr };
    this.ctx.device.queue.writeBuffer(this.hyper, 0, encodeHyper(lr, this.options.optimizer.clipNorm));
  }

  /** Advances every lane by `steps` (fewer at the end of the stream); resolves once their losses are read back. */
  async advance(steps: number): Promise<void> {
    this.checkUsable();
    const start = performance.now();
    const end = Math.min(this.steps, this.t + steps);
    const { readbackEvery, metricsEvery } = this.options;
    while (this.t < end) {
      await this.refreshSelections();
      let chunkEnd = Math.min(end, this.t + readbackEvery);
      if (metricsEvery > 0) chunkEnd = Math.min(chunkEnd, Math.ceil(this.t / metricsEvery) * metricsEvery + 1);
      for (const spec of this.specs) {
        const m = spec.method;
        if (m.kind === 'sparse' && m.refreshEvery > 0) chunkEnd = Math.min(chunkEnd, (Math.floor(this.t / m.refreshEvery) + 1) * m.refreshEvery);
      }
      await this.encodeChunk(this.t, chunkEnd);
      this.t = chunkEnd;
    }
    await this.drain();
    this.elapsedMs += performance.now() - start;
    this.checkUsable();
  }

  /** Waits for every readback in flight. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending[0];
  }

  private checkUsable(): void {
    if (this.destroyed) throw new GpuError('validation', `${this.options.label}: used after destroy()`);
    this.ctx.health.check();
    if (this.readbackError) throw this.readbackError instanceof GpuError ? this.readbackError : new GpuError('device-lost', `readback failed: ${messageOf(this.readbackError)}`);
  }

  /** Redraws the selection of sparse lanes due at step t (learner.ts: before the step, when t % R == 0). */
  private async refreshSelections(): Promise<void> {
    const t = this.t;
    if (t === 0) return;
    const { n } = this.shape;
    for (let ext = 0; ext < this.specs.length; ext++) {
      const spec = this.specs[ext];
      const m = spec.method;
      if (m.kind !== 'sparse' || m.refreshEvery <= 0 || t % m.refreshEvery !== 0 || m.k === 0) continue;
      if (this.divergedAt[ext] >= 0) continue;
      const i = this.intOf[ext];
      // top-k / bottom-k rank the current |W|: read it back (a wait, at refresh steps only)
      let W: Floats = spec.params.theta;
      if (m.strategy === 'top-k' || m.strategy === 'bottom-k') {
        await this.drain();
        W = await this.readRange(this.buffers.params, i * this.stride, n * n);
      }
      const out = new Int32Array(n * m.k);
      if (!spec.selectionRng) throw new RangeError(`lane ${ext}: refreshing selection needs selectionRng`);
      selectPaths(m.strategy, W, n, m.k, spec.selectionRng, out);
      this.selectionsDrawn[ext]++;
      this.ctx.device.queue.writeBuffer(this.buffers.sources, this.srcOffset[i] * 4, Uint32Array.from(out));
    }
  }

  private encodeStep(pass: GPUComputePassEncoder, t: number): void {
    const x = t % 2;
    const { n, m } = this.shape;
    const p = this.p;
    const g = this.groups;
    const pl = this.pipelines;
    const run = (pipeline: GPUComputePipeline | null, group: GPUBindGroup, wx: number, wy = 1, wz = 1) => {
      if (!pipeline || wx === 0 || wy === 0 || wz === 0) return;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(wx, wy, wz);
    };
    run(pl.forward, g.forward[x], this.B);
    if (this.L > 0) {
      run(pl.sparse, g.sparse[x], Math.ceil(p / (WG * COLS)), n, this.S);
      run(pl.dense, g.dense[x], Math.ceil(p / TS), Math.ceil(n / TS), this.F);
      run(pl.immediate, g.immediate[x], Math.ceil((n + m + 1) / WG), n, this.L);
      run(pl.gradient, g.gradient[x], this.gt, 1, this.L);
      run(pl.readoutGradient, g.readoutGradient[x], this.gr, 1, this.L);
      run(pl.clipScale, g.clipScale[0], this.L);
      run(pl.update, g.update[0], Math.ceil(this.stride / WG), 1, this.L);
    }
    run(pl.stepEnd, g.stepEnd[0], 1);
  }

  private async encodeChunk(t0: number, t1: number): Promise<void> {
    const { device } = this.ctx;
    const { n } = this.shape;
    const B = this.B;
    const every = this.options.metricsEvery;
    const sample = every > 0 && (t1 - 1) % every === 0;
    const lossFloats = (t1 - t0) * B;
    const ctlFloats = controlWords(B);
    const normFloats = sample ? this.L * GS : 0;
    const gramFloats = sample ? this.F * n * n : 0;
    const wFloats = gramFloats;
    const dFloats = sample ? this.F * n : 0;
    const total = lossFloats + ctlFloats + normFloats + gramFloats + wFloats + dFloats;
    const staging = await this.acquireStaging(total * 4);

    const enc = device.createCommandEncoder({ label: `${this.options.label} steps ${t0}..${t1 - 1}` });
    const pass = enc.beginComputePass({ label: `${this.options.label} steps ${t0}..${t1 - 1}` });
    for (let t = t0; t < t1; t++) this.encodeStep(pass, t);
    pass.end();
    const cur = t1 % 2;
    if (sample && this.L > 0) {
      const mp = enc.beginComputePass({ label: `${this.options.label} metrics after step ${t1 - 1}` });
      mp.setPipeline(this.pipelines.sumSquares!);
      mp.setBindGroup(0, this.groups.sumSquares[cur]);
      mp.dispatchWorkgroups(GS, 1, this.L);
      if (this.F > 0) {
        mp.setPipeline(this.pipelines.gram!);
        mp.setBindGroup(0, this.groups.gram[cur]);
        mp.dispatchWorkgroups(n, n, this.F);
      }
      mp.end();
    }
    let off = 0;
    const copy = (src: GPUBuffer, srcFloat: number, floats: number) => {
      if (floats > 0) enc.copyBufferToBuffer(src, srcFloat * 4, staging, off * 4, floats * 4);
      off += floats;
    };
    copy(this.buffers.losses, t0 * B, lossFloats);
    copy(this.buffers.ctl, 0, ctlFloats);
    if (sample) {
      copy(this.norms, 0, normFloats);
      copy(this.grams, 0, gramFloats);
      for (let f = 0; f < this.F; f++) copy(this.buffers.params, (this.S + f) * this.stride, n * n);
      for (let f = 0; f < this.F; f++) copy(this.buffers.state, (this.S + f) * this.st, n);
    }
    device.queue.submit([enc.finish()]);

    const done = staging
      .mapAsync(GPUMapMode.READ, 0, total * 4)
      .then(() => {
        const data = new Float32Array(staging.getMappedRange(0, total * 4).slice(0));
        staging.unmap();
        this.pool.push(staging);
        this.absorb(data, t0, t1, sample);
      })
      .catch((e: unknown) => {
        this.readbackError ??= e;
      })
      .finally(() => {
        const i = this.pending.indexOf(done);
        if (i >= 0) this.pending.splice(i, 1);
      });
    this.pending.push(done);
  }

  private async acquireStaging(bytes: number): Promise<GPUBuffer> {
    while (this.pending.length >= this.options.poolSize) await this.pending[0];
    const i = this.pool.findIndex((b) => b.size >= bytes);
    if (i >= 0) return this.pool.splice(i, 1)[0];
    const b = this.ctx.device.createBuffer({
      label: `${this.options.label} readback staging ${this.allBuffers.length}`,
      size: Math.max(256, Math.ceil(bytes / 256) * 256),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.allBuffers.push(b);
    return b;
  }

  private absorb(data: Float32Array, t0: number, t1: number, sample: boolean): void {
    const B = this.B;
    const { n } = this.shape;
    for (let r = 0; r < t1 - t0; r++) for (let i = 0; i < B; i++) this.losses[this.extOf[i]][t0 + r] = data[r * B + i];
    let off = (t1 - t0) * B;
    const ctl = new Uint32Array(data.buffer, data.byteOffset + off * 4, controlWords(B));
    for (let i = 0; i < B; i++) this.divergedAt[this.extOf[i]] = ctl[controlIndex(i, 'diverged')] - 1;
    off += controlWords(B);
    if (!sample) return;
    const norms = this.specs.map(() => NaN);
    for (let i = 0; i < this.L; i++) {
      let s = 0;
      for (let g = 0; g < GS; g++) s += data[off + i * GS + g];
      norms[this.extOf[i]] = Math.sqrt(s);
    }
    off += this.L * GS;
    const full: MetricSample['full'] = [];
    for (let f = 0; f < this.F; f++) {
      const gram = data.slice(off + f * n * n, off + (f + 1) * n * n);
      const W = data.slice(off + this.F * n * n + f * n * n, off + this.F * n * n + (f + 1) * n * n);
      const d = data.slice(off + 2 * this.F * n * n + f * n, off + 2 * this.F * n * n + (f + 1) * n);
      full.push({ lane: this.extOf[this.S + f], W, d, gram });
    }
    this.samples.push({ t: t1 - 1, norms, full });
  }

  // ---- inspection, for tests and the verification dispatch ----

  /** Internal lane index of an external one (the order lanes were given in). */
  laneIndex(ext: number): number {
    return this.intOf[ext];
  }

  get layout(): { p: number; stride: number; st: number } {
    return { p: this.p, stride: this.stride, st: this.st };
  }

  /** A whole buffer, read back (waits for the queue). */
  async read(name: BatchBufferName): Promise<Float32Array> {
    await this.drain();
    return this.readRange(this.buffers[name], 0, this.buffers[name].size / 4);
  }

  write(name: BatchBufferName, data: Float32Array | Uint32Array, offsetFloats = 0): void {
    this.ctx.device.queue.writeBuffer(this.buffers[name], offsetFloats * 4, data as Float32Array<ArrayBuffer>);
  }

  /** Runs one kernel of the step alone, as it would run at a step of parity `t % 2`. */
  async dispatchKernel(kernel: 'forward' | 'sparse' | 'dense' | 'immediate' | 'gradient' | 'readoutGradient' | 'clipScale' | 'update' | 'stepEnd' | 'gram', t: number): Promise<void> {
    const { n, m } = this.shape;
    const x = t % 2;
    const p = this.p;
    const dims: Record<string, [number, number, number]> = {
      forward: [this.B, 1, 1],
      sparse: [Math.ceil(p / (WG * COLS)), n, this.S],
      dense: [Math.ceil(p / TS), Math.ceil(n / TS), this.F],
      immediate: [Math.ceil((n + m + 1) / WG), n, this.L],
      gradient: [this.gt, 1, this.L],
      readoutGradient: [this.gr, 1, this.L],
      clipScale: [this.L, 1, 1],
      update: [Math.ceil(this.stride / WG), 1, this.L],
      stepEnd: [1, 1, 1],
      gram: [n, n, this.F],
    };
    const pipeline = this.pipelines[kernel];
    if (!pipeline) throw new RangeError(`${kernel}: no such kernel in this batch`);
    const groups = this.groups[kernel];
    const enc = this.ctx.device.createCommandEncoder({ label: `${this.options.label} ${kernel} alone` });
    const pass = enc.beginComputePass({ label: `${this.options.label} ${kernel} alone` });
    pass.setPipeline(pipeline);
    // gram's groups are indexed by the current P; the step kernels' by the parity of the step
    pass.setBindGroup(0, groups.length > 1 ? groups[x] : groups[0]);
    pass.dispatchWorkgroups(...dims[kernel]);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
    await this.ctx.device.queue.onSubmittedWorkDone();
  }

  /** Gram matrices as last computed by the gram kernel (F × n × n). */
  async readGrams(): Promise<Float32Array> {
    return this.readRange(this.grams, 0, this.F * this.shape.n * this.shape.n);
  }

  private async readRange(src: GPUBuffer, offsetFloats: number, floats: number): Promise<Float32Array> {
    const bytes = floats * 4;
    const staging = this.ctx.device.createBuffer({ label: `${this.options.label} read ${src.label}`, size: Math.max(16, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.ctx.device.createCommandEncoder({ label: `${this.options.label} read ${src.label}` });
    enc.copyBufferToBuffer(src, offsetFloats * 4, staging, 0, bytes);
    this.ctx.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
      const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      return out;
    } catch (e) {
      this.ctx.health.check();
      throw new GpuError('device-lost', `readback of ${src.label} failed: ${messageOf(e)}`);
    } finally {
      staging.destroy();
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.allBuffers) b.destroy();
  }
}

/** Names of the kernels a batch dispatches, for the compile test. */
export const STEP_KERNELS: readonly ShaderName[] = ['forward', 'sparseTransport', 'denseTransport', 'immediate', 'gradient', 'readoutGradient', 'clipScale', 'adam', 'sgd', 'stepEnd'];
