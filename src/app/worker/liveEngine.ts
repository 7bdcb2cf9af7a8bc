/**
 * The live engine: what the app's worker drives, whichever engine runs the arms. The CPU's LiveRun
 * (liveRun.ts) steps every arm on the CPU; the GPU's GpuLiveRun (gpuLiveRun.ts) takes LiveRun's
 * pretraining, lead-in and drift and steps the arms as lanes of one GPU batch. Both run the engine's one
 * protocol (engine/protocol/: pretrainSeed, the arms' learners, RunningLoss for the loss window and
 * recovery), and the worker (engineWorker.ts) is typed against this interface only.
 *
 * The protocol of a live run: pretrain on regime A, show the pretrained network frozen on regime A for
 * LEAD_IN_STEPS, drift to regime B, then adapt the arms frozen, full (unless capped), k = 0, the chosen k
 * and readout-only in lockstep from identical weights on an identical, endless stream. The learning rate,
 * k and the selection strategy change in place; a marker records when.
 *
 * Readout-only (θ frozen, V and c adapt) is the floor of recovery beyond the readout: it comes last in the
 * list, so the older arms keep their places in the messages, the exports' columns and the GPU's lanes.
 */
import type { LearningMethod } from '../../engine/methods';
import type { Spectrum } from '../../engine/metrics';
import type { ModelSettings } from '../../engine/models';
import type { SelectionStrategy } from '../../engine/transportMask';
import type { BatchTimings } from '../../gpu/timing';
import type { LabParams } from '../labParams';

export type ArmId = 'frozen' | 'full' | 'k0' | 'k' | 'readout';

/** The readout-only arm's entry (the same in every live engine). */
export const READOUT_ARM: ArmInfo = { id: 'readout', label: 'readout only' };

export interface ArmInfo {
  /** stable id for colours and series: 'frozen' | 'full' | 'k0' | 'k' | 'readout' */
  id: ArmId;
  label: string;
  /**
   * The arm this one is identical to, if any: the k arm at k = 0 is the k = 0 arm, and at k = n it is
   * full RTRL (every path kept). It is computed once, shown once, with a note.
   */
  sameAs?: ArmId;
}

/** The task on show, step by step: first input, first target, each arm's first output. */
export interface StepTrace {
  input: Float32Array;
  target: Float32Array;
  prediction: Float32Array[];
}

export interface Marker {
  step: number;
  label: string;
}

/** What the analysis panels show, sampled every few steps (the spectra cost up to n⁴, like one full step). */
export interface LiveMetrics {
  step: number;
  /** singular values of J_t of the reference arm (full RTRL, else the k arm) */
  jacobian: Spectrum | null;
  /** singular values of the full arm's P_t (through P Pᵀ) */
  sensitivity: Spectrum | null;
  /** ‖P_t‖ per arm (null for frozen) */
  sensitivityNorm: (number | null)[];
  /** cos(g_k, g_full) on the full arm's trajectory for the k arm, and for k = 0 */
  cosine: { k: number | null; k0: number | null };
}

/** Theoretical cost of one step per arm, for the cost meter. */
export interface ArmCost {
  macs: number;
  bytes: number;
  /** floats of P this arm keeps */
  sensitivityFloats: number;
  /** the transformer, which has no P: floats of the context window it carries from step to step */
  windowFloats?: number;
}

/** What a GPU run says about itself, for the backend badge's tooltip and the cost meter. */
export interface GpuRunInfo {
  /** the adapter's name */
  adapter: string;
  /** a software adapter (SwiftShader, a fallback adapter): a CPU rasteriser, not a GPU */
  software: boolean;
  /** the sparse transport kernel chosen for this adapter, and why (sparseVariant.ts) */
  sparseTransport: string;
  /** how the kernels are timed on this device (timing.ts) */
  timingSource: BatchTimings['source'];
}

/** W of the k arm (row-major n×n) and its kept sources (k per row), for the kept-paths view. */
export interface KeptPaths {
  n: number;
  k: number;
  W: Float32Array;
  sources: Int32Array;
}

/** What `advance` also fills when asked: which steps were scored, and the task's trace. */
export interface AdvanceExtra {
  scored?: Uint8Array;
  trace?: StepTrace;
}

