/**
 * The transformer's live run for the app (no DOM: it runs in the worker and in Node tests), a LiveEngine.
 * The protocol is LiveRun's, through the same loop (liveLoop.ts), with the transformer's arms (docs/transformer.md):
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
import { MIN_REFERENCE_IMPROVEMENT } from '../../engine/statistics';
import { defaultLearningRate } from '../../engine/learningRates';
import { headArm, headArmLabel, headCount, type HeadArm, type HeadStrategy } from '../../engine/models/transformer/headSelection';
import { TransformerLearner } from '../../engine/models/transformer/learner';
import type { TransformerParams, TransformerShape } from '../../engine/models/transformer/model';
import { initTransformer } from '../../engine/models/transformer/model';
import { transformerArmCost } from '../../engine/models/transformer/cost';
import { DEFAULT_TRANSFORMER_PRETRAIN, pretrainTransformer } from '../../engine/models/transformer/pretrain';
import { defaultTransformerConfig, transformerShape, type TransformerExperimentConfig } from '../../engine/models/transformer/protocol';
import type { ModelSettings } from '../../engine/models';
import { Rng, seededStreams } from '../../engine/rng';
import { createTask } from '../../engine/tasks';
import type { SelectionStrategy } from '../../engine/transportMask';
import {
  LEAD_IN_STEPS,
  READOUT_ARM,
  taskOptionsOf,
  type ArmCost,
  type ArmId,
  type ArmInfo,
  type HeadPanelData,
  type KeptPaths,
  type LabParams,
  type LiveMetrics,
} from '../contract';
import type { LiveEngine } from './liveEngine';
import { LiveLoop } from './liveLoop';

/** Steps of regime A shown before the drift: LiveRun's lead-in. */
export const TRANSFORMER_LEAD_IN = LEAD_IN_STEPS;
export type { HeadPanelData };

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

/** The head arm behind each live arm id, from the settings. */
function armOf(p: LabParams, id: ArmId): HeadArm {
  const opts = { strategy: headStrategyOf(p.strategy), refreshEvery: p.refresh, woLocal: true, qkvLocal: false };
  switch (id) {
    case 'frozen':
      return { kind: 'frozen' };
    case 'full':
      return headArm(1, opts);
    case 'k0':
      return headArm(0, opts);
    case 'k':
      return headArm(p.headFraction, opts);
    case 'readout':
      return { kind: 'readout' };
    default:
      // the RNN's and the LSTM's baselines have no transformer form (the transformer run never lists them)
      throw new RangeError(`the transformer has no ${id} arm`);
  }
}

function createLearner(p: LabParams, arm: HeadArm, label: string, params: TransformerParams): TransformerLearner {
  return new TransformerLearner(params, arm, {
    optimizer: { kind: p.optimizer, lr: p.lr, clipNorm: 1 },
    selectionRng: Rng.forLabel(p.seed, `selection ${label}`),
    trackHeads: true,
  });
}

/** The 'k' arm's entry; at round(ρH) = 0 it is the ρ = 0 arm, at round(ρH) = H the dense one (bit-identical). */
function fractionInfo(fraction: number, heads: number, since?: number): ArmInfo {
  const kept = headCount(fraction, heads);
  const label = fractionLabel(fraction, heads) + (since !== undefined ? ` since step ${since}` : '');
  const sameAs: ArmId | undefined = since !== undefined ? undefined : kept === 0 ? 'k0' : kept === heads ? 'full' : undefined;
  return sameAs ? { id: 'k', label, sameAs } : { id: 'k', label };
}

export class TransformerLiveRun extends LiveLoop<TransformerLearner> implements LiveEngine {
  /** LiveEngine's shape: n = d_model (the worker paces its metric samples by n) */
  readonly shape: ModelSettings;
  readonly tshape: TransformerShape;
  readonly pretrainLoss: number[];
  readonly pretrained: TransformerParams;
  private readonly attention: Float32Array;

