/**
 * The memory planner: the bytes an experiment needs on the GPU (per lane = one arm of one seed) against
 * the device's limits. Every learning lane holds two copies of P (n × p floats, ping-ponged), its
 * gradient and Adam moments; all lanes of a wave share one P buffer, so a wave must fit both one storage
 * binding and the memory budget. When the lanes do not fit at once they run in waves (seed by seed, and
 * a seed's arms split only when one seed alone is too big); when even one lane does not fit, the plan
 * refuses with the numbers.
 */
import type { LearningMethod } from '../engine/methods';
import type { ModelKind } from '../engine/models';
import { MemoryPlanError } from './errors';
import { batchLayout, laneFloats } from './layout';
import { lstmBatchLayout, lstmLaneFloats } from './lstmLayout';

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
  /** the RNN (GpuBatch) or the LSTM (LstmBatch, whose lanes hold P^h and P^c in one binding); default rnn */
  model?: ModelKind;
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
 * Bytes of one lane's buffers, from the batch layout (layout.ts, or lstmLayout.ts for the LSTM). pBytes is
 * what one learning lane adds to the P binding: P for the RNN, P^h and P^c for the LSTM.
 */
export function laneBytes(n: number, m: number, o: number, model: ModelKind = 'rnn'): { pBytes: number; learning: number; frozen: number } {
  const f = model === 'lstm' ? lstmLaneFloats(lstmBatchLayout({ n, m, o })) : laneFloats(batchLayout({ n, m, o }));
  return { pBytes: 4 * f.p, learning: 4 * f.learning, frozen: 4 * f.frozen };
}

export function planMemory(input: PlanInput): MemoryPlan {
  const { n, m, o, arms, seedCount, limits, steps } = input;
  const budget = input.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  const { pBytes, learning, frozen } = laneBytes(n, m, o, input.model);
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const perSeedStream = steps * (m + o + 1) * 4;
  if (pBytes > binding) {
    throw new MemoryPlanError(pBytes, binding,
      `n=${n} does not fit this device: one arm's sensitivity P needs ${fmtMiB(pBytes)} in one storage binding, the device allows ${fmtMiB(binding)}`);
  }
  if (learning + perSeedStream > budget) {
    throw new MemoryPlanError(learning, budget,
      `n=${n} does not fit: one learning arm needs ${fmtMiB(learning)}, the memory budget is ${fmtMiB(budget)}`);
  }
  const waves: PlannedLane[][] = [];
  const waveBytes: number[] = [];
  let wave: PlannedLane[] = [];
  let bytes = 0;
  let learningInWave = 0;
  let seedsInWave = new Set<number>();
  const close = () => {
    if (wave.length === 0) return;
    waves.push(wave);
    waveBytes.push(bytes);
    wave = [];
    bytes = 0;
    learningInWave = 0;
    seedsInWave = new Set();
  };
  // Whole seeds first: a wave takes a seed only if all its arms fit, unless the seed alone is too big.
  const seedLearning = arms.filter((a) => a.kind !== 'frozen').length;
  const seedBytes = seedLearning * learning + (arms.length - seedLearning) * frozen + perSeedStream + steps * arms.length * 4;
  const seedFits = seedBytes <= budget && (seedLearning * pBytes <= binding);
  for (let s = 0; s < seedCount; s++) {
    if (seedFits && (bytes + seedBytes > budget || (learningInWave + seedLearning) * pBytes > binding)) close();
    arms.forEach((arm, a) => {
      const isLearning = arm.kind !== 'frozen';
      const add = (isLearning ? learning : frozen) + (seedsInWave.has(s) ? 0 : perSeedStream) + steps * 4;
      if (bytes + add > budget || (isLearning && (learningInWave + 1) * pBytes > binding)) close();
      wave.push({ seedIndex: s, armIndex: a });
      bytes += (isLearning ? learning : frozen) + (seedsInWave.has(s) ? 0 : perSeedStream) + steps * 4;
      seedsInWave.add(s);
      if (isLearning) learningInWave++;
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
