/**
 * The protocol as a live, endless run for the app (no DOM: it runs in the worker and in Node tests).
 * Pretrain on regime A, show the pretrained network on regime A for a short lead-in, drift to regime B,
 * then adapt the arms frozen, full, k = 0, the chosen k and readout-only in lockstep from identical weights
 * on an identical stream, generated in chunks as long as the run goes on. k, the learning rate and the
 * selection strategy change in place (a marker records when). The protocol's steps are the engine's
 * (engine/protocol/: pretrainSeed, armLearner, RunningLoss); this class implements LiveEngine
 * (liveEngine.ts), the interface the worker drives.
 */
import { GradientFidelityProbe } from '../../engine/gradientFidelity';
import type { OnlineLearner } from '../../engine/learner';
import { methodCost, methodLabel } from '../../engine/methods';
import { jacobianSpectrum, sensitivitySpectrum } from '../../engine/metrics';
import { MODELS, type ModelKind, type ModelParams, type ModelSettings } from '../../engine/models';
import type { LearningMethod } from '../../engine/methods';
import { DEFAULT_PRETRAIN } from '../../engine/pretrain';
import { RunningLoss } from '../../engine/protocol/lossWindow';
import { armLearner, pretrainSeed } from '../../engine/protocol/prepareSeed';
import { Rng } from '../../engine/rng';
import type { Sequence, Task } from '../../engine/tasks/task';
import type { SelectionStrategy } from '../../engine/transportMask';
import { LEAD_IN_STEPS, LIVE_DEFAULTS, READOUT_ARM, taskOptionsOf, type ArmCost, type ArmId, type ArmInfo, type KeptPaths, type LabParams, type LiveMetrics, type LiveRunOptions, type Marker, type PretrainedState, type StepTrace } from '../contract';
import { armMethod, sourceArm, type AdvanceExtra, type LiveEngine } from './liveEngine';

export { armMethod } from './liveEngine';
export type { ArmCost, ArmId, ArmInfo, KeptPaths, LiveMetrics, Marker, StepTrace } from './liveEngine';
// the lead-in and the options are the contract's (the page draws and sends them)
export { LEAD_IN_STEPS, LIVE_DEFAULTS, type LiveRunOptions };

/** An arm's learner: the RNN's or the LSTM's. */
type ArmLearner = OnlineLearner;

/** The running state an arm starts from: h for the RNN, [h; c] for the LSTM. */
function runningState(l: ArmLearner): Float32Array {
  return l.model.runningState();
}

const CHUNK = 1000;

/** The k arm's entry: its label and, at k = 0 or k = n, the arm it duplicates. */
export function kArmInfo(k: number, n: number, includeFull: boolean): ArmInfo {
  const sameAs: ArmId | undefined = k === 0 ? 'k0' : k === n && includeFull ? 'full' : undefined;
  return sameAs ? { id: 'k', label: `k = ${k}`, sameAs } : { id: 'k', label: `k = ${k}` };
}
export class LiveRun implements LiveEngine {
  readonly backend = 'cpu';
  /** the CPU has each arm's output to show */
  readonly traces = true;
  readonly params: LabParams;
  readonly shape: ModelSettings;
  readonly task: Task;
  readonly arms: ArmInfo[];
  readonly pretrainLoss: number[];
  readonly markers: Marker[] = [];
  /** global step: lead-in steps first, then adaptation */
  step = 0;
  private learners: ArmLearner[];
  private readonly lead: ArmLearner;
  private readonly pretrained: ModelParams;
  private readonly hStart: Float32Array | null;
  private readonly model: ModelKind;
  private readonly dataRng: Rng;
  private seq: Sequence;
  private seqOffset = 0;
  /** the loss window: every adaptation step so far with an error signal */
  private readonly window: RunningLoss;
  /** this step's loss per arm at full precision (a duplicate arm reads its twin's) */
  private readonly stepLoss: Float64Array;
  private probe: GradientFidelityProbe | null = null;
  private readonly includeFull: boolean;
  private readonly seqSparse: boolean;