  constructor(params: LabParams, options: TransformerLiveOptions = TRANSFORMER_LIVE_DEFAULTS) {
    if (!(params.headFraction >= 0 && params.headFraction <= 1)) throw new RangeError(`head-fraction must be a number in [0, 1], got ${params.headFraction}`);
    const config = {
      ...defaultTransformerConfig(),
      task: params.task,
      dModel: options.dModel,
      heads: options.heads,
      layers: options.layers,
      context: options.context,
    };
    const streams = seededStreams(params.seed);
    const task = createTask(params.task, streams.data, taskOptionsOf(params));
    const tshape = transformerShape(config, task);
    // As TransformerSeedRun: regime A (4000 steps), pretraining windows from their own stream, so the data
    // stream's state (and regime B) does not depend on the pretraining length.
    const regimeA = task.generate('A', config.pretrain.dataSteps, streams.data);
    const pretrained = initTransformer(tshape, streams.init, 'f32');
    const pretrainLoss =
      options.pretrainSteps > 0
        ? pretrainTransformer(
            pretrained,
            regimeA,
            { ...DEFAULT_TRANSFORMER_PRETRAIN, steps: options.pretrainSteps, batch: options.pretrainBatch },
            Rng.forLabel(params.seed, 'transformer pretrain windows'),
          ).blockLoss
        : [];
    // the lead-in: the pretrained model, frozen, its window holding the tail of regime A
    const lead = createLearner(params, { kind: 'frozen' }, 'lead', pretrained);
    lead.prime(regimeA, regimeA.length - (tshape.context - 1), regimeA.length);
    const arms: ArmInfo[] = [
      { id: 'frozen', label: 'frozen' },
      { id: 'full', label: 'dense (ρ = 1)' },
      { id: 'k0', label: 'ρ = 0' },
      fractionInfo(params.headFraction, tshape.heads),
      { ...READOUT_ARM },
    ];
    super(params, task, arms, lead, streams.data);
    this.tshape = tshape;
    this.shape = { n: options.dModel, m: task.inputSize, o: task.outputSize, leak: 0 } as unknown as ModelSettings;
    this.pretrained = pretrained;
    this.pretrainLoss = pretrainLoss;
    this.attention = new Float32Array(tshape.layers * tshape.heads * tshape.context);
  }

  private armOf(id: ArmId): HeadArm {
    return armOf(this.params, id);
  }

  /** The drift: every arm starts from the pretrained weights and the lead-in's context window. */
  protected startArms(): TransformerLearner[] {
    return this.arms.map((arm) => {
      const l = createLearner(this.params, this.armOf(arm.id), arm.id, this.pretrained);
      copyContext(this.lead, l);
      return l;
    });
  }

  /** Recovery only once dense has cut the frozen loss by MIN_REFERENCE_IMPROVEMENT and has not diverged. */
  protected recoveryDefined(): boolean {
    const improvement = this.referenceImprovement();
    const denseDiverged = (this.learners[this.armIndex('full')]?.divergedAt ?? -1) >= 0;
    return improvement !== null && improvement >= MIN_REFERENCE_IMPROVEMENT && !denseDiverged;
  }

  /** The learner whose heads the panel shows: the chosen-fraction arm's (its twin's when it duplicates one). */
  private shownLearner(): TransformerLearner {
    return this.learnerOf(this.armIndex('k')) ?? this.lead;
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

  /** No spectra for the transformer (the analysis panels of the RNN do not apply), and no P: every ‖P‖ is null. */
  metrics(): LiveMetrics {
    return { step: this.step, jacobian: null, sensitivity: null, sensitivityNorm: this.sensitivityNorms(), cosine: { k: null, k0: null } };
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

  /** (L̄_frozen − L̄_dense) / L̄_frozen so far, or null before the drift. */
  referenceImprovement(): number | null {
    const m = this.meanLoss();
    const frozen = m[this.armIndex('frozen')];
    const dense = m[this.armIndex('full')];
    return Number.isFinite(frozen) && Number.isFinite(dense) && frozen > 0 ? (frozen - dense) / frozen : null;
  }

  /**
   * The live change of the sparse arm: the transformer's is its head fraction ρ (`headFraction`, when that is
   * what changed); k does not apply, and a strategy change is taken by the next fraction change.
   */
  setSparse(_k: number, strategy: SelectionStrategy, headFraction?: number): void {
    if (headFraction !== undefined) this.setHeadFraction(headFraction);
    else this.params.strategy = strategy;
  }

  /**
   * New head fraction ρ for the 'k' arm, in place, with a marker. After the drift its learner is rebuilt
   * on the arm's current weights (its twin's if it duplicated one) with the same context window; Adam's
   * moments restart and S_ℓ is drawn again. The other arms are untouched.
   */
  setHeadFraction(fraction: number): void {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`head-fraction must be a number in [0, 1], got ${fraction}`);
    this.params.headFraction = fraction;
    const index = this.armIndex('k');
    this.markers.push({ step: this.step, label: `ρ = ${fraction}` });
    const old = this.learnerOf(index);
    if (!old) {
      this.arms[index] = fractionInfo(fraction, this.tshape.heads);
      return;
    }
    this.arms[index] = fractionInfo(fraction, this.tshape.heads, this.step);
    const next = createLearner(this.params, this.armOf('k'), `k ${this.markers.length}`, old.params);
    copyContext(old, next);
    this.replaceLearner(index, old, next);
  }
}

/** The transformer's default learning rate for these settings (learningRates.ts). */
export function transformerLr(p: Pick<LabParams, 'task' | 'optimizer'>): number {
  return defaultLearningRate(p.task, p.optimizer, 'transformer');
}

/** The engine's config for the transformer sweep (sweep.ts's plain spec on the live run's model). */
export function transformerSweepConfig(s: {
  task: LabParams['task'];
  optimizer: LabParams['optimizer'];
  lr: number;
  refresh: number;
  fractions: number[];
  adaptSteps: number;
  pretrainSteps: number;
}): TransformerExperimentConfig {
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
