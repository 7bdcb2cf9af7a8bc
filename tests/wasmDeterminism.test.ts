/**
 * Determinism of the WebAssembly transport over many consecutive jobs, as a run uses it (one call per
 * learner step, each P the previous result plus a JavaScript-side update, as RTRL's immediate term
 * does): a chain of transports on two threads must equal the same chain on one thread bit for bit,
 * with some jobs' buffers in memory grown after the worker threads started; and an RNN's sparse-k
 * learner, rerun in the same process from the same start, must repeat its loss curve exactly.
 * (wasmTransport.test.ts checks single calls against the TypeScript reference.)
 */
import { describe, expect, it } from 'vitest';
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import { initRnn, RnnModel } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';
import { allocateTransportFloats, setTransportBackend, setTransportThreads, startTransportThreads, transport } from '../src/engine/transport';
import { allPaths } from '../src/engine/transportMask';
import { wasmRuntime } from '../src/engine/wasm/memory';
import { CONTROL_WORDS } from '../src/engine/wasm/workerPool';
import { randomSequence } from './helpers/randomSequence';
import { onOneThreadThenTwo, restoreTransportAfterAll } from './helpers/transportThreads';

/** FNV-1a over the float bits: equal checksums for bit-identical arrays (and a differing one otherwise, in practice). */
function checksum(a: Float32Array): number {
  const v = new Int32Array(a.buffer, a.byteOffset, a.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v[i], 16777619);
  return h >>> 0;
}

/**
 * `steps` transports P <- carry·P + coeffs·P[src] (+ a small update of one column per row), with fresh
 * coefficients and c_t each step; every 8 steps the next result goes to a newly allocated block, so
 * the kernel's memory grows while the threads run. Returns per step the checksums of the new P and g.
 */
function chain(n: number, p: number, k: number, steps: number): number[][] {
  const rng = new Rng(7);
  const sources = k === n ? allPaths(n) : new Int32Array(n * k);
  if (k < n) for (let i = 0; i < n; i++) rng.sampleDistinct(n, k, sources, i * k);
  let P = allocateTransportFloats(n * p);
  for (let i = 0; i < P.length; i++) P[i] = rng.normal();
  let out = allocateTransportFloats(n * p);
  const coeffs = new Float32Array(n * k);
  const dLdh = new Float32Array(n);
  const grad = new Float32Array(p);
  const sums: number[][] = [];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < coeffs.length; i++) coeffs[i] = (rng.normal() * 0.3) / Math.sqrt(k);
    for (let i = 0; i < n; i++) dLdh[i] = i % 5 === 0 ? 0 : rng.normal(); // some rows without a gradient term
    transport(P, out, n, p, k, sources, coeffs, 0.7, dLdh, grad);
    for (let i = 0; i < n; i++) out[i * p + ((t * 13) % p)] += rng.normal();
    sums.push([checksum(out), checksum(grad)]);
    const previous = P;
    P = out;
    out = t % 8 === 7 ? allocateTransportFloats(n * p) : previous;
  }
  return sums;
}

restoreTransportAfterAll();

describe('WebAssembly transport: determinism over consecutive jobs', () => {
  it('a chain of transports on two threads equals the same chain on one thread, bit for bit', async () => {
    expect(wasmRuntime()?.shared).toBe(true);
    setTransportBackend('wasm');
    const n = 64;
    const p = n * (n + 2) + 5; // large enough to be split across threads, with a ragged end
    for (const k of [4, 5, n]) {
      const steps = k === n ? 12 : 48;
      const { one, two } = await onOneThreadThenTwo(() => chain(n, p, k, steps));
      const firstDifference = two.findIndex((s, t) => s[0] !== one[t][0] || s[1] !== one[t][1]);
      expect(firstDifference, `k = ${k}: first step whose P or g differs`).toBe(-1);
    }
    setTransportThreads(1);
    setTransportBackend('auto');
  });

  it('a late wake-up runs no job twice: the caller’s notify reaching a worker that has done its part and waits again leaves the parts-done count as it was', async () => {
    setTransportBackend('wasm');
    const n = 64;
    const p = n * (n + 2);
    const { two } = await onOneThreadThenTwo(() => chain(n, p, 4, 2));
    expect(two.length).toBe(2);
    const ctl = new Int32Array(wasmRuntime()!.memory.buffer, 0, 64);
    const done = Atomics.load(ctl, CONTROL_WORDS.partsDone);
    // the worker is back in its wait by now; a notify without a new generation is what a caller paused
    // between bumping the generation and notifying delivers after the job is done
    await new Promise((r) => setTimeout(r, 100));
    Atomics.notify(ctl, CONTROL_WORDS.generation);
    // a worker that takes the wake-up for a job runs the last one again (milliseconds) and counts its part;
    // under load, that second run raced with the caller's next steps (a run's P and g then differed by ~1e-5)
    expect(Atomics.wait(ctl, CONTROL_WORDS.partsDone, done, 1000)).toBe('timed-out');
    expect(Atomics.load(ctl, CONTROL_WORDS.partsDone)).toBe(done);
    setTransportThreads(1);
    setTransportBackend('auto');
  });

  it('a sparse-k RNN learner rerun in the same process repeats its loss curve exactly', async () => {
    expect((await startTransportThreads(2)).threads).toBe(2);
    const n = 64; // P of 1.1 MB: the WebAssembly kernel on two threads, two buffers
    const steps = 150;
    const seq = randomSequence(steps, 1, 1, 11);
    const method: LearningMethod = { kind: 'sparse', k: 4, strategy: 'random', refreshEvery: 0, rescale: false };
    const make = () =>
      new OnlineLearner(new RnnModel(initRnn({ n, m: 1, o: 1, leak: 0.3 }, new Rng(3))), method, {
        optimizer: { kind: 'adam', lr: 3e-3, clipNorm: 0 },
        selectionRng: new Rng(4),
      });
    // two copies stepped in lockstep, then a third after them: the same losses, step by step
    const a = make();
    const b = make();
    const la: number[] = [];
    const lb: number[] = [];
    for (let t = 0; t < steps; t++) {
      la.push(a.step(seq, t));
      lb.push(b.step(seq, t));
    }
    const c = make();
    const lc = Array.from({ length: steps }, (_, t) => c.step(seq, t));
    expect(la.every(Number.isFinite)).toBe(true);
    expect(lb.findIndex((x, t) => !Object.is(x, la[t]))).toBe(-1);
    expect(lc.findIndex((x, t) => !Object.is(x, la[t]))).toBe(-1);
    setTransportThreads(1);
  });
});