/** One arm of a live run as one record: what it is, what it does, what it costs and how it is doing. */
export interface LiveArm extends ArmInfo {
  method: LearningMethod;
  cost: ArmCost;
  /** mean loss over the adaptation so far (steps with an error signal), NaN before the drift */
  meanLoss: number;
  /** recovery so far against frozen and full, null without full RTRL, before the drift, or diverged */
  recovery: number | null;
  /** recovery so far against readout-only and full (recovery beyond the readout), null where recovery is */
  recoveryBeyondReadout: number | null;
  /** adaptation step of the first NaN/Inf, or -1 */
  divergedAt: number;
}

export interface LiveEngine {
  /** which engine steps the arms after the drift */
  readonly backend: 'cpu' | 'gpu';
  readonly params: LabParams;
  readonly shape: ModelSettings;
  readonly arms: ArmInfo[];
  readonly markers: Marker[];
  readonly pretrainLoss: number[];
  /** global step: lead-in steps first, then adaptation */
  readonly step: number;
  readonly drifted: boolean;
  /** whether the task scores only some steps (the adding task: the end of each sequence) */
  readonly sparseError: boolean;
  /** whether `advance` fills `extra.trace` (each arm's output needs the arm's state on the host) */
  readonly traces: boolean;
  /** Adaptation steps with an error signal so far. */
  readonly adaptedSteps: number;
  /** Advances `count` steps; writes each arm's losses into out[arm][0..count). Returns steps done. */
  advance(count: number, out: Float32Array[], extra?: AdvanceExtra): number | Promise<number>;
  setLearningRate(lr: number): void;
  /** New k or strategy for the sparse arm, in place: its weights, state and P carry on. */
  setSparse(k: number, strategy: SelectionStrategy): void | Promise<void>;
  /** The analysis panels' numbers now (up to two n⁴ passes: every few steps, not every step). */
  metrics(): LiveMetrics;
  /** Multiply-adds, bytes and P's size per arm (science.md §3-§4). */
  costs(): ArmCost[];
  keptPaths(): KeptPaths | null;
  /** Recovery so far per arm against frozen and full (the paper's), null where it is not defined. */
  recovery(): (number | null)[];
  /** Recovery so far per arm against readout-only and full (beyond the readout), null where it is not defined. */
  recoveryBeyondReadout(): (number | null)[];
  /** Mean loss per arm over the adaptation so far, NaN before the drift. */
  meanLoss(): number[];
  /** Index of each diverged arm's first bad step, or -1. */
  divergedAt(): number[];
  /** Releases what the engine holds (the GPU's buffers); the run must not be used after. */
  dispose(): void;
  /** GPU runs: the adapter, the sparse transport kernel and the timing source. */
  gpuInfo?(): GpuRunInfo;
  /** GPU runs: measured time per step and per kernel of the current batch (null before the drift). */
  kernelTimings?(): BatchTimings | null;
}

/** The learning method of each arm of the live view, from the settings. */
export function armMethod(p: LabParams, id: ArmId): LearningMethod {
  switch (id) {
    case 'frozen':
      return { kind: 'frozen' };
    case 'full':
      return { kind: 'full' };
    case 'k0':
      return { kind: 'sparse', k: 0, strategy: p.strategy, refreshEvery: 0, rescale: false };
    case 'k':
      return { kind: 'sparse', k: p.k, strategy: p.strategy, refreshEvery: p.refresh, rescale: p.rescale };
    case 'readout':
      return { kind: 'readout' };
  }
}

/** Every arm of a live run as one record each (the parallel per-arm readings gathered). */
export function liveArms(engine: LiveEngine): LiveArm[] {
  const costs = engine.costs();
  const meanLoss = engine.meanLoss();
  const recovery = engine.recovery();
  const beyond = engine.recoveryBeyondReadout();
  const divergedAt = engine.divergedAt();
  return engine.arms.map((arm, a) => ({
    ...arm,
    method: armMethod(engine.params, arm.id),
    cost: costs[a],
    meanLoss: meanLoss[a],
    recovery: recovery[a],
    recoveryBeyondReadout: beyond[a],
    divergedAt: divergedAt[a],
  }));
}

/** Index of the arm whose learner actually runs for arm a: itself, or the arm it duplicates (`sameAs`). */
export function sourceArm(arms: readonly ArmInfo[], a: number): number {
  const same = arms[a].sameAs;
  return same ? arms.findIndex((x) => x.id === same) : a;
}
