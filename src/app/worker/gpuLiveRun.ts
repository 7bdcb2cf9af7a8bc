/**
 * The live run with the arms on WebGPU (the app's GPU path): the RNN's and the LSTM's arms as lanes of a
 * GpuBatch (through the model's GPU record). The CPU LiveRun does what it already does
 * well and cheaply: pretraining, the 150-step lead-in and generating regime B. At the drift it hands its
 * arms over (pretrained weights, the lead-in's running state, the initial masks, the selection streams) and
 * every arm then steps as one lane of the model's batch on the same regime-B stream, in lockstep.
 *
 * The stream is endless: a batch holds one segment (SEGMENT_CHUNKS chunks of the CPU's data stream, so
 * the numbers are the CPU's stream), and at its end the batch is rebuilt on the next segment with every
 * lane's state carried over through the GPU buffers (weights, h, P, Adam moments and counters, masks).
 *
 * The app's frame loop (advanceLagged) keeps the GPU a frame ahead: each call submits the next frame's
 * steps and hands out the steps the call before submitted, read back meanwhile (docs/gpu-engine.md).
 * Live changes apply from `step`, the first step not yet submitted, and their markers say that step:
 *  - learning rate: in place (GpuBatch.setLearningRate), from the next submitted step on.
 *  - k / strategy: the batch is rebuilt from the arms' current state on the rest of the segment; the k
 *    arm keeps its weights and running state, draws a new mask from its current path weights, and restarts
 *    its Adam moments, exactly what LiveRun.setSparse does on the CPU: the RNN's P carries over, the
 *    LSTM's restarts from zero (the CPU's LSTM estimator keeps P private, so the CPU cannot carry it).
 * Arms: one lane per arm that runs. An arm whose method the registry does not put on the GPU for this model
 * and that is cheap to step (readout-only: a forward pass and the readout's gradient, gpuSupport.ts) is a
 * host arm: its CPU learner from the drift steps beside the lanes on the same stream, in lockstep, so the
 * floor of recovery beyond the readout does not send the whole run to the CPU. An arm identical to another (`sameAs`: the k arm at k = 0 or k = n)
 * is not a lane; it reads its twin's losses, as on the CPU. A k change after the drift makes it an arm of
 * its own ("k = 0 since step s", LiveRun's naming), its lane carrying on from its twin's state.
 * The task strip: the lead-in is the CPU's trace; after the drift each arm's prediction is its lane's
 * first output y_t[0], which the forward kernel records every step beside the loss and the batch reads back
 * with the losses (GpuBatch.outputs): exact at every step and any speed, for no extra
 * round trip.
 * Metrics on this path are a subset: ‖P‖ per arm and, for the RNN, the Jacobian spectrum of the full arm
 * (sampled on the GPU every `metricsEvery` steps); the P spectrum and the gradient cosines are null (they need P itself
 * or shadow transports on the CPU). The kept-paths view (RNN) shows the k arm's mask with W as of the last
 * (re)build of the batch.
 * Any GPU failure (device lost, validation, readback) rejects advance()/setSparse() with a GpuError;
 * the worker then falls back to the CPU engine.
 */
import type { OnlineLearner } from '../../engine/learner';
import type { LearningMethod } from '../../engine/methods';
import { jacobianSpectrum } from '../../engine/metrics';
import { MODELS } from '../../engine/models';
import { recurrentParamCount, type RnnParams, type RnnShape } from '../../engine/models/rnn';
import { Rng } from '../../engine/rng';
import { allocateSequence, type Sequence } from '../../engine/tasks/task';
import { selectPaths, type SelectionStrategy } from '../../engine/transportMask';
import { GpuBatch, type BatchSnapshot, type GpuContext, type LaneSpec } from '../../gpu/batch';
import { chooseLstmFullTransport } from '../../gpu/lstmGpu';
import { batchLayout } from '../../gpu/layout';
import { chooseDenseRoute, chooseSparseTransport, type TransportChoice } from '../../gpu/sparseVariant';
import { GpuError } from '../../gpu/errors';
import { planOneBatch } from '../../gpu/memoryPlan';
import type { BatchTimings } from '../../gpu/timing';
import type { LabParams } from '../contract';
import { gpuHostArms, gpuRefusal } from '../gpuSupport';
import { RunningLoss } from '../../engine/protocol/lossWindow';
import { sourceArm, type AdvanceExtra, type StepTrace, type GpuRunInfo, type KeptPaths, type LiveEngine } from './liveEngine';
import {
  LEAD_IN_STEPS,
  LIVE_DEFAULTS,
  LiveRun,
  armMethod,
  kArmInfo,
  type ArmCost,
  type ArmInfo,
  type LiveMetrics,
  type LiveRunOptions,
  type Marker,
} from './liveRun';