  constructor(params: LabParams, options: LiveRunOptions = LIVE_DEFAULTS) {
    this.params = params;
    // the transformer has its own live run (transformerLiveRun.ts); this one runs the RNN and the LSTM
    this.model = params.model as ModelKind;
    // [choice] gain 1.2 for the live view (the CLI's default too); pretraining shorter than the CLI's
    // With shipped weights, zero epochs: regime A is still drawn (the data stream advances exactly as when
    // training), then the trained weights are put in place.
    const cached = options.pretrained;
    const seed = pretrainSeed(
      { task: params.task, taskOptions: taskOptionsOf(params), model: this.model, n: params.n, leak: params.leak, gain: 1.2, pretrain: { ...DEFAULT_PRETRAIN, epochs: cached ? 0 : options.pretrainEpochs, steps: options.pretrainSteps } },
      params.seed,
    );
    if (cached) {
      const p = seed.pretrained as { theta: Float32Array | Float64Array; readout: Float32Array | Float64Array };
      if (cached.theta.length !== p.theta.length || cached.readout.length !== p.readout.length || !seed.hStart || cached.hEnd.length !== seed.hStart.length) {
        throw new Error('the shipped pretrained weights do not fit these settings');
      }
      p.theta.set(cached.theta);
      p.readout.set(cached.readout);
      seed.hStart.set(cached.hEnd);
      seed.pretrainLoss = [...cached.epochLoss];
    }
    this.hStart = seed.hStart ? Float32Array.from(seed.hStart) : null;
    this.dataRng = seed.data;
    this.task = seed.task;
    this.shape = seed.shape;
    this.pretrained = seed.pretrained;
    this.pretrainLoss = seed.pretrainLoss;
    // The lead-in: the pretrained network, frozen, on more of regime A.
    this.lead = this.createLearner(seed.pretrained, { kind: 'frozen' }, 'lead', seed.hStart);
    this.seq = this.task.generate('A', LEAD_IN_STEPS, this.dataRng);
    this.arms = [
      { id: 'frozen', label: 'frozen' },
      ...(options.includeFull ? [{ id: 'full' as const, label: 'full RTRL' }] : []),
      { id: 'k0', label: 'k = 0' },
      kArmInfo(params.k, params.n, options.includeFull),
      // last, so the other arms keep their indices; its selection and noise streams are its own (by label),
      // so it changes nothing in the others' runs
      { ...READOUT_ARM },
    ];
    this.learners = [];
    this.window = new RunningLoss(this.arms.length);
    this.stepLoss = new Float64Array(this.arms.length);
    this.includeFull = options.includeFull;
    this.seqSparse = this.seq.errorMask.some((v) => v === 0);
  }

  /** Index of the arm whose learner actually runs for arm a (itself, or the arm it duplicates). */
  private source(a: number): number {
    return sourceArm(this.arms, a);
  }

  /** Whether the task scores only some steps (the adding task: the end of each sequence). */
  get sparseError(): boolean {
    return this.seqSparse;
  }

  get drifted(): boolean {
    return this.step >= LEAD_IN_STEPS;
  }

  /** An arm's learner on `params` from running state `state`, its streams named `label` (engine/protocol). */
  private createLearner(params: ModelParams, method: LearningMethod, label: string, state: Float32Array | undefined): ArmLearner {
    const optimizer = { kind: this.params.optimizer, lr: this.params.lr, clipNorm: 0 };
    return armLearner(this.model, params, state, method, optimizer, this.params.seed, label);
  }

  private methodOf(id: ArmId): LearningMethod {
    return armMethod(this.params, id);
  }

  /**
   * Advances `count` steps; writes each arm's losses into out[arm][0..count). If given, `extra.scored`
   * gets whether each step carried an error signal and `extra.trace` the task's first input and target
   * and each arm's first output, for the strip that shows the task. Returns steps done.
   */
  advance(count: number, out: Float32Array[], extra: AdvanceExtra = {}): number {
    const { scored, trace } = extra;
    for (let s = 0; s < count; s++) {
      if (this.step < LEAD_IN_STEPS) {
        if (scored) scored[s] = this.seq.errorMask[this.step];
        if (trace) this.traceInput(trace, s, this.step);
        const loss = this.lead.step(this.seq, this.step);
        for (let a = 0; a < this.arms.length; a++) out[a][s] = loss;
        if (trace) for (let a = 0; a < this.arms.length; a++) trace.prediction[a][s] = this.lead.state.y[0];
        this.step++;
        if (this.step === LEAD_IN_STEPS) this.drift();
        continue;
      }
      if (this.seqOffset >= this.seq.length) {
        this.seq = this.task.generate('B', CHUNK, this.dataRng);
        this.seqOffset = 0;
      }
      if (scored) scored[s] = this.seq.errorMask[this.seqOffset];
      if (trace) this.traceInput(trace, s, this.seqOffset);
      for (let a = 0; a < this.learners.length; a++) {
        // a duplicate arm (k = 0 or k = n) is not stepped twice: it reads its twin's loss (arms before
        // it in the list, so the twin has stepped already)
        const src = this.source(a);
        const loss = src === a ? this.learners[a].step(this.seq, this.seqOffset) : this.stepLoss[src];
        this.stepLoss[a] = loss;
        out[a][s] = loss;
        if (trace) trace.prediction[a][s] = this.learners[src].state.y[0];
        this.window.add(a, loss, this.seq.errorMask[this.seqOffset] === 1);
      }
      this.window.countStep(this.seq.errorMask[this.seqOffset] === 1);
      this.seqOffset++;
      this.step++;
    }
    return count;
  }

