/**
 * CPU engine benchmark (a script that prints figures; no thresholds, no assertions).
 *   npm run bench:cpu [-- --quick]
 * For n = 64, 128, 256: ms per learner step of sparse k = 4 and of full RTRL, and the sparse transport
 * kernel's effective bytes/s beside a plain memory-copy loop's, both measured in this same run. The
 * ratio (sparse / copy) is the figure to report: it says how close the kernel is to memory speed on
 * whatever machine runs it, independent of that machine's absolute speed.
 */
import { OnlineLearner } from '../src/engine/learner';
import type { LearningMethod } from '../src/engine/methods';
import { initRnn, recurrentParamCount, RnnModel, type RnnShape } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';
import { allocateSequence } from '../src/engine/tasks/task';
import { transport } from '../src/engine/transport';

const quick = process.argv.includes('--quick');
const sizes = quick ? [64, 128] : [64, 128, 256];

/** Median of `reps` timings of fn, after warm-up calls (so the JIT has optimised it), in ms. */
function timeMs(fn: () => void, reps: number, warmup = 3): number {
  for (let w = 0; w < warmup; w++) fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function learnerStepMs(n: number, method: LearningMethod, reps: number): number {
  const shape: RnnShape = { n, m: 1, o: 1, leak: 1 };
  const params = initRnn(shape, new Rng(1));
  const learner = new OnlineLearner(new RnnModel(params), method, { optimizer: { kind: 'adam', lr: 1e-4, clipNorm: 0 }, selectionRng: new Rng(2) });
  const steps = reps + 8;
  const seq = allocateSequence(steps, 1, 1);
  const rng = new Rng(3);
  for (let t = 0; t < steps; t++) {
    seq.x[t] = rng.normal();
    seq.y[t] = rng.normal();
  }
  let t = 0;
  return timeMs(() => learner.step(seq, t++), reps, reps > 2 ? 5 : 1);
}

const gb = (bytes: number, ms: number) => bytes / (ms * 1e-3) / 1e9;

console.log(`CPU engine benchmark, Node ${process.version}, ${quick ? 'quick' : 'full'} run; medians of repeated steps`);
console.log('');
console.log('  n      p   sparse k=4 step ms   full step ms   full/sparse   kernel GB/s   copy GB/s   kernel/copy');
for (const n of sizes) {
  const p = recurrentParamCount({ n, m: 1, o: 1, leak: 1 });
  const k = 4;
  const sparseMs = learnerStepMs(n, { kind: 'sparse', k, strategy: 'random', refreshEvery: 0, rescale: false }, n >= 256 ? 10 : 30);
  const fullMs = learnerStepMs(n, { kind: 'full' }, n >= 256 ? 1 : n >= 128 ? 5 : 40);

  // The sparse kernel alone: reads k source rows, writes one row, per unit (carry 0, plain tanh RNN).
  const rng = new Rng(4);
  const P = new Float32Array(n * p).map(() => rng.normal());
  const out = new Float32Array(n * p);
  const sources = new Int32Array(n * k);
  for (let i = 0; i < n; i++) rng.sampleDistinct(n, k, sources, i * k);
  const coeffs = new Float32Array(n * k).map(() => rng.normal() * 0.1);
  const dLdh = new Float32Array(n).map(() => rng.normal());
  const grad = new Float32Array(p);
  const kernelMs = timeMs(() => transport(P, out, n, p, k, sources, coeffs, 0, dLdh, grad), 20);
  const kernelBytes = (k + 1) * n * p * 4;

  // A plain copy loop over the same number of floats as one P: reads one, writes one.
  const src = P;
  const dst = out;
  const copyMs = timeMs(() => {
    for (let i = 0; i < src.length; i++) dst[i] = src[i];
  }, 20);
  const copyBytes = 2 * n * p * 4;

  const kg = gb(kernelBytes, kernelMs);
  const cg = gb(copyBytes, copyMs);
  console.log(
    `${String(n).padStart(3)}  ${String(p).padStart(5)}   ${sparseMs.toFixed(2).padStart(18)}   ${fullMs.toFixed(1).padStart(12)}   ${(fullMs / sparseMs).toFixed(1).padStart(11)}   ${kg.toFixed(2).padStart(11)}   ${cg.toFixed(2).padStart(9)}   ${(kg / cg).toFixed(2).padStart(11)}`,
  );
}
console.log('');
console.log('kernel bytes = (k + 1) n p 4 (k source rows read, one row written); copy bytes = 2 n p 4.');
console.log('step = forward, transport, immediate term, g = cᵀP, Adam update (one learner step).');
