/**
 * The transformer's live run for the app (no DOM: it runs in the worker and in Node tests), the
 * LiveEngine of issue 14. The protocol is LiveRun's with the transformer's arms (docs/transformer.md):
 * pretrain on regime A, show the pretrained model frozen on regime A for a short lead-in, drift to regime B,
 * then adapt the arms frozen, dense (ρ = 1, the reference), ρ = 0, the chosen head fraction ρ and
 * readout-only (only the output head adapts, the floor of recovery beyond the readout) in lockstep from
 * identical weights on an identical, endless stream generated in chunks.
 *
 * The arms keep the LiveEngine's ids so the chart's colours and series work unchanged: dense is 'full', ρ = 0
 * is 'k0', the chosen fraction is 'k' and readout-only 'readout' (last, as in LiveRun). The transformer runs
 * on the CPU only.
 *
 * A change of the head fraction (`setHeadFraction`) rebuilds the 'k' arm's learner on that arm's current
 * weights and copies its context window (the last W inputs), so the forward pass continues exactly; what
 * does not carry over: the optimizer's moments (Adam's m and v restart from zero: the learner keeps them
 * private) and the selection (S_ℓ is drawn again from a stream named by the change).
 */
import { ABOVE_REFERENCE_NOTE, MIN_REFERENCE_IMPROVEMENT } from '../../engine/statistics';
import { defaultLearningRate } from '../../engine/learningRates';
import { headArm, headArmLabel, headCount, type HeadArm, type HeadStrategy } from '../../engine/models/transformer/headSelection';
import { TransformerLearner } from '../../engine/models/transformer/learner';
import type { TransformerParams, TransformerShape } from '../../engine/models/transformer/model';
import { initTransformer } from '../../engine/models/transformer/model';
import { transformerArmCost } from '../../engine/models/transformer/cost';
import { DEFAULT_TRANSFORMER_PRETRAIN, pretrainTransformer } from '../../engine/models/transformer/pretrain';
import { defaultTransformerConfig, transformerShape, type TransformerExperimentConfig } from '../../engine/models/transformer/protocol';
import type { ModelSettings } from '../../engine/models';
import { RunningLoss } from '../../engine/protocol/lossWindow';
import { Rng, seededStreams } from '../../engine/rng';
import { createTask } from '../../engine/tasks';
import type { Sequence, Task } from '../../engine/tasks/task';
import type { SelectionStrategy } from '../../engine/transportMask';
import { LEAD_IN_STEPS, READOUT_ARM, taskOptionsOf, type ArmCost, type ArmId, type ArmInfo, type HeadPanelData, type KeptPaths, type LabParams, type LiveMetrics, type Marker } from '../contract';
import { sourceArm, type AdvanceExtra, type LiveEngine } from './liveEngine';

export { ABOVE_REFERENCE_NOTE };

/** Steps of regime A shown before the drift: LiveRun's lead-in. */
export const TRANSFORMER_LEAD_IN = LEAD_IN_STEPS;
export type { HeadPanelData };
const CHUNK = 1000;

/** The line the page shows when the GPU backend was asked for. */
export const TRANSFORMER_CPU_ONLY = 'the WebGPU engine has no transformer kernels, so the transformer runs on the CPU engine';

export interface TransformerLiveOptions {
  /** pretraining steps (mini-batches of windows); the app uses fewer than the CLI's 600 so the first curve comes quickly */
  pretrainSteps: number;
  pretrainBatch: number;
  dModel: number;
  heads: number;
  layers: number;
  /** the attention window W */
  context: number;
}

export const TRANSFORMER_LIVE_DEFAULTS: TransformerLiveOptions = { pretrainSteps: 300, pretrainBatch: 8, dModel: 32, heads: 4, layers: 1, context: 32 };

/** The fraction arm's label: 'ρ = 0.5 (2 of 4 heads)'. */
export function fractionLabel(fraction: number, heads: number): string {
  const kept = headCount(fraction, heads);
  return `ρ = ${fraction} (${kept} of ${heads} head${heads === 1 ? '' : 's'})`;
}

