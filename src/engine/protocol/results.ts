/**
 * What a seed run and an experiment report, whichever engine ran them (the CPU's SeedRun, the GPU's
 * GpuSeedRun): per arm per seed, then summarised over seeds with their spread (statistics.ts).
 */
import type { ExperimentConfig } from '../config';
import type { LearningMethod } from '../methods';
import type { ReferenceImprovement, SeedStatistics } from '../statistics';

export interface ArmSeedResult {
  label: string;
  /** mean per-step loss over the recovery window (steps with an error signal only) */
  meanLoss: number;
  /** recovery in % against this seed's frozen and full arms; NaN if this arm or full diverged */
  recovery: number;
  /** recovery beyond the readout in %, (L_readout − L_arm) / (L_readout − L_full); NaN without a readout arm */
  recoveryBeyondReadout: number;
  /** adaptation step of the first NaN/Inf, or -1 */
  divergedAt: number;
  /** measured wall time per step of this arm */
  msPerStep: number;
}

export interface SeedResult {
  seed: number;
  /** p, the recurrent parameter count (columns of P) */
  paramCount: number;
  /** mean loss per pretraining epoch on regime A */
  pretrainLoss: number[];
  arms: ArmSeedResult[];
  /** per-arm loss curves over the adaptation, indexed like `arms` */
  losses: Float32Array[];
  /** condition numbers of the full arm's J_t, sampled every `metricsEvery` steps */
  jacobianCondition: number[];
  /** effective ranks of the full arm's J_t, sampled alongside */
  jacobianEffectiveRank: number[];
  /** condition numbers of the full arm's P_t (through its Gram matrix), sampled alongside */
  sensitivityCondition: number[];
  /** ‖P_t‖ per arm (NaN for frozen), sampled every `metricsEvery` steps: sensitivityNorm[arm][sample] */
  sensitivityNorm: number[][];
  /** mean cos(g_k, g_full) per sparse arm over the adaptation (only with `fidelity`), by label */
  gradientCosine: Record<string, number>;
}

export interface ArmSummary {
  label: string;
  method: LearningMethod;
  /** the learning rate this arm ran with (its own under `--lr-select per-arm`) */
  learningRate: number;
  meanLoss: SeedStatistics;
  /** recovery per seed, paired (each seed's arm against that seed's frozen and full), as statistics */
  recovery: SeedStatistics;
  /** null when recovery means something; else why it does not (the reference did not adapt) */
  recoveryUndefined: string | null;
  /** recovery beyond the readout per seed, paired (against that seed's readout-only and full arms) */
  recoveryBeyondReadout: SeedStatistics;
  /** null when recovery beyond the readout means something; else why not (no readout arm, or the task does not need transport) */
  recoveryBeyondReadoutUndefined: string | null;
  diverged: number;
  msPerStep: number;
  macsPerStep: number;
  bytesPerStep: number;
}

export interface ExperimentResult {
  config: ExperimentConfig;
  taskDescription: string;
  /** full RTRL's own improvement over frozen, (L_frozen − L_full) / L_frozen, and whether recovery is defined */
  reference: ReferenceImprovement;
  /** the task's constant-predictor loss (½·MSE), where it states one (the adding problems), else null */
  trivialLoss: number | null;
  /** full RTRL's gain over readout-only, (L_readout − L_full) / L_readout, and whether the task needs transport; null without a readout arm */
  transportGain: ReferenceImprovement | null;
  arms: ArmSummary[];
  seeds: SeedResult[];
  jacobianCondition: SeedStatistics;
  jacobianEffectiveRank: SeedStatistics;
  sensitivityCondition: SeedStatistics;
}

export interface Progress {
  seedIndex: number;
  seedCount: number;
  /** 'pretrain' while pretraining, else the adaptation step reached */
  phase: 'pretrain' | 'adapt';
  step: number;
  steps: number;
}
