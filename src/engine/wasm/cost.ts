/**
 * Seconds per step of the sensitivity transport, before running it: a roofline,
 *   seconds = max(macs / (macsPerSecond · threads), bytes / bytesPerSecond),
 * with throughputs per kernel either the fixed defaults below (one core of a 2020s x86 laptop or
 * server, measured with npm run bench:cpu) or measured on this machine by calibrateTransportThroughput().
 * The transport is the whole cost of full RTRL (n·n·p multiply-adds against O(p) for the rest of a
 * step) and the larger part of sparse-k's, so this is the step's cost to within a few per cent
 * for full RTRL; for small k it is a lower bound (the forward pass and Adam add O(p)).
 */

export interface Throughput {
  /** multiply-adds per second on one thread */
  macsPerSecond: number;
  /** bytes moved per second (not multiplied by threads: memory bandwidth is shared) */
  bytesPerSecond: number;
}

export type CostKernel = 'typescript' | 'wasm';

/**
 * Defaults [choice, from bench:cpu on one core]: the TypeScript kernel at about 1 G multiply-adds/s,
 * the WebAssembly SIMD micro-kernel at about 8 G/s (float32, 4-wide vectors, no fused multiply-add);
 * both stream memory at about 8 GB/s.
 */
export const DEFAULT_THROUGHPUT: Readonly<Record<CostKernel, Throughput>> = {
  typescript: { macsPerSecond: 1e9, bytesPerSecond: 8e9 },
  wasm: { macsPerSecond: 8e9, bytesPerSecond: 8e9 },
};

const measured: Partial<Record<CostKernel, Throughput>> = {};

/** The throughput estimates use: measured on this machine if calibrated, else the default. */
export function throughputOf(kernel: CostKernel): Throughput {
  return measured[kernel] ?? DEFAULT_THROUGHPUT[kernel];
}

export function setMeasuredThroughput(kernel: CostKernel, t: Throughput): void {
  measured[kernel] = t;
}

/**
 * Work of one transport of P (n × p) with k kept sources per row (k = n: full RTRL): k + 1
 * multiply-adds per element (the sources and the carry) plus one for g = cᵀP; P read and its
 * successor written once, float32 (the kernels keep a tile of P in cache while all its rows use it).
 */
export function transportWork(n: number, p: number, k: number): { macs: number; bytes: number } {
  return { macs: n * p * (k + 2), bytes: 2 * n * p * 4 };
}

/** Estimated seconds for `macs` multiply-adds moving `bytes`, on `kernel` with `threads` threads. */
export function estimateSeconds(macs: number, bytes: number, kernel: CostKernel, threads: number): number {
  const t = throughputOf(kernel);
  return Math.max(macs / (t.macsPerSecond * Math.max(1, threads)), bytes / t.bytesPerSecond);
}

/**
 * Estimated seconds per learner step of full RTRL (k = 'full') or sparse-k RTRL for a model with n units
 * and m inputs, on `kernel` with `threads` threads: the RNN has one transport of P (n × n(n+m+1)), the
 * LSTM two of P^h (n × 4n(n+m+1)). The rest of a step is O(p) and left out.
 */
export function estimateRtrlSeconds(model: 'rnn' | 'lstm', n: number, m: number, k: number | 'full', kernel: CostKernel, threads: number): number {
  const kk = k === 'full' ? n : k;
  const p = (model === 'lstm' ? 4 : 1) * n * (n + m + 1);
  const { macs, bytes } = transportWork(n, p, kk);
  const transports = model === 'lstm' ? 2 : 1;
  return transports * estimateSeconds(macs, bytes, kernel, threads);
}