/** The RNN's strategy as a head strategy: top-k → top, bottom-k → bottom (by head-gradient norm), else random. */
function headStrategyOf(s: SelectionStrategy): HeadStrategy {
  return s === 'top-k' ? 'top' : s === 'bottom-k' ? 'bottom' : 'random';
}

/** Copies one learner's context window into another (the window is the learner's running state). */
function copyContext(from: TransformerLearner, to: TransformerLearner): void {
  const src = from as unknown as { context: Float32Array | Float64Array; length: number };
  const dst = to as unknown as { context: Float32Array | Float64Array; length: number };
  dst.context.set(src.context);
  dst.length = src.length;
}

/** The first output at the newest position of a learner's last forward pass. */
function newestOutput(l: TransformerLearner, o: number): number {
  const T = l.workspace.T;
  return T > 0 ? l.workspace.yhat[(T - 1) * o] : NaN;
}

export class TransformerLiveRun implements LiveEngine {
  readonly backend = 'cpu';
  readonly traces = true;
  readonly params: LabParams;
  /** LiveEngine's shape: n = d_model (the worker paces its metric samples by n) */
  readonly shape: ModelSettings;
  readonly tshape: TransformerShape;
  readonly task: Task;
  readonly arms: ArmInfo[];
  readonly pretrainLoss: number[];
  readonly markers: Marker[] = [];
  readonly pretrained: TransformerParams;
  step = 0;
  private learners: TransformerLearner[] = [];
  private readonly lead: TransformerLearner;
  private readonly dataRng: Rng;
  private seq: Sequence;
  private seqOffset = 0;
  private readonly window: RunningLoss;
  private readonly stepLoss: Float64Array;
  private readonly seqSparse: boolean;
  private lastScored = false;
  private readonly attention: Float32Array;

  constructor(params: LabParams, options: TransformerLiveOptions = TRANSFORMER_LIVE_DEFAULTS) {
    if (!(params.headFraction >= 0 && params.headFraction <= 1)) throw new RangeError(`head-fraction must be a number in [0, 1], got ${params.headFraction}`);
    this.params = params;
    const config = {
      ...defaultTransformerConfig(),
      task: params.task,
      dModel: options.dModel,
      heads: options.heads,
      layers: options.layers,
      context: options.context,
    };
    const streams = seededStreams(params.seed);
    this.task = createTask(params.task, streams.data, taskOptionsOf(params));
    this.tshape = transformerShape(config, this.task);
    this.shape = { n: options.dModel, m: this.task.inputSize, o: this.task.outputSize, leak: 0 } as unknown as ModelSettings;
    // As TransformerSeedRun: regime A (4000 steps), pretraining windows from their own stream, so the data
    // stream's state (and regime B) does not depend on the pretraining length.
    const regimeA = this.task.generate('A', config.pretrain.dataSteps, streams.data);
    this.pretrained = initTransformer(this.tshape, streams.init, 'f32');
    this.pretrainLoss = options.pretrainSteps > 0
      ? pretrainTransformer(this.pretrained, regimeA, { ...DEFAULT_TRANSFORMER_PRETRAIN, steps: options.pretrainSteps, batch: options.pretrainBatch }, Rng.forLabel(params.seed, 'transformer pretrain windows')).blockLoss
      : [];
    this.dataRng = streams.data;
    this.lead = this.createLearner({ kind: 'frozen' }, 'lead', this.pretrained);
    this.lead.prime(regimeA, regimeA.length - (this.tshape.context - 1), regimeA.length);
    this.seq = this.task.generate('A', TRANSFORMER_LEAD_IN, this.dataRng);
    this.arms = [
      { id: 'frozen', label: 'frozen' },
      { id: 'full', label: 'dense (ρ = 1)' },
      { id: 'k0', label: 'ρ = 0' },
      this.fractionInfo(params.headFraction),
      { ...READOUT_ARM },
    ];
    this.window = new RunningLoss(this.arms.length);
    this.stepLoss = new Float64Array(this.arms.length);
    this.seqSparse = this.seq.errorMask.some((v) => v === 0);
    this.attention = new Float32Array(this.tshape.layers * this.tshape.heads * this.tshape.context);
  }

