/**
 * The WebAssembly transport kernel against the TypeScript reference (transport.ts): random sizes, k
 * from 0 to n, every selection strategy, P in the kernel's memory or in ordinary arrays, one thread or
 * two. Tolerance, per element (u = 2⁻²⁴, float32 unit roundoff; the kernels sum in different orders):
 *   |Δout[i,c]| ≤ 2(k + 2) u · B[i,c],   B[i,c] = |carry·P[i,c]| + Σ_j |coeff[i,j]·P[src[i,j],c]|
 *   |Δg[c]|     ≤ 2(n + k + 4) u · Σ_i |dLdh[i]|·B[i,c]
 * and bit-identical results whatever the thread count, and in place (out = P) or not.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import { RNN_IN_PLACE_MIN_BYTES } from '../src/engine/methods/rtrl';
import { initRnn, recurrentParamCount, RnnModel } from '../src/engine/models/rnn';
import { Sensitivity } from '../src/engine/sensitivity';
import { Rng } from '../src/engine/rng';
import {
  allocateTransportFloats,
  calibrateTransportThroughput,
  estimateRtrlStepSeconds,
  estimateStepSeconds,
  transportWork,
  setTransportBackend,
  setTransportThreads,
  startTransportThreads,
  transport,
  transportBackendInfo,
  transportTs,
} from '../src/engine/transport';
import { allPaths, SELECTION_STRATEGIES, selectPaths, type SelectionStrategy } from '../src/engine/transportMask';
import { allocBytes, freeBytes, heapBytesInUse, inWasmHeap, wasmRuntime, wasmSimdSupported } from '../src/engine/wasm/memory';
import { setWasmTiles, wasmTiles } from '../src/engine/wasm/wasmTransport';
import { partStart } from '../src/engine/wasm/workerPool';
import { randomSequence } from './helpers/randomSequence';
import { onOneThreadThenTwo, restoreTransportAfterAll } from './helpers/transportThreads';

const U = 2 ** -24;

interface Case {
  n: number;
  p: number;
  k: number;
  sources: Int32Array;
  coeffs: Float32Array;
  carry: number;
  P: Float32Array;
  dLdh: Float32Array;
}

function makeCase(rng: Rng, n: number, p: number, k: number | 'full', strategy: SelectionStrategy, heap: boolean): Case {
  const kk = k === 'full' ? n : k;
  const W = new Float32Array(n * n).map(() => rng.normal());
  const sources = k === 'full' ? allPaths(n) : new Int32Array(n * kk);
  if (k !== 'full') selectPaths(strategy, W, n, kk, rng, sources);
  const coeffs = new Float32Array(n * kk).map(() => rng.normal() * 0.5);
  const P = heap ? allocateTransportFloats(n * p) : new Float32Array(n * p);
  for (let i = 0; i < P.length; i++) P[i] = rng.normal();
  const dLdh = new Float32Array(n).map(() => (rng.uniform() < 0.2 ? 0 : rng.normal()));
  return { n, p, k: kk, sources, coeffs, carry: rng.uniform() < 0.3 ? 0 : 0.25 + rng.uniform(), P, dLdh };
}

/** Runs the transport on the current backend; out in the kernel's memory when `heap`. */
function run(c: Case, heap: boolean): { out: Float32Array; grad: Float32Array } {
  const out = heap ? allocateTransportFloats(c.n * c.p) : new Float32Array(c.n * c.p);
  out.fill(Number.NaN); // every element must be written
  const grad = new Float32Array(c.p + 3).fill(Number.NaN); // and g's tail beyond p zeroed, as TypeScript does
  transport(c.P, out, c.n, c.p, c.k, c.sources, c.coeffs, c.carry, c.dLdh, grad);
  return { out, grad };
}

