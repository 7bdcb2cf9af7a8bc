/**
 * The live run between the page and the engine worker: its arms as records, what the worker reports about
 * them, the messages both ways, and the protocol's constants the page draws (the lead-in, the options).
 * Types and small constants only: the page's entry chunk loads this, so nothing here imports engine code
 * at run time.
 */
import type { Spectrum } from '../../engine/metrics';
import type { SelectionStrategy } from '../../engine/transportMask';
import type { BatchTimings } from '../../gpu/timing';
import type { LabParams } from '../labParams';
import type { CsvSeries } from '../../engine/tasks/csv';
import type { PretrainedState } from './pretrained';

/**
 * The other online methods a user can add to a live run beside the sparse arms (the RNN and the LSTM):
 * UORO, KF-RTRL, SnAp-1 and TBPTT(τ), each the engine's method of the same name.
 */
export type BaselineArmId = 'uoro' | 'kf' | 'snap1' | 'tbptt';

/** Stable arm ids for colours and series, the same in every live engine (the transformer's dense arm is 'full'). */
export type ArmId = 'frozen' | 'full' | 'k0' | 'k' | 'readout' | BaselineArmId;

/**
 * What an arm is for in the reading of a run: the reference recovery is measured against (full RTRL), a
 * floor (frozen: nothing adapts, the paper's 0 %; readout-only: the floor of recovery beyond the readout),
 * a sparse arm, or a baseline (another approximation of the online gradient, to compare with).
 */
export type ArmRole = 'reference' | 'baseline' | 'floor' | 'sparse';

export const ARM_ROLES: Record<ArmId, ArmRole> = {
  frozen: 'floor',
  full: 'reference',
  readout: 'floor',
  k0: 'sparse',
  k: 'sparse',
  uoro: 'baseline',
  kf: 'baseline',
  snap1: 'baseline',
  tbptt: 'baseline',
};

/** The baselines a user can add, in the order they are listed and join the run, with their labels. */
export const BASELINE_ARMS: readonly { id: BaselineArmId; name: string; describe: string }[] = [
  { id: 'uoro', name: 'UORO', describe: 'a rank-one unbiased estimate of P, O(n²) per step' },
  { id: 'kf', name: 'KF-RTRL', describe: 'a Kronecker-factored estimate of P, O(n³) per step' },
  { id: 'snap1', name: 'SnAp-1', describe: 'P kept only where a weight touches its own unit, O(n²) per step' },
  { id: 'tbptt', name: 'TBPTT', describe: 'backpropagation through the last τ steps, O(τn²) per step' },
];

/** The most arms a live chart shows: each keeps a colour and a dash of its own (armColors.tsx). */
export const MAX_LIVE_ARMS = 8;

/** Steps of regime A shown before the drift, so the jump in loss is visible (every live engine). */
export const LEAD_IN_STEPS = 150;

export interface ArmInfo {
  id: ArmId;
  label: string;
  /**
   * The arm this one is identical to, if any: the k arm at k = 0 is the k = 0 arm, and at k = n it is
   * full RTRL (every path kept). It is computed once, shown once, with a note.
   */
  sameAs?: ArmId;
}

/** The readout-only arm's entry (the same in every live engine). */
export const READOUT_ARM: ArmInfo = { id: 'readout', label: 'readout only' };

/** Theoretical cost of one step per arm, for the cost meter. */
export interface ArmCost {
  macs: number;
  bytes: number;
  /** floats of P this arm keeps, or of what stands in for P (a baseline's; the method's `carried`) */
  sensitivityFloats: number;
  /** the transformer, which has no P: floats of the context window it carries from step to step */
  windowFloats?: number;
}

