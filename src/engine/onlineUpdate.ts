/**
 * The parameter update every learning arm makes after its gradient estimate, whatever the model: a
 * divergence check on g, global-norm clipping, the optimizer step on θ and the readout, and a check that
 * the weights stayed finite (an infinite weight can leave the loss finite when tanh saturates).
 */
import { clipScale, type Optimizer } from './optimizer';
import type { Floats } from './precision';

export interface UpdateTarget {
  theta: Floats;
  readout: Floats;
  gradTheta: Floats;
  gradReadout: Floats;
  optimizerTheta: Optimizer;
  optimizerReadout: Optimizer;
  clipNorm: number;
  /** θ is never stepped (the readout-only arm: its g_t is zero, so clipping sees the readout alone) */
  thetaFrozen?: boolean;
}

/** Applies one update; returns false when a gradient or a weight is no longer finite (the arm diverged). */
export function applyOnlineUpdate(u: UpdateTarget): boolean {
  let sq = 0;
  const g = u.gradTheta;
  for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  if (!Number.isFinite(sq)) return false;
  const scaleG = clipScale(u.clipNorm, u.gradTheta, u.gradReadout);
  if (!u.thetaFrozen) u.optimizerTheta.step(u.theta, u.gradTheta, scaleG);
  u.optimizerReadout.step(u.readout, u.gradReadout, scaleG);
  return allFinite(u.theta) && allFinite(u.readout);
}

/** O(p): a NaN or ±Inf anywhere makes the sum NaN. */
export function allFinite(a: Floats): boolean {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * 0;
  return s === 0;
}
