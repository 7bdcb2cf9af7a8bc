/**
 * The one place where the app decides what the CPU engine may run live, and says why. Full RTRL costs
 * about n⁴ multiply-adds per step (science: W·P with P of size n × n²), so above some n one step takes
 * seconds and the page would stall. The live run, the sweeps and the claims all ask here.
 *
 * The engine's float32 transports run on its WebAssembly SIMD kernel, so full RTRL runs live up to
 * n = 256 (about a second per step there); every caller shows the estimate as a warning first.
 *
 * Page and worker both read it, so it loads no transport: the prior is the engine's cost model
 * (wasm/cost.ts) on the kernel the worker will run (WebAssembly SIMD where this engine validates it) on
 * one thread, as the transport's own estimate gives on a thread without a pool.
 */
import { estimateRtrlSeconds } from '../../engine/wasm/cost';
import { wasmSimdSupported } from '../../engine/wasm/simd';

/** Largest n at which the CPU engine runs full RTRL live. */
export const CPU_FULL_RTRL_MAX_N = 256;

/** Above this estimated time per step the app warns (the run still goes). */
export const SLOW_STEP_WARN_S = 0.25;

/**
 * The CPU engine's rate in multiply-adds per second: a conservative prior for the plain TypeScript
 * kernel until the live run has measured it on this machine (setMeasuredCpuRate).
 */
const PRIOR_MACS_PER_SECOND = 0.5e9;
let measuredMacsPerSecond: number | null = null;

/** Called with the live run's measured rate (its arms' multiply-adds over its time per step, CPU only). */
export function setMeasuredCpuRate(macsPerSecond: number): void {
  // only rates from steps big enough to time (tiny n is dominated by overhead, not multiply-adds)
  if (Number.isFinite(macsPerSecond) && macsPerSecond > 1e7) measuredMacsPerSecond = macsPerSecond;
}

export function cpuRate(): number {
  return measuredMacsPerSecond ?? PRIOR_MACS_PER_SECOND;
}

/** The prior seconds per step of the RNN's full (k = 'full') or sparse-k transport before a measurement. */
function priorSeconds(n: number, k: number | 'full'): number {
  return estimateRtrlSeconds('rnn', n, 1, k, wasmSimdSupported() ? 'wasm' : 'typescript', 1);
}

/**
 * Estimated seconds for one full-RTRL step on the CPU at n: n⁴ multiply-adds at the rate the live run
 * measured, or, before it has, the engine's cost model's (priorSeconds).
 */
export function cpuFullRtrlSecondsPerStep(n: number, macsPerSecond: number | null = measuredMacsPerSecond): number {
  return macsPerSecond ? n ** 4 / macsPerSecond : priorSeconds(n, 'full');
}

/** Estimated seconds for one step of a sparse-k arm: k·n·p ≈ k n³ multiply-adds. */
export function cpuSparseSecondsPerStep(n: number, k: number, macsPerSecond: number | null = measuredMacsPerSecond): number {
  return macsPerSecond ? (k * n ** 3) / macsPerSecond : priorSeconds(n, k);
}

export interface CpuPolicy {
  /** whether full RTRL runs */
  includeFull: boolean;
  /** estimated seconds per step of all arms together (full RTRL, k = 0 and the k arm) */
  secondsPerStep: number;
  /** what to tell the user (empty: nothing to say) */
  notes: string[];
}

/** What the CPU engine runs at n with the k arm at k, and what the page says about it. */
export function cpuPolicy(n: number, k: number): CpuPolicy {
  const full = cpuFullRtrlSecondsPerStep(n);
  const includeFull = n <= CPU_FULL_RTRL_MAX_N;
  const notes: string[] = [];
  if (!includeFull) {
    notes.push(
      `Full RTRL is off on the CPU above n = ${CPU_FULL_RTRL_MAX_N}: at n = ${n} one step would take about ${full.toFixed(1)} s (n⁴ = ${(n ** 4 / 1e9).toFixed(1)} G multiply-adds). Recovery needs it as its reference, so it shows —.`,
    );
  }
  // k = n is full RTRL under another name: the app runs it once (as the full arm), so only a k arm that
  // runs on its own costs its own time
  const kOwn = includeFull && k === n ? 0 : cpuSparseSecondsPerStep(n, k);
  const secondsPerStep = (includeFull ? full : 0) + kOwn;
  if (secondsPerStep > SLOW_STEP_WARN_S) {
    notes.push(`At n = ${n}${k > 0 ? `, k = ${k}` : ''} one step of all arms takes about ${secondsPerStep.toFixed(1)} s on the CPU: the curves move slowly.`);
  }
  return { includeFull, secondsPerStep, notes };
}