/** One arm of a live run as one record: what it is, what it costs and how it is doing. */
export interface LiveArm extends ArmInfo {
  role: ArmRole;
  /** the engine's label of the arm's method: 'frozen', 'full', 'k=4', 'readout', the transformer's 'dense', 'rho=0.5' */
  method: string;
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

/** What the transformer's heads panel shows: the chosen-fraction arm's heads at the current step. */
export interface HeadPanelData {
  step: number;
  /** the arm shown (the chosen fraction's; the lead-in shows the frozen pretrained model) */
  arm: string;
  fraction: number;
  layers: number;
  heads: number;
  context: number;
  /** positions in the window now */
  length: number;
  /** whether this step carried an error signal (on other steps no head carries gradient) */
  updated: boolean;
  /** [ℓ·H + h] = 1 if the head's output carried gradient this step */
  carrying: number[];
  /** ‖∂L/∂o^h‖ this step, [ℓ·H + h]; null where not measured (frozen, lead-in, unscored step) */
  gradNorm: (number | null)[];
  /** the newest position's attention over the window, [(ℓ·H + h)·W + j], j = 0 the oldest slot */
  attention: Float32Array;
}

export interface LiveRunOptions {
  /** pretraining steps and epochs; the app uses fewer than the CLI so the first curve comes quickly */
  pretrainSteps: number;
  pretrainEpochs: number;
  /** leave full RTRL out (the CPU cap at large n) */
  includeFull: boolean;
  /** pretrained weights shipped for these settings (pretrained.ts): pretraining is skipped, not changed */
  pretrained?: PretrainedState;
  /** the csv task's table, prepared by the engine worker from the user's file (contract/csv.ts) */
  csv?: CsvSeries;
}

export const LIVE_DEFAULTS: LiveRunOptions = { pretrainSteps: 3000, pretrainEpochs: 6, includeFull: true };

export type ToWorker =
  | { type: 'start'; runId: number; params: LabParams; options: LiveRunOptions }
  | { type: 'advance'; runId: number; steps: number }
  | { type: 'setLr'; runId: number; lr: number }
  /** `headFraction`: the transformer's new ρ (its live control), set when that is what changed */
  | { type: 'setSparse'; runId: number; k: number; strategy: SelectionStrategy; headFraction?: number };

/** What a live run reports with each batch of losses, and what the page keeps of the latest. */
export interface LiveReadings {
  /** every arm as one record: its cost, mean loss, both recoveries, divergence */
  arms: LiveArm[];
  adaptedSteps: number;
  markers: Marker[];
  msPerStep: number;
  /** sampled every few steps (see engineWorker.ts) */
  metrics: LiveMetrics | null;
  /** GPU runs: the measured time per step and per kernel (timestamps or submit-to-done); null otherwise or before the drift */
  kernelTimings: BatchTimings | null;
  keptPaths: KeptPaths | null;
}

export type FromWorker =
  /** once, when the worker has loaded: what the Backend control's hint says (the methods' registry's word) */
  | { type: 'ready'; backendHint: string }
  | {
      type: 'started';
      runId: number;
      arms: LiveArm[];
      pretrainLoss: number[];
      pretrainMs: number;
      engine: string;
      /** why the run is on the CPU when WebGPU was asked for or could have been used */
      fallbackReason?: string;
      /** on the CPU: the transport kernel and its threads (WebAssembly SIMD or TypeScript, and why) */
      cpuKernel?: string;
      /** on the GPU: the adapter, the sparse transport kernel chosen for it and why, how kernels are timed */
      gpu?: GpuRunInfo;
      /** where the start-up time went: absolute times (ms since the epoch) and durations, for scripts/first-point.ts */
      timing?: { evaluatedAt: number; startAt: number; gpuCheckMs: number; buildMs: number };
      /** the pretrained weights came with the app (pretrained.ts) instead of being trained here */
      pretrainedShipped?: boolean;
    }
  | (LiveReadings & {
      type: 'losses';
      runId: number;
      fromStep: number;
      /** one array per arm, `count` values each */
      losses: Float32Array[];
      count: number;
      /** for tasks scored on some steps only (adding): 1 where the step carried an error signal; null: every step */
      scored: Uint8Array | null;
      /** the task and each arm's output step by step (on the GPU too: the forward kernel records y_t[0] per lane) */
      trace: StepTrace | null;
      /** GPU runs: as in 'started', up to date (the LSTM's sparse kernel is known from the drift on) */
      gpu?: GpuRunInfo;
      /** the transformer's heads panel, sent every ~150 ms (null: none this time, or not a transformer) */
      heads?: HeadPanelData | null;
    })
  | { type: 'error'; runId: number; message: string };