  /** The 'k' arm's entry; at round(ρH) = 0 it is the ρ = 0 arm, at round(ρH) = H the dense one (bit-identical). */
  private fractionInfo(fraction: number, since?: number): ArmInfo {
    const kept = headCount(fraction, this.tshape.heads);
    const label = fractionLabel(fraction, this.tshape.heads) + (since !== undefined ? ` since step ${since}` : '');
    const sameAs: ArmId | undefined = since !== undefined ? undefined : kept === 0 ? 'k0' : kept === this.tshape.heads ? 'full' : undefined;
    return sameAs ? { id: 'k', label, sameAs } : { id: 'k', label };
  }

  private armOf(id: ArmId): HeadArm {
    const opts = { strategy: headStrategyOf(this.params.strategy), refreshEvery: this.params.refresh, woLocal: true, qkvLocal: false };
    switch (id) {
      case 'frozen':
        return { kind: 'frozen' };
      case 'full':
        return headArm(1, opts);
      case 'k0':
        return headArm(0, opts);
      case 'k':
        return headArm(this.params.headFraction, opts);
      case 'readout':
        return { kind: 'readout' };
    }
  }

  private createLearner(arm: HeadArm, label: string, params: TransformerParams): TransformerLearner {
    return new TransformerLearner(params, arm, {
      optimizer: { kind: this.params.optimizer, lr: this.params.lr, clipNorm: 1 },
      selectionRng: Rng.forLabel(this.params.seed, `selection ${label}`),
      trackHeads: true,
    });
  }

  private source(a: number): number {
    return sourceArm(this.arms, a);
  }

  get sparseError(): boolean {
    return this.seqSparse;
  }

  get drifted(): boolean {
    return this.step >= TRANSFORMER_LEAD_IN;
  }

  get adaptedSteps(): number {
    return this.window.steps;
  }

  advance(count: number, out: Float32Array[], extra: AdvanceExtra = {}): number {
    const { scored, trace } = extra;
    const o = this.task.outputSize;
    for (let s = 0; s < count; s++) {
      if (this.step < TRANSFORMER_LEAD_IN) {
        const t = this.step;
        if (scored) scored[s] = this.seq.errorMask[t];
        if (trace) {
          trace.input[s] = this.seq.x[t * this.seq.inputSize];
          trace.target[s] = this.seq.y[t * o];
        }
        const loss = this.lead.step(this.seq, t);
        for (let a = 0; a < this.arms.length; a++) out[a][s] = loss;
        if (trace) {
          const y = newestOutput(this.lead, o);
          for (let a = 0; a < this.arms.length; a++) trace.prediction[a][s] = y;
        }
        this.step++;
        if (this.step === TRANSFORMER_LEAD_IN) this.drift();
        continue;
      }
      if (this.seqOffset >= this.seq.length) {
        this.seq = this.task.generate('B', CHUNK, this.dataRng);
        this.seqOffset = 0;
      }
      const t = this.seqOffset;
      const hasError = this.seq.errorMask[t] === 1;
      if (scored) scored[s] = this.seq.errorMask[t];
      if (trace) {
        trace.input[s] = this.seq.x[t * this.seq.inputSize];
        trace.target[s] = this.seq.y[t * o];
      }
      for (let a = 0; a < this.learners.length; a++) {
        const src = this.source(a);
        const loss = src === a ? this.learners[a].step(this.seq, t) : this.stepLoss[src];
        this.stepLoss[a] = loss;
        out[a][s] = loss;
        if (trace) trace.prediction[a][s] = newestOutput(this.learners[src], o);
        this.window.add(a, loss, hasError);
      }
      this.window.countStep(hasError);
      this.lastScored = hasError;
      this.seqOffset++;
      this.step++;
    }
    return count;
  }

