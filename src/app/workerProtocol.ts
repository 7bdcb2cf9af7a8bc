/** Messages between the page and the engine worker. */
import type { ArmCost, ArmInfo, LiveMetrics, LiveRunOptions, Marker, StepTrace } from './worker/liveRun';
import type { GpuRunInfo } from './worker/liveEngine';
import type { BatchTimings } from '../gpu/timing';
import type { LabParams } from './labParams';
import type { SelectionStrategy } from '../engine/transportMask';
import type { HeadPanelData } from './worker/transformerLiveRun';
import type { ArmId } from './worker/liveEngine';

/**
 * What an arm is for in the reading of a run: the reference recovery is measured against (full RTRL), the
 * baseline that does not learn (frozen), the floor where only the readout adapts, or a sparse arm.
 */
export type ArmRole = 'reference' | 'baseline' | 'floor' | 'sparse';

export const ARM_ROLES: Record<ArmId, ArmRole> = { frozen: 'baseline', full: 'reference', readout: 'floor', k0: 'sparse', k: 'sparse' };

export type ToWorker =
  | { type: 'start'; runId: number; params: LabParams; options: LiveRunOptions }
  | { type: 'advance'; runId: number; steps: number }
  | { type: 'setLr'; runId: number; lr: number }
  /** `headFraction`: the transformer's new ρ (its live control), set when that is what changed */
  | { type: 'setSparse'; runId: number; k: number; strategy: SelectionStrategy; headFraction?: number };

export type FromWorker =
  | {
      type: 'started';
      runId: number;
      arms: ArmInfo[];
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
      /** the pretrained weights came with the app (pretrainedCache.ts) instead of being trained here */
      pretrainedShipped?: boolean;
    }
  | {
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
      arms: ArmInfo[];
      /** per arm against frozen and full (the paper's recovery) */
      recovery: (number | null)[];
      /** per arm against readout-only and full (recovery beyond the readout) */
      recoveryBeyondReadout: (number | null)[];
      meanLoss: number[];
      adaptedSteps: number;
      divergedAt: number[];
      markers: Marker[];
      msPerStep: number;
      /** sampled every few steps (see engineWorker.ts) */
      metrics: LiveMetrics | null;
      costs: ArmCost[];
      /** GPU runs: the measured time per step and per kernel (timestamps or submit-to-done); null otherwise or before the drift */
      kernelTimings: BatchTimings | null;
      /** GPU runs: as in 'started', up to date (the LSTM's sparse kernel is known from the drift on) */
      gpu?: GpuRunInfo;
      keptPaths: KeptPaths | null;
      /** the transformer's heads panel, sent every ~150 ms (null: none this time, or not a transformer) */
      heads?: HeadPanelData | null;
    }
  | { type: 'error'; runId: number; message: string };

export interface KeptPaths {
  n: number;
  k: number;
  W: Float32Array;
  sources: Int32Array;
}
