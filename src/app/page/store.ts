/**
 * The app's state in zustand: the settings (mirrored to the URL hash), the run's slow-moving state, and
 * what the page tells the user. Per-step losses do not live here (see lossSeries.ts); `seriesVersion`
 * moves when they change.
 */
import { create } from 'zustand';
import {
  DEFAULT_PARAMS,
  type CsvChoice,
  type CsvPreview,
  type CsvProblem,
  type GpuRunInfo,
  type HeadPanelData,
  type LabParams,
  type LiveMetrics,
  type LiveReadings,
} from '../contract';
import type { WebGpuProbe } from './webgpuProbe';

/** 'done': the run reached its adaptation steps and shows its summary */
export type RunStatus = 'starting' | 'pretraining' | 'running' | 'paused' | 'done' | 'error';

/** The latest readings of the run (arms, markers, metrics, kept paths, kernel timings) are the worker's, as it sends them. */
export interface LabState extends LiveReadings {
  params: LabParams;
  /** fields of the opening link that were ignored, with why */
  ignoredFields: string[];
  status: RunStatus;
  error: string | null;
  /** which engine computes: 'CPU' or the WebGPU adapter's name */
  engine: string;
  webgpu: WebGpuProbe | null;
  /** why the engine worker runs on the CPU although WebGPU was asked for or offered (null: nothing to say) */
  engineNote: string | null;
  /** on the CPU: which transport kernel computes, with how many threads (null on the GPU) */
  cpuKernel: string | null;
  /** on the GPU: the adapter, the sparse transport kernel chosen for it and why, the timing source (null on the CPU) */
  gpuInfo: GpuRunInfo | null;
  /** size limits applied on the CPU, said plainly */
  cpuNotes: string[];
  /** the Backend control's hint, as the engine worker words it from the methods' registry ('' until it has) */
  backendHint: string;
  /** the claim preset being shown (URL flag `claim=`), or null */
  claim: string | null;
  step: number;
  /** steps per wall-clock second as observed (for "≈ s left") */
  stepsPerSecond: number;
  pretrainMs: number;
  /** the pretrained weights came with the app (the same the engine computes), so pretraining took no time */
  pretrainedShipped: boolean;
  /** ms from page start to the first drawn point of the loss chart */
  firstCurveMs: number | null;
  seriesVersion: number;
  /** the sampled metrics' history (capped) */
  metricsHistory: LiveMetrics[];
  /** the transformer's heads panel data, latest sample (null for the RNN and the LSTM) */
  heads: HeadPanelData | null;
  /** presenter mode: large type, high contrast, controls hidden (URL flag `present=1`) */
  presenter: boolean;
  /** the user's own table: the import dialog's state (csvController.ts) */
  csv: CsvImportState;
}

/** The import dialog: the file taken in (its preview), the choice being made, and what the engine said of it. */
export interface CsvImportState {
  open: boolean;
  /** the file the engine worker holds (0: none yet) and its name */
  fileId: number;
  fileName: string | null;
  /** the file is being read or parsed */
  loading: boolean;
  preview: CsvPreview | null;
  /** the choice in the dialog (committed to the settings by "Run") */
  draft: CsvChoice | null;
  /** the file could not be read, or the draft does not fit it: the engine's message, row and column */
  problem: CsvProblem | null;
  /** the prepared task's description when the draft fits (null while checking or on a problem) */
  description: string | null;
  /** the settings run the csv task but no file is loaded (a shared link): the dialog asks for the file */
  needsFile: boolean;
}

export const NO_CSV: CsvImportState = {
  open: false,
  fileId: 0,
  fileName: null,
  loading: false,
  preview: null,
  draft: null,
  problem: null,
  description: null,
  needsFile: false,
};

export const METRICS_HISTORY_CAP = 1500;

export const useLab = create<LabState>(() => ({
  params: { ...DEFAULT_PARAMS },
  ignoredFields: [],
  status: 'starting',
  error: null,
  engine: 'CPU',
  webgpu: null,
  engineNote: null,
  cpuKernel: null,
  gpuInfo: null,
  kernelTimings: null,
  cpuNotes: [],
  backendHint: '',
  arms: [],
  adaptedSteps: 0,
  claim: null,
  markers: [],
  step: 0,
  msPerStep: 0,
  stepsPerSecond: 0,
  pretrainMs: 0,
  pretrainedShipped: false,
  firstCurveMs: null,
  seriesVersion: 0,
  metrics: null,
  metricsHistory: [],
  keptPaths: null,
  heads: null,
  presenter: false,
  csv: NO_CSV,
}));
