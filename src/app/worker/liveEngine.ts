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
import type { ModelSettings } from '../../engine/models';
import type { SelectionStrategy } from '../../engine/transportMask';
import type { BatchTimings } from '../../gpu/timing';
import {
  ARM_ROLES,
  BASELINE_ARMS,
  type ArmCost,
  type ArmId,
  type ArmInfo,
  type GpuRunInfo,
  type HeadPanelData,
  type KeptPaths,
  type LabParams,
  type LiveArm,
  type LiveMetrics,
  type Marker,
  type StepTrace,
} from '../contract';

// the arms' records and readings are the contract's (the page reads them too)
export { READOUT_ARM } from '../contract';
export type { ArmCost, ArmId, ArmInfo, GpuRunInfo, KeptPaths, LiveArm, LiveMetrics, Marker, StepTrace } from '../contract';

/** What `advance` also fills when asked: which steps were scored, and the task's trace. */
export interface AdvanceExtra {
  scored?: Uint8Array;
  trace?: StepTrace;
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
  /**
   * New k or strategy for the sparse arm, in place: its weights, state and P carry on. `headFraction`: the
   * transformer's ρ, its sparse arm's live control, when that is what changed (the RNN's engines ignore it).
   */
  setSparse(k: number, strategy: SelectionStrategy, headFraction?: number): void | Promise<void>;
  /** The analysis panels' numbers now (up to two n⁴ passes: every few steps, not every step). */
  metrics(): LiveMetrics;
  /** Multiply-adds, bytes and P's size per arm (science.md §3-§4). */
  costs(): ArmCost[];
  /** The engine's label of each arm's method ('frozen', 'full', 'k=4', 'readout'; the transformer's 'dense', 'rho=0.5'). */
  methods(): string[];
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
  /** The transformer: its heads panel now (every other engine has none). */
  headPanel?(): HeadPanelData;
  /** GPU runs: the adapter, the sparse transport kernel and the timing source. */
  gpuInfo?(): GpuRunInfo;
  /** GPU runs: measured time per step and per kernel of the current batch (null before the drift). */
  kernelTimings?(): BatchTimings | null;
  /**
   * GPU runs, the app's frame loop: as `advance` (the next `count` steps from `drawnStep` into out), but
   * it first submits `count` steps beyond them, so the GPU runs ahead by a frame and a frame waits only for
   * readbacks the frame before submitted. `step` (where a live change applies) leads `drawnStep`.
   */
  advanceLagged?(count: number, out: Float32Array[], extra?: AdvanceExtra): Promise<number>;
  /** GPU runs: the first step not yet handed out by advance or advanceLagged */
  readonly drawnStep?: number;
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
    case 'uoro':
      return { kind: 'uoro' };
    case 'kf':
      return { kind: 'kf' };
    case 'snap1':
      return { kind: 'snap1' };
    case 'tbptt':
      return { kind: 'tbptt', truncation: p.truncation };
  }
}

/** The baselines' arm entries of a recurrent live run, after readout-only (so the older arms keep their places). */
export function baselineArms(p: LabParams): ArmInfo[] {
  return p.baselines.map((id) => {
    const b = BASELINE_ARMS.find((x) => x.id === id)!;
    return { id, label: id === 'tbptt' ? `TBPTT(${p.truncation})` : b.name };
  });
}

/** Every arm of a live run as one record each (what the worker sends the page). */
export function liveArms(engine: LiveEngine): LiveArm[] {
  const methods = engine.methods();
  const costs = engine.costs();
  const meanLoss = engine.meanLoss();
  const recovery = engine.recovery();
  const beyond = engine.recoveryBeyondReadout();
  const divergedAt = engine.divergedAt();
  return engine.arms.map((arm, a) => ({
    ...arm,
    role: ARM_ROLES[arm.id],
    method: methods[a],
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
