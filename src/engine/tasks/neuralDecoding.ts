/**
 * Neural decoding drift, a stand-in for primate motor-cortex recordings: decode 2-D cursor velocity v_t
 * from 96 channels of binned spike counts.
 *
 * Velocity: an Ornstein-Uhlenbeck process, unit stationary std per axis, time constant 0.5 s, 30 ms bins.
 * Tuning (regime A): λ_c = max(0, b_c + m_c ‖v‖ cos(∠v - θ_c)) counts per bin, Poisson counts.
 * Regime B (a new session), drawn once at creation: gains × LogNormal(0, 0.3²), baselines shifted by
 * N(0, 0.5²) counts/bin, preferred directions rotated by N(0, 20°), 25 % of channels retuned, 7 % silenced,
 * neighbouring electrodes mixed (0.8 own + 0.1 each ring neighbour).
 * Input: sqrt(counts), z-scored per channel with regime-A statistics estimated once at creation.
 */
import { Rng } from '../rng';
import { allocateSequence, type Regime, type Sequence, type Task } from './task';

export const NEURAL_CHANNELS = 96;
export const NEURAL_BIN_SECONDS = 0.03;
/** OU mean-reversion rate (1/s): velocity decorrelates over about 0.5 s, i.e. about 17 bins. */
export const NEURAL_OU_THETA = 2;
/** Baseline counts per bin, U[1, 3] (33-100 Hz at 30 ms): typical counts are a few. */
export const NEURAL_BASELINE_RANGE = [1, 3] as const;
/** Modulation depth, counts per bin per unit speed, U[0.5, 2]. */
export const NEURAL_DEPTH_RANGE = [0.5, 2] as const;
export const NEURAL_DRIFT = {
  gainLogStd: 0.3,
  baselineShiftStd: 0.5,
  rotationStdDeg: 20,
  retunedFraction: 0.25,
  silencedFraction: 0.07,
  mixOwn: 0.8,
  mixNeighbour: 0.1,
} as const;
/** Bins of regime-A data used to estimate the per-channel z-scoring statistics. */
export const NEURAL_CALIBRATION_BINS = 5000;

/** Per-channel tuning: λ_c = max(0, gain_c (b_c + m_c (v · u_c))) with u_c the preferred direction. */
interface Tuning {
  gain: Float64Array;
  baseline: Float64Array;
  depth: Float64Array;
  prefCos: Float64Array;
  prefSin: Float64Array;
}

/** Exact OU update over one bin: keeps the stationary std at 1 whatever the bin width. */
const OU_DECAY = Math.exp(-NEURAL_OU_THETA * NEURAL_BIN_SECONDS);
const OU_NOISE = Math.sqrt(1 - OU_DECAY * OU_DECAY);

function uniformIn(rng: Rng, range: readonly [number, number]): number {
  return range[0] + (range[1] - range[0]) * rng.uniform();
}

