/**
 * The CLI's `--backend gpu`: Dawn in Node, the start-up verification, then the batched experiment.
 * Returns the result, or says why the GPU cannot be used (the caller prints one line).
 */
import type { ExperimentConfig } from '../engine/config';
import type { Progress } from '../engine/experiment';
import { createContext } from './batch';
import { acquireDevice } from './device';
import { GpuError } from './errors';
import { checkGpuArms, runExperimentGpu, type GpuExperimentResult } from './experimentGpu';
import { nodeGpu } from './nodeGpu';
import { verifyAgainstCpu } from './verify';

export type NodeGpuOutcome =
  { kind: 'ran'; result: GpuExperimentResult; adapter: string } | { kind: 'unavailable'; error: GpuError } | { kind: 'mismatch'; reason: string };

export async function runOnNodeGpu(config: ExperimentConfig, onProgress?: (p: Progress) => void): Promise<NodeGpuOutcome> {
  try {
    checkGpuArms(config.arms, config.model, config);
  } catch (e) {
    if (e instanceof GpuError) return { kind: 'unavailable', error: e };
    throw e;
  }
  const gpu = await nodeGpu();
  const acquired = await acquireDevice(gpu);
  if (!acquired.ok) return { kind: 'unavailable', error: acquired.error };
  const ctx = await createContext(acquired.device, acquired.description, acquired.isFallbackAdapter);
  try {
    // the RNN's lanes always; the run's model's too when it is another (a few steps against the CPU learners)
    for (const model of new Set(['rnn', config.model ?? 'rnn'] as const)) {
      const check = await verifyAgainstCpu(ctx, model);
      if (!check.ok) return { kind: 'mismatch', reason: check.reason };
    }
    const result = await runExperimentGpu(ctx, config, onProgress);
    return { kind: 'ran', result, adapter: acquired.description };
  } finally {
    ctx.health.dispose();
    acquired.device.destroy();
  }
}
