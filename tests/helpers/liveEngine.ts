import type { LiveEngine } from '../../src/app/worker/liveEngine';

/** Advances a (CPU) live engine by `steps` and returns each arm's losses over them. */
export function advanceLive(run: LiveEngine, steps: number): Float32Array[] {
  const out = run.arms.map(() => new Float32Array(steps));
  run.advance(steps, out);
  return out;
}
