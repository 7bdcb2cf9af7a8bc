/**
 * The protocol as a live, endless run for the app (no DOM: it runs in the worker and in Node tests).
 * Pretrain on regime A, show the pretrained network on regime A for a short lead-in, drift to regime B,
 * then adapt the arms frozen, full, k = 0, the chosen k and readout-only in lockstep from identical weights
 * on an identical stream, generated in chunks as long as the run goes on. k, the learning rate and the
 * selection strategy change in place (a marker records when). The protocol's steps are the engine's
 * (engine/protocol/: pretrainSeed, armLearner, RunningLoss) and the loop is every model's (liveLoop.ts);
 * this class implements LiveEngine (liveEngine.ts), the interface the worker drives.
 */
import { GradientFidelityProbe } from '../../engine/gradientFidelity';
import type { OnlineLearner } from '../../engine/learner';
import { methodCost, methodLabel } from '../../engine/methods';
import { jacobianSpectrum, sensitivitySpectrum } from '../../engine/metrics';
import { MODELS, type ModelKind, type ModelParams, type ModelSettings } from '../../engine/models';
import type { LearningMethod } from '../../engine/methods';
import { DEFAULT_PRETRAIN } from '../../engine/pretrain';
import { armLearner, pretrainSeed } from '../../engine/protocol/prepareSeed';
import { Rng } from '../../engine/rng';
import type { Sequence } from '../../engine/tasks/task';
import type { SelectionStrategy } from '../../engine/transportMask';
import {
  LEAD_IN_STEPS,
  LIVE_DEFAULTS,
  READOUT_ARM,
  taskOptionsOf,
  type ArmCost,
  type ArmId,
  type ArmInfo,
  type KeptPaths,
  type LabParams,
  type LiveMetrics,
  type LiveRunOptions,
  type PretrainedState,
} from '../contract';
import { armMethod, baselineArms, type LiveEngine } from './liveEngine';
import { LiveLoop } from './liveLoop';

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

/** The k arm's entry: its label and, at k = 0 or k = n, the arm it duplicates. */
export function kArmInfo(k: number, n: number, includeFull: boolean): ArmInfo {
  const sameAs: ArmId | undefined = k === 0 ? 'k0' : k === n && includeFull ? 'full' : undefined;
  return sameAs ? { id: 'k', label: `k = ${k}`, sameAs } : { id: 'k', label: `k = ${k}` };
}
/** An arm's learner on `params` from running state `state`, its streams named `label` (engine/protocol). */
function createLearner(
  p: LabParams,
  model: ModelKind,
  params: ModelParams,
  method: LearningMethod,
  label: string,
  state: Float32Array | undefined,
): ArmLearner {
  const optimizer = { kind: p.optimizer, lr: p.lr, clipNorm: 0 };
  return armLearner(model, params, state, method, optimizer, p.seed, label);
}

export class LiveRun extends LiveLoop<ArmLearner> implements LiveEngine {
  readonly shape: ModelSettings;
  readonly pretrainLoss: number[];
  private readonly pretrained: ModelParams;
  private readonly hStart: Float32Array | null;
  private readonly model: ModelKind;
  private probe: GradientFidelityProbe | null = null;
  private readonly includeFull: boolean;