/** Chunks of regime B (1000 steps each) per GPU batch: the stream buffer is small, rebuilds are rare. */
export const SEGMENT_CHUNKS = 20;

/** Submitted steps not yet handed out, in order: lead-in steps the CPU has stepped, or lanes' steps of a batch. */
interface Piece {
  /** global step of its first step, its steps, and how many of them were handed out */
  from: number;
  count: number;
  drawn: number;
  cpu?: { losses: Float32Array[]; scored: Uint8Array; trace: StepTrace };
  gpu?: LanePiece;
}

/** Steps [t0, t0 + count) of a batch, with what they need to be drawn as they were submitted. */
interface LanePiece {
  batch: GpuBatch;
  stream: Sequence;
  /** the lane of each arm when they were submitted (a k change makes new lanes) */
  armLane: number[];
  t0: number;
  /** adaptation steps before the batch's step 0 */
  offset: number;
  /** the host arms' losses, predictions and divergence over these steps, stepped at submission */
  host: Map<number, { losses: Float32Array; prediction: Float32Array; divergedAt: number }>;
}

/** The batch of the run's model (one batch class for every model). */
type ModelBatch = GpuBatch;
type ModelLaneSpec = LaneSpec;
type ModelSnapshot = BatchSnapshot;

export class GpuLiveRun implements LiveEngine {
  readonly backend = 'gpu';
  /** the task strip: the lead-in's from the CPU, after the drift the lanes' recorded outputs */
  readonly traces = true;
  readonly cpu: LiveRun;
  readonly ctx: GpuContext;
  /** global step submitted so far (lead-in steps first, then adaptation): a live change applies from this step */
  step = 0;
  /** global step handed out so far (advance, advanceLagged): `step` runs ahead of it by a frame at most */
  drawnStep = 0;
  /** submitted steps not yet handed out */
  private readonly pieces: Piece[] = [];
  private batch: ModelBatch | null = null;
  private specs: ModelLaneSpec[] = [];
  private readonly model: 'rnn' | 'lstm';
  private stream: Sequence | null = null;
  private nextChunk: (() => Sequence) | null = null;
  /** adaptation steps before the current batch's step 0 */
  private offset = 0;
  /** the loss window: every adaptation step so far with an error signal (the CPU's, engine/protocol) */
  private readonly window: RunningLoss;
  private readonly diverged: number[];
  private readonly metricsEvery: number;
  private latest: LiveMetrics | null = null;
  private kW: Float32Array | null = null;
  /** the k arm's selection as of the last (re)build (its twin's lane has none when it is a duplicate) */
  private kSources: Int32Array | null = null;
  /** arm of each lane, and lane of each arm (a duplicate arm's is its twin's; -1 for a host arm) */
  private laneArms: number[] = [];
  private armLane: number[] = [];
  /** the arms stepped on the CPU beside the lanes (no GPU lane for their method), and their learners from the drift */
  private readonly hostArms: ReadonlySet<number>;
  private hostLearners = new Map<number, OnlineLearner>();
  /** the transport kernels on this adapter and why (sparseVariant.ts, lstmGpu.ts), known before the first batch */
  private readonly sparseChoice: Pick<TransportChoice, 'reason' | 'routeReason'>;
  private disposed = false;

  private constructor(ctx: GpuContext, cpu: LiveRun, metricsEvery: number) {
    this.ctx = ctx;
    this.cpu = cpu;
    this.metricsEvery = metricsEvery;
    this.model = cpu.params.model === 'lstm' ? 'lstm' : 'rnn';
    this.sparseChoice =
      this.model === 'rnn'
        ? { ...chooseSparseTransport(ctx.software, batchLayout(cpu.shape)), ...chooseDenseRoute(ctx.software, batchLayout(cpu.shape)) }
        : { ...chooseLstmFullTransport(ctx.software), routeReason: '' };
    this.window = new RunningLoss(cpu.arms.length);
    this.diverged = cpu.arms.map(() => -1);
    const hosted = gpuHostArms(cpu.params);
    this.hostArms = new Set(cpu.arms.flatMap((a, i) => (hosted.includes(a.id) ? [i] : [])));
  }

