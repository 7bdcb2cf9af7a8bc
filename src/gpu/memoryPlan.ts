/**
 * The memory planner: the bytes an experiment needs on the GPU (per lane = one arm of one seed) against
 * the device's limits. Every RTRL lane (full, sparse-k, SnAp-1) holds two copies of P (n × p floats,
 * ping-ponged), its gradient and Adam moments; TBPTT, UORO and KF-RTRL lanes hold their own records (a
 * window, or the two factors) instead of P; a readout lane (θ frozen) holds its parameters and the
 * readout's gradient and moments only; all lanes of a wave share one P buffer, so a wave must fit both one storage
 * binding and the memory budget. When the lanes do not fit at once they run in waves (seed by seed, and
 * a seed's arms split only when one seed alone is too big); when even one lane does not fit, the plan
 * refuses with the numbers.
 */
import type { LearningMethod } from '../engine/methods';
import type { ModelKind } from '../engine/models';
import type { PStorage } from '../engine/precision';
import { GpuError, MemoryPlanError } from './errors';
import { gpuModel } from './gpuModels';
import { laneKind, type LaneSizes } from './laneKinds';
import { laneFloats, type BatchLayout } from './layout';

/** [choice] WebGPU cannot query free GPU memory, so the planner works to a budget (option `budgetBytes`). */
export const DEFAULT_BUDGET_BYTES = 2 * 1024 ** 3;

export interface PlannerLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface PlanInput {
  n: number;
  m: number;
  o: number;
  arms: readonly LearningMethod[];
  seedCount: number;
  limits: PlannerLimits;
  budgetBytes?: number;
  /** adaptation steps (the loss and stream buffers grow with it) */
  steps: number;
  /** the model (its GPU record's layout: the LSTM's lanes hold P^h and P^c in one binding); default rnn */
  model?: ModelKind;
  /** how the P buffers hold P (BatchOptions.pStorage): 'f16' halves P's bytes; default f32 */
  pStorage?: PStorage;
}

export interface PlannedLane {
  seedIndex: number;
  armIndex: number;
}

export interface MemoryPlan {
  waves: PlannedLane[][];
  /** bytes of each wave's buffers */
  waveBytes: number[];
  /** bytes of a learning lane (P twice, gradient, moments, parameters) and of a frozen lane */
  learningLaneBytes: number;
  frozenLaneBytes: number;
  /** one line for the user: how the experiment is laid out */
  summary: string;
}

const MiB = 1024 * 1024;
const fmtMiB = (b: number) => `${(b / MiB).toFixed(1)} MiB`;

/**
 * Bytes of one lane's buffers, from the model's batch layout (layout.ts laneFloats). pBytes is what one
 * learning lane adds to the P binding: P for the RNN, P^h and P^c for the LSTM.
 */
export function laneBytes(
  n: number,
  m: number,
  o: number,
  model: ModelKind = 'rnn',
  pStorage: PStorage = 'f32',
): { pBytes: number; learning: number; frozen: number; readout: number } {
  const f = laneFloats(gpuModel(model).layout({ n, m, o }), pStorage);
  return { pBytes: 4 * f.p, learning: 4 * f.learning, frozen: 4 * f.frozen, readout: 4 * f.readout };
}

/** Whether an arm's lane holds P in the shared P buffers (the RTRL lanes: full, sparse-k, SnAp-1). */
function holdsP(arm: LearningMethod): boolean {
  return laneKind(arm.kind)?.holdsP ?? false;
}

/**
 * Bytes of one arm's lane, as its lane kind sizes it (laneKinds.ts): P twice for an RTRL lane; for TBPTT,
 * UORO and KF-RTRL the same parameters, gradient and moments with their own record instead of P.
 */
function armLaneBytes(arm: LearningMethod, layout: BatchLayout, sizes: LaneSizes): number {
  return 4 * (laneKind(arm.kind)?.floats(arm, layout, sizes) ?? sizes.learning);
}