function expectWithinTolerance(c: Case, got: { out: Float32Array; grad: Float32Array }): void {
  const { n, p, k, P, sources, coeffs, carry, dLdh } = c;
  const ref = new Float32Array(n * p);
  const refGrad = new Float32Array(p + 3);
  transportTs(P, ref, n, p, k, sources, coeffs, carry, dLdh, refGrad);
  const gradBound = new Float64Array(p);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let col = 0; col < p; col++) {
      let b = Math.abs(carry * P[i * p + col]);
      for (let j = 0; j < k; j++) b += Math.abs(coeffs[i * k + j] * P[sources[i * k + j] * p + col]);
      gradBound[col] += Math.abs(dLdh[i]) * b;
      const d = Math.abs(got.out[i * p + col] - ref[i * p + col]);
      const tol = 2 * (k + 2) * U * b;
      if (!(d <= tol)) throw new Error(`out[${i},${col}] differs by ${d} > ${tol} (n=${n} p=${p} k=${k})`);
      worst = Math.max(worst, b > 0 ? d / b : 0);
    }
  }
  for (let col = 0; col < p; col++) {
    const d = Math.abs(got.grad[col] - refGrad[col]);
    const tol = 2 * (n + k + 4) * U * gradBound[col];
    if (!(d <= tol)) throw new Error(`g[${col}] differs by ${d} > ${tol} (n=${n} p=${p} k=${k})`);
  }
  expect(Array.from(got.grad.subarray(p))).toEqual([0, 0, 0]);
  expect(worst).toBeLessThan(1e-5);
}