  constructor(params: LabParams, options: LiveRunOptions = LIVE_DEFAULTS) {
    // the transformer has its own live run (transformerLiveRun.ts); this one runs the RNN and the LSTM
    const model = params.model as ModelKind;
    // [choice] gain 1.2 for the live view (the CLI's default too); pretraining shorter than the CLI's
    // With shipped weights, zero epochs: regime A is still drawn (the data stream advances exactly as when
    // training), then the trained weights are put in place.
    const cached = options.pretrained;
    const seed = pretrainSeed(
      {
        task: params.task,
        taskOptions: { ...taskOptionsOf(params), ...(options.csv ? { csv: options.csv } : {}) },
        model,
        n: params.n,
        leak: params.leak,
        gain: 1.2,
        pretrain: { ...DEFAULT_PRETRAIN, epochs: cached ? 0 : options.pretrainEpochs, steps: options.pretrainSteps },
      },
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
    const arms: ArmInfo[] = [
      { id: 'frozen', label: 'frozen' },
      ...(options.includeFull ? [{ id: 'full' as const, label: 'full RTRL' }] : []),
      { id: 'k0', label: 'k = 0' },
      kArmInfo(params.k, params.n, options.includeFull),
      // last, so the other arms keep their indices; its selection and noise streams are its own (by label),
      // so it changes nothing in the others' runs
      { ...READOUT_ARM },
      // the baselines the user added, after it (their streams are their own too)
      ...baselineArms(params),
    ];
    // The lead-in: the pretrained network, frozen, on more of regime A.
    const lead = createLearner(params, model, seed.pretrained, { kind: 'frozen' }, 'lead', seed.hStart);
    super(params, seed.task, arms, lead, seed.data);
    this.model = model;
    this.hStart = seed.hStart ? Float32Array.from(seed.hStart) : null;
    this.shape = seed.shape;
    this.pretrained = seed.pretrained;
    this.pretrainLoss = seed.pretrainLoss;
    this.includeFull = options.includeFull;
  }

  private methodOf(id: ArmId): LearningMethod {
    return armMethod(this.params, id);
  }

  /** The pretrained state, as the app ships it (contract/pretrained.ts) (call before advancing: the weights are the pretrained ones). */
  pretrainedState(): PretrainedState {
    const p = this.pretrained as { theta: Float32Array | Float64Array; readout: Float32Array | Float64Array };
    return {
      theta: Float32Array.from(p.theta),
      readout: Float32Array.from(p.readout),
      hEnd: Float32Array.from(this.hStart ?? []),
      epochLoss: [...this.pretrainLoss],
    };
  }

  /** The drift: every arm starts from the pretrained weights and the lead-in's hidden state. */
  protected startArms(): ArmLearner[] {
    const start = runningState(this.lead);
    return this.arms.map((arm) => createLearner(this.params, this.model, this.pretrained, this.methodOf(arm.id), arm.id, start));
  }

  protected afterDrift(): void {
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
    return { learners: this.learners, seq: this.seq, seqOffset: this.seqOffset, nextChunk: () => this.nextChunk() };
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
      sensitivityNorm: this.sensitivityNorms(),
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
      return { macs: c.macs, bytes: c.bytes, sensitivityFloats: c.carried };
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

  /** An arm's current weights (its twin's for a duplicate), the pretrained ones before the drift. */
  armParams(a: number): ModelParams {
    return this.learners[this.source(a)]?.params ?? this.pretrained;
  }

  /** New k or strategy for the sparse arm, in place: its weights, hidden state and P carry on. */
  setSparse(k: number, strategy: SelectionStrategy): void {
    if (k < 0 || k > this.shape.n) throw new RangeError(`k must be in [0, ${this.shape.n}]`);
    const changedK = k !== this.params.k;
    this.params.k = k;
    this.params.strategy = strategy;
    const index = this.armIndex('k');
    // a duplicate arm was not stepped: it carries on from its twin's weights, state and P
    const old = this.learnerOf(index);
    // Before the drift the arm is still identical to its twin at k = 0 or n. After it, the arm carries
    // its own weights on with the new mask: no longer a twin, and named apart from one.
    const info = kArmInfo(k, this.shape.n, this.includeFull);
    this.arms[index] = !this.drifted || !info.sameAs ? info : { id: 'k', label: `k = ${k} since step ${this.step}` };
    this.markers.push({ step: this.step, label: changedK ? `k = ${k}` : strategy });
    if (!old) return;
    // A fresh learner on the arm's current weights and running state, so only the mask changes. For the
    // RNN the sensitivity P carries over too; the LSTM's restarts from zero (its estimator keeps P
    // private). Optimizer moments restart [choice: the learner keeps them private].
    const next = createLearner(this.params, this.model, old.params, this.methodOf('k'), `k ${this.markers.length}`, runningState(old));
    if (next.asRnn() && old.asRnn()) {
      next.sensitivity?.current.set(old.sensitivity!.current);
      next.state.hPrev.set(old.state.hPrev);
    }
    this.replaceLearner(index, old, next);
    this.attachProbe();
  }
}