export function createNeuralDecodingTask(rng: Rng): Task {
  const C = NEURAL_CHANNELS;

  // Regime A tuning.
  const prefA = new Float64Array(C);
  const tuningA: Tuning = {
    gain: new Float64Array(C).fill(1),
    baseline: new Float64Array(C),
    depth: new Float64Array(C),
    prefCos: new Float64Array(C),
    prefSin: new Float64Array(C),
  };
  for (let c = 0; c < C; c++) {
    tuningA.baseline[c] = uniformIn(rng, NEURAL_BASELINE_RANGE);
    tuningA.depth[c] = uniformIn(rng, NEURAL_DEPTH_RANGE);
    prefA[c] = rng.uniform() * 2 * Math.PI;
    tuningA.prefCos[c] = Math.cos(prefA[c]);
    tuningA.prefSin[c] = Math.sin(prefA[c]);
  }

  // Regime B: the session drift, drawn once so the whole adaptation window sees the same new session.
  const tuningB: Tuning = {
    gain: new Float64Array(C),
    baseline: new Float64Array(C),
    depth: new Float64Array(C),
    prefCos: new Float64Array(C),
    prefSin: new Float64Array(C),
  };
  const rotationStd = (NEURAL_DRIFT.rotationStdDeg * Math.PI) / 180;
  for (let c = 0; c < C; c++) {
    tuningB.gain[c] = Math.exp(NEURAL_DRIFT.gainLogStd * rng.normal());
    tuningB.baseline[c] = Math.max(0, tuningA.baseline[c] + NEURAL_DRIFT.baselineShiftStd * rng.normal());
    tuningB.depth[c] = tuningA.depth[c];
    const pref = prefA[c] + rotationStd * rng.normal();
    tuningB.prefCos[c] = Math.cos(pref);
    tuningB.prefSin[c] = Math.sin(pref);
  }
  // One permutation picks disjoint retuned and silenced sets.
  const nRetuned = Math.round(NEURAL_DRIFT.retunedFraction * C);
  const nSilenced = Math.round(NEURAL_DRIFT.silencedFraction * C);
  const picked = new Int32Array(nRetuned + nSilenced);
  rng.sampleDistinct(C, nRetuned + nSilenced, picked);
  for (let i = 0; i < nRetuned; i++) {
    const c = picked[i];
    const pref = rng.uniform() * 2 * Math.PI;
    tuningB.prefCos[c] = Math.cos(pref);
    tuningB.prefSin[c] = Math.sin(pref);
    tuningB.depth[c] = uniformIn(rng, NEURAL_DEPTH_RANGE);
  }
  const silenced = new Uint8Array(C);
  for (let i = nRetuned; i < picked.length; i++) silenced[picked[i]] = 1;

  const own = new Float64Array(C);
  const rates = new Float64Array(C);
  /** Expected counts per bin for velocity (vx, vy) in a regime, into `rates`. */
  const computeRates = (regime: Regime, vx: number, vy: number) => {
    const tu = regime === 'A' ? tuningA : tuningB;
    for (let c = 0; c < C; c++) {
      // ‖v‖ cos(∠v - θ_c) = v · (cos θ_c, sin θ_c)
      const drive = tu.baseline[c] + tu.depth[c] * (vx * tu.prefCos[c] + vy * tu.prefSin[c]);
      own[c] = Math.max(0, tu.gain[c] * drive);
    }
    if (regime === 'A') {
      rates.set(own);
      return;
    }
    // Electrode cross-talk on a ring, then silencing: a dead electrode records nothing, not its neighbours.
    for (let c = 0; c < C; c++) {
      const left = own[(c + C - 1) % C];
      const right = own[(c + 1) % C];
      rates[c] = silenced[c] ? 0 : NEURAL_DRIFT.mixOwn * own[c] + NEURAL_DRIFT.mixNeighbour * (left + right);
    }
  };

  // Z-scoring statistics from a regime-A calibration block, drawn from a child generator seeded by one
  // draw, so they are fixed at creation and independent of what the streams draw later.
  const calib = new Rng(rng.nextU32(), 0x6e657572);
  const mean = new Float64Array(C);
  const std = new Float64Array(C);
  {
    const sumSq = new Float64Array(C);
    let vx = calib.normal();
    let vy = calib.normal();
    for (let t = 0; t < NEURAL_CALIBRATION_BINS; t++) {
      computeRates('A', vx, vy);
      for (let c = 0; c < C; c++) {
        const r = Math.sqrt(calib.poisson(rates[c]));
        mean[c] += r;
        sumSq[c] += r * r;
      }
      vx = OU_DECAY * vx + OU_NOISE * calib.normal();
      vy = OU_DECAY * vy + OU_NOISE * calib.normal();
    }
    for (let c = 0; c < C; c++) {
      mean[c] /= NEURAL_CALIBRATION_BINS;
      const variance = sumSq[c] / NEURAL_CALIBRATION_BINS - mean[c] * mean[c];
      // A channel that never varied in calibration is passed through centred, not blown up.
      std[c] = variance > 1e-12 ? Math.sqrt(variance) : 1;
    }
  }

  // The cursor keeps moving across calls: start from the stationary distribution.
  let vx = rng.normal();
  let vy = rng.normal();

  return {
    name: 'neural',
    inputSize: C,
    outputSize: 2,
    description:
      '96-channel cosine-tuned Poisson counts (30 ms bins) -> 2-D OU velocity; new session: gains, baselines, ' +
      'rotation 20°, 25 % retuned, 7 % silenced, neighbour mixing',
    // The per-call rng drives the velocity noise and the spike counts; the tuning is fixed at creation.
    generate(regime: Regime, length: number, streamRng: Rng): Sequence {
      const seq = allocateSequence(length, C, 2);
      for (let t = 0; t < length; t++) {
        computeRates(regime, vx, vy);
        const base = t * C;
        for (let c = 0; c < C; c++) {
          seq.x[base + c] = (Math.sqrt(streamRng.poisson(rates[c])) - mean[c]) / std[c];
        }
        // Velocity already has unit stationary std per axis, so it is the target as is.
        seq.y[t * 2] = vx;
        seq.y[t * 2 + 1] = vy;
        vx = OU_DECAY * vx + OU_NOISE * streamRng.normal();
        vy = OU_DECAY * vy + OU_NOISE * streamRng.normal();
      }
      return seq;
    },
  };
}