  /** Pretrains on the CPU and checks the run fits the device in one batch; throws a GpuError if not. */
  static create(ctx: GpuContext, params: LabParams, options: LiveRunOptions = LIVE_DEFAULTS, metricsEvery = 0): GpuLiveRun {
    // what the GPU engine runs for which model: the methods' registry (gpuSupport.ts)
    const refused = gpuRefusal(params);
    if (refused !== null) throw new GpuError('validation', refused);
    ctx.health.check();
    const cpu = new LiveRun(params, options);
    const { n, m, o } = cpu.shape;
    // planned with every arm a lane (a duplicate k arm becomes one when k changes after the drift), but
    // the arms stepped on the CPU beside the lanes
    const hosted = gpuHostArms(params);
    const methods = cpu.arms.filter((a) => !hosted.includes(a.id)).map((a) => armMethod(params, a.id));
    const model = params.model === 'lstm' ? 'lstm' : 'rnn';
    planOneBatch(ctx, { n, m, o, arms: methods, steps: SEGMENT_CHUNKS * 1000, model }, (summary) => `n=${n} does not fit this device in one batch: ${summary}`);
    return new GpuLiveRun(ctx, cpu, metricsEvery);
  }

  get params(): LabParams {
    return this.cpu.params;
  }
  get shape(): RnnShape {
    return this.cpu.shape;
  }
  get arms(): ArmInfo[] {
    return this.cpu.arms;
  }
  get markers(): Marker[] {
    return this.cpu.markers;
  }
  get pretrainLoss(): number[] {
    return this.cpu.pretrainLoss;
  }
  get drifted(): boolean {
    return this.step >= LEAD_IN_STEPS;
  }
  get sparseError(): boolean {
    return this.cpu.sparseError;
  }

  /**
   * Advances `count` steps; writes each arm's losses into out[arm][0..count), `extra.scored`, and
   * `extra.trace`: input and target every step, each arm's recorded output every step (module comment).
   * Resolves once those steps are read back (the tests' form; the app's frame loop uses advanceLagged).
   */
  async advance(count: number, out: Float32Array[], extra: AdvanceExtra = {}): Promise<number> {
    await this.submitTo(this.drawnStep + count);
    await this.draw(count, out, extra);
    return count;
  }

  /**
   * The app's frame loop: hands out the next `count` steps from `drawnStep`, as advance does, after
   * submitting `count` more beyond them, so the GPU works on the next frame's steps while this one is
   * drawn. A frame thus waits only for the readbacks of the steps the frame before submitted (landed by
   * then unless the GPU is slower than the display), never for its own.
   */
  async advanceLagged(count: number, out: Float32Array[], extra: AdvanceExtra = {}): Promise<number> {
    await this.submitTo(this.drawnStep + 2 * count);
    await this.draw(count, out, extra);
    return count;
  }

  /** Steps up to global step `target` submitted: the lead-in stepped on the CPU, then the lanes' chunks encoded. */
  private async submitTo(target: number): Promise<void> {
    if (this.step < LEAD_IN_STEPS && this.step < target) {
      const c = Math.min(target - this.step, LEAD_IN_STEPS - this.step);
      const losses = this.arms.map(() => new Float32Array(c));
      const scored = new Uint8Array(c);
      const trace: StepTrace = { input: new Float32Array(c), target: new Float32Array(c), prediction: this.arms.map(() => new Float32Array(c)) };
      this.cpu.advance(c, losses, { scored, trace });
      this.pieces.push({ from: this.step, count: c, drawn: 0, cpu: { losses, scored, trace } });
      this.step += c;
    }
    if (this.step < target && this.batch === null) await this.startBatch();
    while (this.step < target) {
      this.checkLive();
      let batch = this.batch!;
      if (batch.done) {
        await this.rebuild(this.nextSegment(), null);
        batch = this.batch!;
      }
      const t0 = batch.t;
      const c = Math.min(target - this.step, batch.steps - t0);
      await batch.submit(c);
      // the host arms step now, in lockstep with the lanes' steps just submitted (a later change applies after them)
      const host = this.stepHostArms(this.stream!, t0, c);
      this.pieces.push({ from: this.step, count: c, drawn: 0, gpu: { batch, stream: this.stream!, armLane: this.armLane, t0, offset: this.offset, host } });
      this.step += c;
    }
  }

