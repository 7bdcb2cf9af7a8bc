import type { AdvanceExtra, LiveEngine, StepTrace } from '../../src/app/worker/liveEngine';

/** Advances a (CPU) live engine by `steps`, filling `extra` as asked, and returns each arm's losses over them. */
export function advanceLive(run: LiveEngine, steps: number, extra: AdvanceExtra = {}): Float32Array[] {
  const out = run.arms.map(() => new Float32Array(steps));
  run.advance(steps, out, extra);
  return out;
}

/** A trace for `steps` steps of the engine's arms, for `advance` to fill. */
export function emptyTrace(run: LiveEngine, steps: number): StepTrace {
  return { input: new Float32Array(steps), target: new Float32Array(steps), prediction: run.arms.map(() => new Float32Array(steps)) };
}