export function planMemory(input: PlanInput): MemoryPlan {
  const { n, m, o, arms, seedCount, limits, steps } = input;
  const budget = input.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  const layout = gpuModel(input.model ?? 'rnn').layout({ n, m, o });
  const floats = laneFloats(layout, input.pStorage ?? 'f32');
  const [pBytes, learning, frozen] = [4 * floats.p, 4 * floats.learning, 4 * floats.frozen];
  const bytesOf = arms.map((arm) => armLaneBytes(arm, layout, floats));
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const perSeedStream = steps * (m + o + 1) * 4;
  if (arms.some(holdsP) && pBytes > binding) {
    throw new MemoryPlanError(
      pBytes,
      binding,
      `n=${n} does not fit this device: one arm's sensitivity P needs ${fmtMiB(pBytes)} in one storage binding, the device allows ${fmtMiB(binding)}`,
    );
  }
  const largest = Math.max(frozen, ...bytesOf);
  if (largest + perSeedStream > budget) {
    throw new MemoryPlanError(largest, budget, `n=${n} does not fit: one learning arm needs ${fmtMiB(largest)}, the memory budget is ${fmtMiB(budget)}`);
  }
  const waves: PlannedLane[][] = [];
  const waveBytes: number[] = [];
  let wave: PlannedLane[] = [];
  let bytes = 0;
  let pLanesInWave = 0;
  let seedsInWave = new Set<number>();
  const close = () => {
    if (wave.length === 0) return;
    waves.push(wave);
    waveBytes.push(bytes);
    wave = [];
    bytes = 0;
    pLanesInWave = 0;
    seedsInWave = new Set();
  };
  // Whole seeds first: a wave takes a seed only if all its arms fit, unless the seed alone is too big.
  // per lane and step: its loss and its first output (the losses buffer's two halves)
  const seedLearning = arms.filter(holdsP).length;
  const seedBytes = bytesOf.reduce((a, b) => a + b, 0) + perSeedStream + steps * arms.length * 8;
  const seedFits = seedBytes <= budget && seedLearning * pBytes <= binding;
  for (let s = 0; s < seedCount; s++) {
    if (seedFits && (bytes + seedBytes > budget || (pLanesInWave + seedLearning) * pBytes > binding)) close();
    arms.forEach((arm, a) => {
      const isP = holdsP(arm);
      const add = bytesOf[a] + (seedsInWave.has(s) ? 0 : perSeedStream) + steps * 8;
      if (bytes + add > budget || (isP && (pLanesInWave + 1) * pBytes > binding)) close();
      wave.push({ seedIndex: s, armIndex: a });
      bytes += bytesOf[a] + (seedsInWave.has(s) ? 0 : perSeedStream) + steps * 8;
      seedsInWave.add(s);
      if (isP) pLanesInWave++;
    });
  }
  close();
  const lanes = seedCount * arms.length;
  const summary =
    waves.length === 1
      ? `all ${lanes} lanes (${arms.length} arms x ${seedCount} seeds) in one batch, ${fmtMiB(waveBytes[0])}`
      : `${lanes} lanes (${arms.length} arms x ${seedCount} seeds) in ${waves.length} waves of at most ${Math.max(...waves.map((w) => w.length))} lanes: ` +
        `${fmtMiB(seedCount * seedBytes)} needed at once, budget ${fmtMiB(budget)}, storage binding ${fmtMiB(binding)}`;
  return { waves, waveBytes, learningLaneBytes: learning, frozenLaneBytes: frozen, summary };
}

/**
 * One seed's lanes planned for ctx's device in one batch (the experiment's GpuSeedRun, the app's live run).
 * A plan of more than one wave throws a GpuError ('memory-plan') worded by `doesNotFit` from the plan's
 * summary; a lane too large for the device throws planMemory's MemoryPlanError, a GpuError too.
 */
export function planOneBatch(
  ctx: { device: { limits: PlannerLimits } },
  lanes: Omit<PlanInput, 'seedCount' | 'limits'>,
  doesNotFit: (summary: string) => string,
): MemoryPlan {
  const plan = planMemory({ ...lanes, seedCount: 1, limits: ctx.device.limits });
  if (plan.waves.length > 1) throw new GpuError('memory-plan', doesNotFit(plan.summary));
  return plan;
}