  /** The next `count` submitted steps into out, extra.scored and extra.trace, waiting for their readbacks. */
  private async draw(count: number, out: Float32Array[], extra: AdvanceExtra): Promise<void> {
    const { scored, trace } = extra;
    let s = 0;
    while (s < count) {
      const piece = this.pieces[0];
      const k = piece.drawn;
      const r = Math.min(count - s, piece.count - k);
      if (piece.cpu) {
        const { losses, scored: sc, trace: tr } = piece.cpu;
        for (let a = 0; a < this.arms.length; a++) out[a].set(losses[a].subarray(k, k + r), s);
        scored?.set(sc.subarray(k, k + r), s);
        if (trace) {
          trace.input.set(tr.input.subarray(k, k + r), s);
          trace.target.set(tr.target.subarray(k, k + r), s);
          for (let a = 0; a < this.arms.length; a++) trace.prediction[a].set(tr.prediction[a].subarray(k, k + r), s);
        }
      } else {
        await piece.gpu!.batch.landed(piece.gpu!.t0 + k + r);
        this.drawLanes(piece.gpu!, k, r, s, out, extra);
      }
      piece.drawn += r;
      if (piece.drawn === piece.count) this.pieces.shift();
      s += r;
    }
    this.drawnStep += count;
  }
  /** Steps [k, k + r) of a piece of the lanes' steps, read back, into out from index s; the loss window, divergence and metrics follow. */
  private drawLanes(g: LanePiece, k: number, r: number, s: number, out: Float32Array[], { scored, trace }: AdvanceExtra): void {
    const { batch, stream, armLane } = g;
    const t0 = g.t0 + k;
    const mask = stream.errorMask;
    for (let a = 0; a < this.arms.length; a++) {
      const host = g.host.get(a);
      // a duplicate arm reads its twin's lane (its loss is the twin's, as on the CPU)
      const curve = host ? host.losses : batch.losses[armLane[a]];
      const from = host ? k : t0;
      for (let i = 0; i < r; i++) {
        const loss = curve[from + i];
        out[a][s + i] = loss;
        this.window.add(a, loss, mask[t0 + i] === 1);
      }
      if (this.diverged[a] >= 0) continue;
      if (host) {
        if (host.divergedAt >= 0) this.diverged[a] = host.divergedAt;
      } else {
        // divergence as of the latest readback: counted once the step it happened at is drawn
        const at = batch.divergedAt[armLane[a]];
        if (at >= 0 && at < t0 + r) this.diverged[a] = g.offset + at;
      }
    }
    for (let i = 0; i < r; i++) {
      this.window.countStep(mask[t0 + i] === 1);
      if (scored) scored[s + i] = mask[t0 + i];
    }
    if (trace) {
      const { inputSize: m, outputSize: o } = stream;
      for (let i = 0; i < r; i++) {
        trace.input[s + i] = stream.x[(t0 + i) * m];
        trace.target[s + i] = stream.y[(t0 + i) * o];
        // y_t[0] before the step's update, as the CPU's trace (a duplicate arm shows its twin's lane)
        for (let a = 0; a < this.arms.length; a++) {
          const host = g.host.get(a);
          trace.prediction[a][s + i] = host ? host.prediction[k + i] : batch.outputs[armLane[a]][t0 + i];
        }
      }
    }
    this.absorbSample(g, t0 + r);
  }

  /** The host arms' CPU learners over steps [t0, t0 + c) of the stream the lanes were just submitted on. */
  private stepHostArms(stream: Sequence, t0: number, c: number): LanePiece['host'] {
    const host: LanePiece['host'] = new Map();
    for (const [a, learner] of this.hostLearners) {
      const losses = new Float32Array(c);
      const prediction = new Float32Array(c);
      for (let r = 0; r < c; r++) {
        losses[r] = learner.step(stream, t0 + r);
        prediction[r] = learner.state.y[0];
      }
      host.set(a, { losses, prediction, divergedAt: learner.divergedAt });
    }
    return host;
  }

  private checkLive(): void {
    if (this.disposed) throw new GpuError('validation', 'the GPU run was disposed');
  }