/** The bits of a float array (so -0, NaN payloads and every rounding are compared exactly). */
function bits(a: Float32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** The transport with out = P on a copy of c.P (in the kernel's memory when `heap`): the new P and g. */
function runInPlace(c: Case, heap: boolean): { out: Float32Array; grad: Float32Array } {
  const P = heap ? allocateTransportFloats(c.n * c.p) : new Float32Array(c.n * c.p);
  P.set(c.P);
  const grad = new Float32Array(c.p + 3).fill(Number.NaN);
  transport(P, P, c.n, c.p, c.k, c.sources, c.coeffs, c.carry, c.dLdh, grad);
  return { out: P, grad };
}

restoreTransportAfterAll();

describe('WebAssembly transport kernel', () => {
  it('loads in Node with SIMD and a shared memory, and says so', () => {
    expect(wasmSimdSupported()).toBe(true);
    const rt = wasmRuntime();
    expect(rt).not.toBeNull();
    expect(rt!.shared).toBe(true);
    setTransportBackend('auto');
    const info = transportBackendInfo();
    expect(info.kernel).toBe('wasm');
    expect(info.simd).toBe(true);
    setTransportBackend('typescript');
    expect(transportBackendInfo()).toMatchObject({ kernel: 'typescript', threads: 1, reason: 'the TypeScript kernel was chosen' });
    setTransportBackend('auto');
  });

  it('the committed generated module is what the WAT source assembles to', () => {
    // exits 1 with a message when src/engine/wasm/transportWasm.generated.ts is stale
    expect(() => execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('matches the TypeScript kernel on random sizes, k = 0..n and every strategy', () => {
    setTransportBackend('wasm');
    setTransportThreads(1);
    const rng = new Rng(11);
    let cases = 0;
    for (const n of [1, 3, 4, 7, 9, 16]) {
      const p = n * (n + 2) + Math.floor(rng.uniform() * 13); // ragged p: every column-tail path
      const ks = Array.from(new Set([0, 1, 2, 3, 4, 5, Math.min(n, 8), n])).filter((k) => k <= n);
      for (const k of ks) {
        for (const strategy of SELECTION_STRATEGIES) {
          const heap = cases % 2 === 0;
          const c = makeCase(rng, n, p, k, strategy, heap);
          expectWithinTolerance(c, run(c, !heap));
          cases++;
        }
      }
      const full = makeCase(rng, n, p, 'full', 'random', true);
      expectWithinTolerance(full, run(full, true));
    }
    expect(cases).toBeGreaterThan(150);
    setTransportBackend('auto');
  });

  it('matches on sizes that fill whole tiles and several of them (dense and sparse)', () => {
    setTransportBackend('wasm');
    const rng = new Rng(12);
    for (const [n, k] of [
      [24, 'full'],
      [33, 'full'],
      [40, 4],
      [40, 13],
    ] as const) {
      const p = n * (n + 2) + 5;
      const c = makeCase(rng, n, p, k, 'random', true);
      expectWithinTolerance(c, run(c, true));
    }
    setTransportBackend('auto');
  });

  it('gives bit-identical results on one thread and on two', async () => {
    setTransportBackend('wasm');
    const rng = new Rng(13);
    for (const [k, carry] of [
      ['full', 0.7],
      [4, 0],
      [4, 0.9],
      [5, 0],
      [5, 0.6],
    ] as const) {
      const n = 48;
      const p = n * (n + 2) + 3; // ≥ the threading threshold, a ragged end
      const c = { ...makeCase(rng, n, p, k, 'random', true), carry };
      // out in the kernel's memory on one thread, in an ordinary array on two
      const { one, two } = await onOneThreadThenTwo((threads) => run(c, threads === 1));
      expect(
        Buffer.from(two.out.buffer, two.out.byteOffset, two.out.byteLength).equals(Buffer.from(one.out.buffer, one.out.byteOffset, one.out.byteLength)),
      ).toBe(true);
      expect(Array.from(two.grad)).toEqual(Array.from(one.grad));
      expectWithinTolerance(c, two);
    }
    setTransportThreads(1);
    setTransportBackend('auto');
  });

  it('in place (out = P) is bit-identical to out of place: random sizes, ragged p, k = 0..n, tiles, threads', async () => {
    setTransportBackend('wasm');
    const saved = wasmTiles();
    const rng = new Rng(15);
    let cases = 0;
    try {
      for (const threads of [1, 2]) {
        if (threads === 1) setTransportThreads(1);
        else expect((await startTransportThreads(2)).threads).toBe(2);
        // small tiles give many tiles, each with a ragged end when the tile is not a multiple of 4 wide
        for (const tiles of [
          [8, 8, 8],
          [16, 24, 40],
          [saved.dense, saved.sparse, saved.sparseInPlace],
        ]) {
          setWasmTiles(tiles[0], tiles[1], tiles[2]);
          for (const n of [1, 3, 5, 9, 16, 48]) {
            const p = n * (n + 2) + Math.floor(rng.uniform() * 13);
            const ks: (number | 'full')[] = Array.from(new Set([0, 1, 3, 4, 5, Math.min(n, 8), n])).filter((k) => k <= n);
            for (const k of [...ks, 'full' as const]) {
              const heap = cases % 3 !== 0;
              const c = makeCase(rng, n, p, k, 'random', heap);
              const ref = run(c, heap);
              const got = runInPlace(c, heap);
              if (bits(got.out) !== bits(ref.out) || bits(got.grad) !== bits(ref.grad)) {
                throw new Error(`in place differs: n=${n} p=${p} k=${k} carry=${c.carry} tiles=${tiles} threads=${threads} heap=${heap}`);
              }
              cases++;
            }
          }
        }
      }
    } finally {
      setWasmTiles(saved.dense, saved.sparse, saved.sparseInPlace);
      setTransportThreads(1);
      setTransportBackend('auto');
    }
    expect(cases).toBeGreaterThan(200);
  });

  it('the TypeScript kernel in place is bit-identical to its out-of-place result (float32 and float64)', () => {
    const rng = new Rng(16);
    let cases = 0;
    for (const n of [1, 2, 5, 8, 13]) {
      const p = n * (n + 2) + Math.floor(rng.uniform() * 9);
      for (const k of [0, 1, 2, 3, 4, 5, n, 'full' as const].filter((x) => x === 'full' || x <= n)) {
        const c = makeCase(rng, n, p, k, 'random', false);
        for (const tile of [1, 7, 64, 1024]) {
          for (const F of [Float32Array, Float64Array]) {
            const P = F.from(c.P);
            const coeffs = F.from(c.coeffs);
            const dLdh = F.from(c.dLdh);
            const out = new F(n * p).fill(Number.NaN);
            const grad = new F(p);
            transportTs(P, out, n, p, c.k, c.sources, coeffs, c.carry, dLdh, grad, tile);
            const Q = F.from(c.P);
            const gradQ = new F(p).fill(Number.NaN);
            transportTs(Q, Q, n, p, c.k, c.sources, coeffs, c.carry, dLdh, gradQ, tile);
            expect(bits(Q)).toBe(bits(out));
            expect(bits(gradQ)).toBe(bits(grad));
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(200);
    // overlapping without being P is refused
    const P = new Float64Array(20);
    expect(() =>
      transportTs(P.subarray(0, 10), P.subarray(5, 15), 1, 10, 0, new Int32Array(0), new Float64Array(0), 1, new Float64Array(1), new Float64Array(10)),
    ).toThrow(/overlaps P/);
  });

  it('the RNN keeps one P, updated in place, when P is large, with the same results as two buffers', () => {
    // n = 128, m = 1, float32: P is 8.5 MB, over the threshold; n = 64 stays double-buffered
    const shape = { n: 128, m: 1, o: 1, leak: 0.5 };
    expect(shape.n * recurrentParamCount(shape) * 4).toBeGreaterThanOrEqual(RNN_IN_PLACE_MIN_BYTES);
    const make = (n: number, method: LearningMethod) =>
      new OnlineLearner(new RnnModel(initRnn({ ...shape, n }, new Rng(1))), method, {
        optimizer: { kind: 'adam', lr: 1e-3, clipNorm: 0 },
        selectionRng: new Rng(2),
      });
    const small = make(64, { kind: 'full' }).sensitivity!;
    expect(small.next).not.toBe(small.current);
    const sparse: LearningMethod = { kind: 'sparse', k: 4, strategy: 'random', refreshEvery: 0, rescale: false };
    const seq = randomSequence(6, 1, 1, 7);
    for (const method of [sparse, { kind: 'full' } as LearningMethod]) {
      setTransportBackend('auto');
      const one = make(128, method);
      const two = make(128, method);
      const s1 = one.sensitivity!;
      expect(s1.next).toBe(s1.current);
      expect(s1).toBeInstanceOf(Sensitivity);
      const s2 = two.sensitivity!;
      s2.next = allocateTransportFloats(s2.current.length); // double-buffered
      const steps = method.kind === 'full' ? 2 : 6;
      for (let t = 0; t < steps; t++) expect(one.step(seq, t)).toBe(two.step(seq, t));
      expect(bits(s1.current as Float32Array)).toBe(bits(s2.current as Float32Array));
      expect(s1.norm()).toBeGreaterThan(0);
    }
  });

  it('splits columns at multiples of 8, covering [0, p) once', () => {
    for (const p of [1, 7, 8, 100, 4224, 66048]) {
      for (const parts of [1, 2, 3, 7]) {
        const starts = Array.from({ length: parts + 1 }, (_, t) => partStart(t, parts, p));
        expect(starts[0]).toBe(0);
        expect(starts[parts]).toBe(p);
        for (let t = 0; t < parts; t++) {
          expect(starts[t + 1]).toBeGreaterThanOrEqual(starts[t]);
          if (t > 0 && starts[t] < p) expect(starts[t] % 8).toBe(0);
        }
      }
    }
  });

  it('the TypeScript backend is exactly the reference kernel', () => {
    setTransportBackend('typescript');
    const rng = new Rng(14);
    const c = makeCase(rng, 12, 12 * 14, 'full', 'random', false);
    const got = run(c, false);
    const ref = new Float32Array(c.n * c.p);
    const refGrad = new Float32Array(c.p + 3);
    transportTs(c.P, ref, c.n, c.p, c.k, c.sources, c.coeffs, c.carry, c.dLdh, refGrad);
    expect(Array.from(got.out)).toEqual(Array.from(ref));
    expect(Array.from(got.grad)).toEqual(Array.from(refGrad));
    setTransportBackend('auto');
  });

  it('allocates P in the kernel memory and frees it for reuse', () => {
    const rt = wasmRuntime()!;
    const a = allocateTransportFloats(1000);
    expect(inWasmHeap(a)).toBe(true);
    expect(inWasmHeap(new Float32Array(4))).toBe(false);
    expect(Array.from(a.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    const before = heapBytesInUse();
    const x = allocBytes(rt, 4096);
    const y = allocBytes(rt, 100);
    expect(x % 64).toBe(0);
    expect(y % 64).toBe(0);
    expect(heapBytesInUse()).toBe(before + 4096 + 128);
    freeBytes(x, 4096);
    freeBytes(y, 100);
    expect(heapBytesInUse()).toBe(before);
    // the freed space is reused
    const z = allocBytes(rt, 4096);
    expect(z).toBe(x);
    freeBytes(z, 4096);
  });

  it('a full-RTRL learner on the WebAssembly kernel tracks the TypeScript one (float32)', () => {
    const n = 24; // large enough for 'auto' to choose WebAssembly
    const seq = randomSequence(40, 1, 1, 5);
    const losses = (b: 'auto' | 'typescript', method: LearningMethod) => {
      setTransportBackend(b);
      const learner = new OnlineLearner(new RnnModel(initRnn({ n, m: 1, o: 1, leak: 0.5 }, new Rng(1))), method, {
        optimizer: { kind: 'adam', lr: 1e-3, clipNorm: 0 },
        selectionRng: new Rng(2),
      });
      const out: number[] = [];
      for (let t = 0; t < 40; t++) out.push(learner.step(seq, t));
      return out;
    };
    for (const method of [{ kind: 'full' }, { kind: 'sparse', k: 8, strategy: 'random', refreshEvery: 0, rescale: false }] as LearningMethod[]) {
      const a = losses('auto', method);
      const b = losses('typescript', method);
      expect(transportBackendInfo().kernel).toBe('typescript');
      for (let t = 0; t < a.length; t++) expect(Math.abs(a[t] - b[t])).toBeLessThanOrEqual(1e-4 * Math.abs(b[t]) + 1e-7);
      expect(a.some((x, t) => x !== b[t])).toBe(true); // it did run a different kernel
    }
    setTransportBackend('auto');
  });

  it('estimates seconds per step from the work and the kernel, and calibrates on this machine', () => {
    const full256 = estimateRtrlStepSeconds('rnn', 256, 1, 'full', 'wasm');
    const { macs, bytes } = transportWork(256, 256 * 258, 256);
    expect(macs).toBe(256 * 256 * 258 * 258);
    expect(full256).toBeCloseTo(estimateStepSeconds(macs, bytes, 'wasm'), 12);
    expect(estimateRtrlStepSeconds('rnn', 256, 1, 'full', 'typescript')).toBeGreaterThan(full256);
    expect(estimateRtrlStepSeconds('rnn', 128, 1, 'full', 'wasm')).toBeLessThan(full256 / 6);
    expect(estimateRtrlStepSeconds('rnn', 256, 1, 4, 'wasm')).toBeLessThan(full256 / 20);
    // the LSTM: two transports of a P four times as wide
    const lstm = estimateRtrlStepSeconds('lstm', 64, 1, 'full', 'wasm');
    const w = transportWork(64, 4 * 64 * 66, 64);
    expect(lstm).toBeCloseTo(2 * estimateStepSeconds(w.macs, w.bytes, 'wasm'), 12);
    // threads divide the compute-bound part
    const one = estimateStepSeconds(macs, bytes, { kernel: 'wasm', simd: true, shared: true, threads: 1, reason: '' });
    const four = estimateStepSeconds(macs, bytes, { kernel: 'wasm', simd: true, shared: true, threads: 4, reason: '' });
    expect(four).toBeCloseTo(one / 4, 12);
    const measured = calibrateTransportThroughput();
    for (const kernel of ['typescript', 'wasm'] as const) {
      expect(measured[kernel]!.macsPerSecond).toBeGreaterThan(1e6);
      expect(measured[kernel]!.bytesPerSecond).toBeGreaterThan(1e7);
    }
    expect(estimateStepSeconds(1e9, 0, 'wasm')).toBeCloseTo(1e9 / measured.wasm!.macsPerSecond, 9);
    expect(transportBackendInfo().kernel).toBe('wasm'); // calibration restored the backend
  });
});