  /** The drift: every arm starts from the pretrained weights and the lead-in's context window. */
  private drift(): void {
    this.learners = this.arms.map((arm) => {
      const l = this.createLearner(this.armOf(arm.id), arm.id, this.pretrained);
      copyContext(this.lead, l);
      return l;
    });
    this.seq = this.task.generate('B', CHUNK, this.dataRng);
    this.seqOffset = 0;
    this.markers.push({ step: this.step, label: 'drift' });
  }

  /** The learner whose heads the panel shows: the chosen-fraction arm's (its twin's when it duplicates one). */
  private shownLearner(): TransformerLearner {
    if (!this.drifted) return this.lead;
    return this.learners[this.source(this.arms.findIndex((a) => a.id === 'k'))];
  }

  /** The heads panel's data now (copies; cheap: L·H·W floats). */
  headPanel(): HeadPanelData {
    const l = this.shownLearner();
    const { layers, heads, context } = this.tshape;
    for (let ly = 0; ly < layers; ly++) for (let h = 0; h < heads; h++) l.newestAttention(ly, h, this.attention, (ly * heads + h) * context);
    const tr = l.transport;
    const updated = this.drifted && this.lastScored && tr !== null && l.divergedAt < 0;
    const LH = layers * heads;
    const carrying: number[] = [];
    const gradNorm: (number | null)[] = [];
    for (let i = 0; i < LH; i++) {
      carrying.push(updated ? tr!.selected[i] : 0);
      const g = updated ? tr!.norms[i] : NaN;
      gradNorm.push(Number.isFinite(g) ? g : null);
    }
    return {
      step: this.step,
      arm: this.drifted ? this.arms.find((a) => a.id === 'k')!.label : 'pretrained (lead-in)',
      fraction: this.params.headFraction,
      layers,
      heads,
      context,
      length: l.workspace.T,
      updated,
      carrying,
      gradNorm,
      attention: Float32Array.from(this.attention),
    };
  }

  /** No spectra for the transformer: the analysis panels of the RNN do not apply. */
  metrics(): LiveMetrics {
    return { step: this.step, jacobian: null, sensitivity: null, sensitivityNorm: this.arms.map(() => null), cosine: { k: null, k0: null } };
  }

  methods(): string[] {
    return this.arms.map((arm) => headArmLabel(this.armOf(arm.id)));
  }

  /** Multiply-adds and bytes per step per arm (transformerArmCost, full window; trackHeads counted). */
  costs(): ArmCost[] {
    return this.arms.map((arm) => {
      const c = transformerArmCost(this.tshape, this.armOf(arm.id), { bytesPerFloat: 4, trackHeads: true });
      // no P: what it carries from step to step is its context window of the last W inputs
      return { macs: c.macs, bytes: c.bytes, sensitivityFloats: 0, windowFloats: this.tshape.context * this.tshape.inputSize };
    });
  }

  keptPaths(): KeptPaths | null {
    return null;
  }

  /** (L̄_dense − L̄_frozen) / L̄_frozen so far, or null before the drift. */
  referenceImprovement(): number | null {
    const m = this.window.meanLoss();
    const frozen = m[0];
    const dense = m[1];
    return Number.isFinite(frozen) && Number.isFinite(dense) && frozen > 0 ? (frozen - dense) / frozen : null;
  }

  /**
   * Recovery so far per arm against frozen and dense: (L̄_frozen − L̄_arm) / (L̄_frozen − L̄_dense) × 100.
   * null for every arm while dense has not cut the frozen loss by MIN_REFERENCE_IMPROVEMENT (5 %; the RNN's
   * rule with full RTRL), and for a diverged arm or a diverged dense.
   */
  recovery(): (number | null)[] {
    const improvement = this.referenceImprovement();
    const denseDiverged = (this.learners[1]?.divergedAt ?? -1) >= 0;
    if (improvement === null || improvement < MIN_REFERENCE_IMPROVEMENT || denseDiverged) return this.arms.map(() => null);
    return this.window.recovery(0, 1, (a) => this.learners[this.source(a)]?.divergedAt >= 0);
  }