  /** Lanes from the arms: one per arm that is not a duplicate or a host arm, in arm order; a duplicate reads its twin's. */
  private assignLanes(): void {
    this.laneArms = this.arms.map((_, a) => a).filter((a) => sourceArm(this.arms, a) === a && !this.hostArms.has(a));
    this.armLane = this.arms.map((_, a) => (this.hostArms.has(a) ? -1 : this.laneArms.indexOf(sourceArm(this.arms, a))));
  }

  /** The drift happened on the CPU: build the first batch from its arms. */
  private async startBatch(): Promise<void> {
    const h = this.cpu.handOff();
    this.nextChunk = h.nextChunk;
    const learners = h.learners;
    this.assignLanes();
    // the host arms carry on with the learners the drift built (they never stepped on the CPU run)
    this.hostLearners = new Map([...this.hostArms].map((a) => [a, learners[a]]));
    // The GPU lanes reuse the CPU learners' selection streams (the CPU arms never step again), so
    // refreshed masks are drawn exactly as the CPU would draw them.
    this.specs = this.laneArms.map((a) => {
      const l = learners[a];
      return {
        method: l.method,
        params: l.params,
        // the running state: h for the RNN, [h; c] for the LSTM
        hInit: Float32Array.from(l.model.runningState()),
        sources: l.method.kind === 'sparse' ? Int32Array.from(l.sources) : undefined,
        selectionRng: l.selectionRng,
        // UORO's and KF-RTRL's noise: the stream the CPU learner would have drawn from (it never steps again)
        noiseRng: l.noiseRng,
        stream: 0,
      } as ModelLaneSpec;
    });
    const first = h.seq;
    const chunks = [first];
    for (let i = 1; i < SEGMENT_CHUNKS; i++) chunks.push(h.nextChunk());
    this.stream = concat(chunks);
    const k = this.kIndex();
    const kl = learners[k];
    // a duplicate k arm's learner was built but never steps: its weights are its twin's (the same at the drift)
    this.kW = Float32Array.from(kl.params.theta.subarray(0, this.shape.n * this.shape.n));
    this.kSources = kl.method.kind === 'sparse' ? Int32Array.from(kl.sources) : null;
    this.batch = await this.createBatch(this.stream);
    this.offset = 0;
  }

  private createBatch(stream: Sequence): Promise<ModelBatch> {
    return GpuBatch.create(this.ctx, this.shape, [stream], this.specs, { ...this.batchOptions(), model: this.model });
  }

  private nextSegment(): Sequence {
    const chunks: Sequence[] = [];
    for (let i = 0; i < SEGMENT_CHUNKS; i++) chunks.push(this.nextChunk!());
    return concat(chunks);
  }

  private batchOptions() {
    const p = this.params;
    // kernel timestamps on 1 chunk in 16 (a timed step runs a pass per kernel); staging buffers for the
    // chunks of two frames in flight (advanceLagged), so a frame does not wait for a free one
    return {
      optimizer: { kind: p.optimizer, lr: p.lr, clipNorm: 0 },
      metricsEvery: this.metricsEvery,
      readbackEvery: 50,
      timeEvery: 16,
      poolSize: 64,
      label: 'live',
    };
  }

  private kIndex(): number {
    return this.arms.findIndex((a) => a.id === 'k');
  }

