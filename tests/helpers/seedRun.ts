/** Shared by the protocol tests: a short config, a seed run to its end, and float arrays compared bit for bit. */
import { defaultConfig, type ExperimentConfig } from '../../src/engine/config';
import type { SeedRun } from '../../src/engine/experiment';

/** The default config with `pretrainSteps` steps of pretraining and the given fields, for quick protocol runs. */
export function shortConfig(pretrainSteps: number, fields: Partial<ExperimentConfig>): ExperimentConfig {
  const d = defaultConfig();
  return { ...d, pretrain: { ...d.pretrain, steps: pretrainSteps }, ...fields };
}

/** Steps a seed run until it is done; returns it for chaining. */
export function runToEnd(run: SeedRun): SeedRun {
  while (!run.done) run.step();
  return run;
}

/** Bit-for-bit equality of two float arrays (NaN payloads included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}
