/** Messages between the page and the engine worker. */
import type { ArmInfo, LiveRunOptions, Marker } from './liveRun';
import type { LabParams } from './labParams';
import type { SelectionStrategy } from '../engine/transportMask';

export type ToWorker =
  | { type: 'start'; runId: number; params: LabParams; options: LiveRunOptions }
  | { type: 'advance'; runId: number; steps: number }
  | { type: 'setLr'; runId: number; lr: number }
  | { type: 'setSparse'; runId: number; k: number; strategy: SelectionStrategy };

export type FromWorker =
  | { type: 'started'; runId: number; arms: ArmInfo[]; pretrainLoss: number[]; pretrainMs: number; engine: string }
  | {
      type: 'losses';
      runId: number;
      fromStep: number;
      /** one array per arm, `count` values each */
      losses: Float32Array[];
      count: number;
      arms: ArmInfo[];
      recovery: (number | null)[];
      divergedAt: number[];
      markers: Marker[];
      msPerStep: number;
    }
  | { type: 'error'; runId: number; message: string };