  /**
   * A new batch on `stream`, every lane carrying on from where the old batch is now. With `kLane`, the k
   * arm's method and mask change (weights, h and P carry over; Adam restarts for that arm); a k arm that
   * was a duplicate becomes a lane of its own, starting from its twin's lane.
   */
  private async rebuild(stream: Sequence, kLane: { method: LearningMethod; selectionRng: Rng } | null): Promise<void> {
    const old = this.batch!;
    const { n } = this.shape;
    const snap = await old.snapshot();
    const k = this.kIndex();
    const oldArmLane = this.armLane;
    const oldSpecs = this.specs;
    const kSnap = snap.lanes[oldArmLane[k]];
    // W (the first n×n block of θ, the engine's layout) for the kept-paths view; the model's path weights
    // (W for the RNN, |W_h| over the four gates for the LSTM) rank the k arm's new selection
    const W = kSnap.theta.slice(0, n * n);
    this.assignLanes();
    // every lane's state from the lane that ran its arm so far (its own, or its twin's for a k arm split off)
    this.specs = this.laneArms.map((a) => oldSpecs[oldArmLane[a]]);
    const lanes = this.laneArms.map((a) => snap.lanes[oldArmLane[a]]);
    const kl = this.armLane[k];
    if (kLane) {
      const method = kLane.method;
      const src = method.kind === 'sparse' ? new Int32Array(n * method.k) : undefined;
      if (src && method.kind === 'sparse') {
        const weights = MODELS[this.model].create({ shape: this.shape, theta: kSnap.theta, readout: kSnap.readout } as never).pathWeights();
        selectPaths(method.strategy, weights, n, method.k, kLane.selectionRng, src);
      }
      this.specs[kl] = { ...this.specs[kl], method, sources: src, selectionRng: kLane.selectionRng };
      this.kSources = src ?? null;
      // the LSTM's k arm restarts P^h and P^c from zero, as LiveRun.setSparse does on the CPU
      if (this.model === 'lstm') {
        const l = lanes[kl];
        lanes[kl] = { ...l, ph: l.ph && new Float32Array(l.ph.length), pc: l.pc && new Float32Array(l.pc.length) };
      }
    }
    const moved = { t: snap.t, lanes } as ModelSnapshot;
    const next = await this.createBatch(stream);
    try {
      // a new k keeps the arm's weights, running state (and the RNN's P), restarts its optimizer with the new selection
      (next as GpuBatch).restore(moved as BatchSnapshot, kLane ? { resetOptimizer: [kl], newSelection: [kl] } : {});
    } catch (e) {
      next.destroy();
      throw e;
    }
    old.destroy();
    this.offset += snap.t;
    this.batch = next;
    this.stream = stream;
    this.kW = W;
  }

  /** The latest metrics sample of the steps drawn so far (before step `upTo` of the piece's batch). */
  private absorbSample(g: LanePiece, upTo: number): void {
    const samples = g.batch.samples;
    let ready = 0;
    while (ready < samples.length && samples[ready].t < upTo) ready++;
    if (ready === 0) return;
    const sample = samples[ready - 1];
    samples.splice(0, ready);
    const full = sample.full[0];
    this.latest = {
      step: LEAD_IN_STEPS + g.offset + sample.t + 1,
      jacobian: full
        ? jacobianSpectrum({ shape: this.shape, theta: padTheta(full.W, recurrentParamCount(this.shape)), readout: new Float32Array(0) } as RnnParams, full.d)
        : null,
      sensitivity: null,
      sensitivityNorm: this.arms.map((_, a) => {
        const x = g.armLane[a] >= 0 ? sample.norms[g.armLane[a]] : NaN;
        return Number.isFinite(x) ? x : null;
      }),
      cosine: { k: null, k0: null },
    };
  }

  metrics(): LiveMetrics {
    if (!this.drifted || this.latest === null) return { ...this.cpu.metrics(), step: this.step };
    return this.latest;
  }

  methods(): string[] {
    return this.cpu.methods();
  }

  costs(): ArmCost[] {
    return this.cpu.costs();
  }

  /**
   * The GPU's measured time per step of the current batch (all arms advance together): per kernel where
   * the adapter has timestamp queries, else submit-to-done per step; null before the drift.
   */
  kernelTimings(): BatchTimings | null {
    return this.batch?.timings() ?? null;
  }

  /** Which transport kernels the GPU runs and why, chosen by adapter (a line for the backend badge's tooltip), from the start. */
  sparseTransport(): string {
    const choice = this.batch?.sparseTransport ?? this.sparseChoice;
    return choice.routeReason ? `${choice.reason}; ${choice.routeReason}` : choice.reason;
  }

  /** What the badge and the cost meter say about the GPU: adapter, sparse kernel, how kernels are timed. */
  gpuInfo(): GpuRunInfo {
    return {
      adapter: this.ctx.description,
      software: this.ctx.software,
      sparseTransport: this.sparseTransport(),
      // timing.ts: timestamps where the device has the feature (acquireDevice asks for it), else submit-to-done
      timingSource: this.ctx.device.features.has('timestamp-query') ? 'timestamp-query' : 'submit-to-done',
    };
  }