  /**
   * Recovery beyond the readout so far per arm: (L̄_readout − L̄_arm) / (L̄_readout − L̄_dense) × 100, null
   * where the paper's recovery is (dense did not adapt, or diverged) and when readout-only diverged.
   */
  recoveryBeyondReadout(): (number | null)[] {
    const readout = this.arms.findIndex((a) => a.id === 'readout');
    const paper = this.recovery();
    const diverged = (a: number) => this.learners[this.source(a)]?.divergedAt >= 0;
    if (readout < 0 || paper.every((r) => r === null) || diverged(readout)) return this.arms.map(() => null);
    return this.window.recovery(readout, 1, diverged);
  }

  meanLoss(): number[] {
    return this.window.meanLoss();
  }

  divergedAt(): number[] {
    return this.arms.map((_, a) => this.learners[this.source(a)]?.divergedAt ?? -1);
  }

  setLearningRate(lr: number): void {
    this.params.lr = lr;
    for (const l of this.learners) l.setLearningRate(lr);
    this.lead.setLearningRate(lr);
    this.markers.push({ step: this.step, label: `lr ${lr}` });
  }

  /** k does not apply to the transformer; a strategy change is taken by the next fraction change. */
  setSparse(_k: number, strategy: SelectionStrategy): void {
    this.params.strategy = strategy;
  }

  /**
   * New head fraction ρ for the 'k' arm, in place, with a marker. After the drift its learner is rebuilt
   * on the arm's current weights (its twin's if it duplicated one) with the same context window; Adam's
   * moments restart and S_ℓ is drawn again. The other arms are untouched.
   */
  setHeadFraction(fraction: number): void {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`head-fraction must be a number in [0, 1], got ${fraction}`);
    this.params.headFraction = fraction;
    const index = this.arms.findIndex((a) => a.id === 'k');
    this.markers.push({ step: this.step, label: `ρ = ${fraction}` });
    if (!this.drifted) {
      this.arms[index] = this.fractionInfo(fraction);
      return;
    }
    const old = this.learners[this.source(index)];
    this.arms[index] = this.fractionInfo(fraction, this.step);
    const next = this.createLearner(this.armOf('k'), `k ${this.markers.length}`, old.params);
    copyContext(old, next);
    if (old.divergedAt >= 0) next.divergedAt = old.divergedAt;
    this.learners[index] = next;
  }

  dispose(): void {}
}

/** The transformer's default learning rate for these settings (learningRates.ts). */
export function transformerLr(p: Pick<LabParams, 'task' | 'optimizer'>): number {
  return defaultLearningRate(p.task, p.optimizer, 'transformer');
}

/** The engine's config for the transformer sweep (sweep.ts's plain spec on the live run's model). */
export function transformerSweepConfig(s: { task: LabParams['task']; optimizer: LabParams['optimizer']; lr: number; refresh: number; fractions: number[]; adaptSteps: number; pretrainSteps: number }): TransformerExperimentConfig {
  const base = defaultTransformerConfig();
  const o = TRANSFORMER_LIVE_DEFAULTS;
  return {
    ...base,
    task: s.task,
    dModel: o.dModel,
    heads: o.heads,
    layers: o.layers,
    context: o.context,
    headFractions: s.fractions,
    refreshEvery: s.refresh,
    optimizer: { kind: s.optimizer, lr: s.lr, clipNorm: 1 },
    pretrain: { ...base.pretrain, steps: s.pretrainSteps, batch: o.pretrainBatch },
    adaptSteps: s.adaptSteps,
    trackHeads: false,
  };
}
