/**
 * Lorenz: ẋ = σ(y - x), ẏ = x(ρ - z) - y, ż = xy - βz with σ = 10, β = 8/3.
 * Regime A: ρ = 28; regime B (the drift): ρ = 35. RK4 at dt = 0.01 in float64, one sample every 0.02 time
 * units. Input: the z-scored state (x, y, z)_t; target: the next z-scored sample.
 */
import type { Rng } from '../rng';
import { allocateSequence, type Regime, type Sequence, type Task } from './task';

export interface LorenzParams {
  readonly sigma: number;
  readonly rho: number;
  readonly beta: number;
}

export const LORENZ_PARAMS: Readonly<Record<Regime, LorenzParams>> = {
  A: { sigma: 10, rho: 28, beta: 8 / 3 },
  B: { sigma: 10, rho: 35, beta: 8 / 3 },
};

/**
 * Regime-A statistics of the attractor. Both regimes are z-scored with these, so the drift shows up in the
 * inputs as a shifted distribution, as it would for a model normalised on its pretraining data.
 */
export const LORENZ_A_STATS = { mean: [0, 0, 23.5], std: [7.9, 9.0, 8.6] } as const;

export const LORENZ_DT = 0.01;
/** RK4 steps per sample: 0.02 time units. */
export const LORENZ_SAMPLE_EVERY = 2;
export const LORENZ_BURN_IN_TIME = 20;

/** One classical RK4 step of size dt, in place on s = [x, y, z]. */
export function lorenzRk4Step(p: LorenzParams, s: Float64Array, dt: number): void {
  const { sigma, rho, beta } = p;
  const x = s[0];
  const y = s[1];
  const z = s[2];
  const k1x = sigma * (y - x);
  const k1y = x * (rho - z) - y;
  const k1z = x * y - beta * z;
  let ax = x + 0.5 * dt * k1x;
  let ay = y + 0.5 * dt * k1y;
  let az = z + 0.5 * dt * k1z;
  const k2x = sigma * (ay - ax);
  const k2y = ax * (rho - az) - ay;
  const k2z = ax * ay - beta * az;
  ax = x + 0.5 * dt * k2x;
  ay = y + 0.5 * dt * k2y;
  az = z + 0.5 * dt * k2z;
  const k3x = sigma * (ay - ax);
  const k3y = ax * (rho - az) - ay;
  const k3z = ax * ay - beta * az;
  ax = x + dt * k3x;
  ay = y + dt * k3y;
  az = z + dt * k3z;
  const k4x = sigma * (ay - ax);
  const k4y = ax * (rho - az) - ay;
  const k4z = ax * ay - beta * az;
  s[0] = x + (dt / 6) * (k1x + 2 * k2x + 2 * k3x + k4x);
  s[1] = y + (dt / 6) * (k1y + 2 * k2y + 2 * k3y + k4y);
  s[2] = z + (dt / 6) * (k1z + 2 * k2z + 2 * k3z + k4z);
}

/**
 * Pure simulation: from `start`, take `steps` samples, each `sampleEvery` RK4 steps of size `dt` after the
 * previous one (the start itself is not included). Returns step-major float64 states: out[i*3 + j].
 */
export function simulateLorenz(params: LorenzParams, steps: number, sampleEvery: number, dt: number, start: ArrayLike<number>): Float64Array {
  const s = Float64Array.from([start[0], start[1], start[2]]);
  const out = new Float64Array(steps * 3);
  for (let i = 0; i < steps; i++) {
    for (let k = 0; k < sampleEvery; k++) lorenzRk4Step(params, s, dt);
    out[i * 3] = s[0];
    out[i * 3 + 1] = s[1];
    out[i * 3 + 2] = s[2];
  }
  return out;
}

export function createLorenzTask(rng: Rng): Task {
  // A random start off the z-axis (the origin's stable manifold), then 20 time units at ρ = 28 so the
  // stream begins on the regime-A attractor.
  const state = Float64Array.from([rng.normal() * 5, rng.normal() * 5, 20 + rng.normal() * 5]);
  const burnInSteps = Math.round(LORENZ_BURN_IN_TIME / LORENZ_DT);
  for (let k = 0; k < burnInSteps; k++) lorenzRk4Step(LORENZ_PARAMS.A, state, LORENZ_DT);

  const { mean, std } = LORENZ_A_STATS;
  const writeZScored = (out: Float32Array, offset: number) => {
    for (let j = 0; j < 3; j++) out[offset + j] = (state[j] - mean[j]) / std[j];
  };

  return {
    name: 'lorenz',
    inputSize: 3,
    outputSize: 3,
    description: 'Lorenz σ=10, β=8/3, ρ 28 -> 35; RK4 dt=0.01, sample every 0.02; predict the next z-scored state',
    // Deterministic once the start is drawn, so the per-call rng is not needed; `state` carries over, so
    // regime B continues from wherever regime A stopped.
    generate(regime: Regime, length: number, _rng: Rng): Sequence {
      const seq = allocateSequence(length, 3, 3);
      const params = LORENZ_PARAMS[regime];
      for (let t = 0; t < length; t++) {
        writeZScored(seq.x, t * 3);
        for (let k = 0; k < LORENZ_SAMPLE_EVERY; k++) lorenzRk4Step(params, state, LORENZ_DT);
        writeZScored(seq.y, t * 3);
      }
      return seq;
    },
  };
}