  keptPaths(): KeptPaths | null {
    // the LSTM has no kept-paths view (LiveRun.keptPaths: W_h is 4n × n)
    if (!this.drifted || this.batch === null || this.model !== 'rnn') return this.cpu.keptPaths();
    const src = this.kSources;
    return { n: this.shape.n, k: this.params.k, W: Float32Array.from(this.kW!), sources: src ? Int32Array.from(src) : new Int32Array(0) };
  }

  recovery(): (number | null)[] {
    const frozen = this.arms.findIndex((a) => a.id === 'frozen');
    const full = this.arms.findIndex((a) => a.id === 'full');
    return this.window.recovery(frozen, full, (a) => this.diverged[a] >= 0);
  }

  recoveryBeyondReadout(): (number | null)[] {
    const readout = this.arms.findIndex((a) => a.id === 'readout');
    const full = this.arms.findIndex((a) => a.id === 'full');
    // a diverged floor measures nothing (LiveRun's rule)
    if (readout < 0 || this.diverged[readout] >= 0) return this.arms.map(() => null);
    return this.window.recovery(readout, full, (a) => this.diverged[a] >= 0);
  }

  meanLoss(): number[] {
    return this.window.meanLoss();
  }

  get adaptedSteps(): number {
    return this.window.steps;
  }

  divergedAt(): number[] {
    return [...this.diverged];
  }

  setLearningRate(lr: number): void {
    // records the marker; before the drift it is the whole change; after it, it reaches the host arms'
    // learners too (they are the CPU run's own)
    this.cpu.setLearningRate(lr);
    this.batch?.setLearningRate(lr);
    // it applies from the next step not yet submitted (the CPU run's step stops at the drift)
    this.markers[this.markers.length - 1].step = this.step;
  }

  /** New k or strategy for the sparse arm. After the drift the batch is rebuilt from the arms' current state. */
  async setSparse(k: number, strategy: SelectionStrategy): Promise<void> {
    if (!this.drifted || this.batch === null) {
      this.cpu.setSparse(k, strategy);
      return;
    }
    if (k < 0 || k > this.shape.n) throw new RangeError(`k must be in [0, ${this.shape.n}]`);
    const changedK = k !== this.params.k;
    this.params.k = k;
    this.params.strategy = strategy;
    const index = this.kIndex();
    // LiveRun's naming: after the drift the arm carries its own weights on with the new mask, so at k = 0
    // or k = n it is no twin, and is named apart from one
    const info = kArmInfo(
      k,
      this.shape.n,
      this.arms.some((a) => a.id === 'full'),
    );
    this.arms[index] = info.sameAs ? { id: 'k', label: `k = ${k} since step ${this.step}` } : info;
    this.markers.push({ step: this.step, label: changedK ? `k = ${k}` : strategy });
    const rest = sliceSequence(this.stream!, this.batch.t);
    const selectionRng = Rng.forLabel(this.params.seed, `selection k ${this.markers.length}`);
    await this.rebuild(rest.length > 0 ? rest : this.nextSegment(), { method: armMethod(this.params, 'k'), selectionRng });
  }

  dispose(): void {
    this.disposed = true;
    this.batch?.destroy();
    this.batch = null;
  }
}

function padTheta(W: Float32Array, p: number): Float32Array {
  const theta = new Float32Array(p);
  theta.set(W);
  return theta;
}

/** Chunks of a stream, one after another. */
function concat(chunks: Sequence[]): Sequence {
  const { inputSize: m, outputSize: o } = chunks[0];
  const out = allocateSequence(
    chunks.reduce((s, c) => s + c.length, 0),
    m,
    o,
  );
  let t = 0;
  for (const c of chunks) {
    out.x.set(c.x.subarray(0, c.length * m), t * m);
    out.y.set(c.y.subarray(0, c.length * o), t * o);
    out.errorMask.set(c.errorMask.subarray(0, c.length), t);
    out.reset.set(c.reset.subarray(0, c.length), t);
    t += c.length;
  }
  return out;
}

function sliceSequence(seq: Sequence, from: number): Sequence {
  const { inputSize: m, outputSize: o } = seq;
  const len = seq.length - from;
  const out = allocateSequence(len, m, o);
  out.x.set(seq.x.subarray(from * m, seq.length * m));
  out.y.set(seq.y.subarray(from * o, seq.length * o));
  out.errorMask.set(seq.errorMask.subarray(from, seq.length));
  out.reset.set(seq.reset.subarray(from, seq.length));
  return out;
}