  private traceInput(trace: StepTrace, s: number, t: number): void {
    trace.input[s] = this.seq.x[t * this.seq.inputSize];
    trace.target[s] = this.seq.y[t * this.seq.outputSize];
  }

  /** The pretrained state, as the app ships it (contract/pretrained.ts) (call before advancing: the weights are the pretrained ones). */
  pretrainedState(): PretrainedState {
    const p = this.pretrained as { theta: Float32Array | Float64Array; readout: Float32Array | Float64Array };
    return { theta: Float32Array.from(p.theta), readout: Float32Array.from(p.readout), hEnd: Float32Array.from(this.hStart ?? []), epochLoss: [...this.pretrainLoss] };
  }

  /** The drift: every arm starts from the pretrained weights and the lead-in's hidden state. */
  private drift(): void {
    const start = runningState(this.lead);
    this.learners = this.arms.map((arm) => this.createLearner(this.pretrained, this.methodOf(arm.id), arm.id, start));
    this.seq = this.task.generate('B', CHUNK, this.dataRng);
    this.seqOffset = 0;
    this.markers.push({ step: this.step, label: 'drift' });
    this.attachProbe();
  }

  /**
   * For the GPU path (gpuLiveRun.ts), once drifted: the arms' learners as the drift built them (pretrained
   * weights, the lead-in's h, the initial selections), the current chunk of regime B, and a source of the
   * chunks after it (the same data stream the CPU arms would read). The caller takes over from here and
   * must not call advance() again.
   */
  handOff(): { learners: ArmLearner[]; seq: Sequence; seqOffset: number; nextChunk: () => Sequence } {
    if (!this.drifted) throw new Error('handOff() before the drift');
    return { learners: this.learners, seq: this.seq, seqOffset: this.seqOffset, nextChunk: () => this.task.generate('B', CHUNK, this.dataRng) };
  }

  /** Shadow k and k = 0 transports ride on the full arm, so cos(g_k, g_full) compares gradients only. */
  private attachProbe(): void {
    const full = this.learners[this.arms.findIndex((a) => a.id === 'full')]?.asRnn();
    // the probe follows the RNN's transport (gradientFidelity.ts); the LSTM shows ‖P‖ only
    if (!full) return;
    const k = this.methodOf('k');
    const k0 = this.methodOf('k0');
    if (k.kind !== 'sparse' || k0.kind !== 'sparse') return;
    const probe = new GradientFidelityProbe(full, [k, k0], (label) => Rng.forLabel(this.params.seed, `${label} ${this.markers.length}`));
    this.probe = probe;
    full.onTransport = (learner, seq, t) => probe.observe(learner, seq, t);
  }

  /** The analysis panels' numbers now. Costs up to two n⁴ passes: call it every few steps, not every step. */
  metrics(): LiveMetrics {
    const ref = (this.learners[this.arms.findIndex((a) => a.id === 'full')] ?? this.learners[this.arms.findIndex((a) => a.id === 'k')] ?? this.lead).asRnn();
    const full = this.learners[this.arms.findIndex((a) => a.id === 'full')];
    const P = full?.sensitivity ?? null;
    return {
      step: this.step,
      // the spectra are the RNN's J_t = (1-α)I + D W and P_t; the LSTM's arms report ‖P‖ only
      jacobian: ref ? jacobianSpectrum(ref.params, ref.state.d) : null,
      sensitivity: P && this.drifted ? sensitivitySpectrum(P.current, P.n, P.p) : null,
      sensitivityNorm: this.arms.map((_, a) => {
        const l = this.learners[this.source(a)];
        const norm = l ? l.sensitivityNorm() : NaN;
        return Number.isFinite(norm) ? norm : null;
      }),
      cosine: {
        k: this.probe && Number.isFinite(this.probe.lastCosine[0]) ? this.probe.lastCosine[0] : null,
        k0: this.probe && Number.isFinite(this.probe.lastCosine[1]) ? this.probe.lastCosine[1] : null,
      },
    };
  }

  methods(): string[] {
    return this.arms.map((arm) => methodLabel(this.methodOf(arm.id)));
  }

  /** Multiply-adds, bytes and P's size per arm (science.md §3-§4). */
  costs(): ArmCost[] {
    const p = MODELS[this.model].paramCount(this.shape);
    return this.arms.map((arm) => {
      const c = methodCost(this.methodOf(arm.id), this.shape.n, p, 4, this.model);
      // frozen and readout-only carry no P
      return { macs: c.macs, bytes: c.bytes, sensitivityFloats: arm.id === 'frozen' || arm.id === 'readout' ? 0 : this.shape.n * p };
    });
  }

  /** W of the k arm (row-major n×n) and its kept sources (k per row), for the kept-paths view. */
  keptPaths(): KeptPaths | null {
    if (this.model !== 'rnn') return null; // W_h is 4n × n with one kept set per unit across its gates: not this view
    const ki = this.arms.findIndex((a) => a.id === 'k');
    const l = this.learners[ki];
    const n = this.shape.n;
    // a duplicate k arm is not stepped: its weights are its twin's
    const params = l ? this.learners[this.source(ki)].params : this.pretrained;
    return { n, k: this.params.k, W: Float32Array.from(params.theta.subarray(0, n * n)), sources: l ? Int32Array.from(l.sources) : new Int32Array(0) };
  }

  /** Recovery so far, per arm: (L̄_frozen − L̄_arm) / (L̄_frozen − L̄_full) × 100 over the adaptation. */
  recovery(): (number | null)[] {
    const frozen = this.arms.findIndex((a) => a.id === 'frozen');
    const full = this.arms.findIndex((a) => a.id === 'full');
    return this.window.recovery(frozen, full, (a) => this.learners[this.source(a)]?.divergedAt >= 0);
  }

  /** Recovery beyond the readout so far, per arm: (L̄_readout − L̄_arm) / (L̄_readout − L̄_full) × 100. */
  recoveryBeyondReadout(): (number | null)[] {
    const readout = this.arms.findIndex((a) => a.id === 'readout');
    const full = this.arms.findIndex((a) => a.id === 'full');
    const diverged = (a: number) => this.learners[this.source(a)]?.divergedAt >= 0;
    // a diverged floor measures nothing
    if (readout < 0 || diverged(readout)) return this.arms.map(() => null);
    return this.window.recovery(readout, full, diverged);
  }

  /** An arm's current weights (its twin's for a duplicate), the pretrained ones before the drift. */
  armParams(a: number): ModelParams {
    return this.learners[this.source(a)]?.params ?? this.pretrained;
  }

  /** Mean loss per arm over the adaptation so far (steps with an error signal), NaN before the drift. */
  meanLoss(): number[] {
    return this.window.meanLoss();
  }

  /** Adaptation steps with an error signal so far. */
  get adaptedSteps(): number {
    return this.window.steps;
  }

  /** Index of each diverged arm's first bad step, or -1. */
  divergedAt(): number[] {
    return this.arms.map((_, a) => this.learners[this.source(a)]?.divergedAt ?? -1);
  }

  setLearningRate(lr: number): void {
    this.params.lr = lr;
    for (const l of this.learners) l.setLearningRate(lr);
    this.markers.push({ step: this.step, label: `lr ${lr}` });
  }

  /** Nothing to release on the CPU (LiveEngine). */
  dispose(): void {}

  /** New k or strategy for the sparse arm, in place: its weights, hidden state and P carry on. */
  setSparse(k: number, strategy: SelectionStrategy): void {
    if (k < 0 || k > this.shape.n) throw new RangeError(`k must be in [0, ${this.shape.n}]`);
    const changedK = k !== this.params.k;
    this.params.k = k;
    this.params.strategy = strategy;
    const index = this.arms.findIndex((a) => a.id === 'k');
    // a duplicate arm was not stepped: it carries on from its twin's weights, state and P
    const from = this.source(index);
    // Before the drift the arm is still identical to its twin at k = 0 or n. After it, the arm carries
    // its own weights on with the new mask: no longer a twin, and named apart from one.
    const info = kArmInfo(k, this.shape.n, this.includeFull);
    this.arms[index] = !this.drifted || !info.sameAs ? info : { id: 'k', label: `k = ${k} since step ${this.step}` };
    this.markers.push({ step: this.step, label: changedK ? `k = ${k}` : strategy });
    if (!this.drifted) return;
    const old = this.learners[from];
    // A fresh learner on the arm's current weights and running state, so only the mask changes. For the
    // RNN the sensitivity P carries over too; the LSTM's restarts from zero (its estimator keeps P
    // private). Optimizer moments restart [choice: the learner keeps them private].
    const next = this.createLearner(old.params, this.methodOf('k'), `k ${this.markers.length}`, runningState(old));
    if (next.asRnn() && old.asRnn()) {
      next.sensitivity?.current.set(old.sensitivity!.current);
      next.state.hPrev.set(old.state.hPrev);
    }
    if (old.divergedAt >= 0) next.divergedAt = old.divergedAt;
    this.learners[index] = next;
    this.attachProbe();
  }
}
