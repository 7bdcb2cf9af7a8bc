/**
 * Each WGSL kernel against the CPU engine (the definition of the math), in Node through Dawn.
 * A kernel runs alone on inputs read back from the GPU, so each comparison isolates that kernel.
 *
 * Tolerance: |gpu - cpu| <= 2e-5 · (1 + |cpu|). The CPU engine stores float32 but accumulates in
 * float64 inside its loops; the kernels accumulate in float32. A sum of K terms then differs by at most
 * about K·2⁻²⁴·Σ|terms| ≈ 1e-6 for the K ≤ 20 terms of these sizes (n = 7) with O(1) values, so 2e-5
 * leaves headroom without hiding a wrong index, which is off by O(1).
 */
import { describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import type { LearningMethod } from '../../src/engine/methods';
import { Adam, clipScale, Sgd, type OptimizerConfig } from '../../src/engine/optimizer';
import { allocateState, forwardStep, initRnn, RnnModel, type RnnShape } from '../../src/engine/models/rnn';
import { readoutGradient, readoutStep } from '../../src/engine/models/readout';
import { Rng } from '../../src/engine/rng';
import { addImmediateTerm } from '../../src/engine/sensitivity';
import { allocateSequence, type Sequence } from '../../src/engine/tasks/task';
import { transport } from '../../src/engine/transport';
import { allPaths, selectPaths } from '../../src/engine/transportMask';
import { GpuBatch, type BatchOptions, type GpuContext } from '../../src/gpu/batch';
import { OnlineLearner } from '../../src/engine/learner';
import type { Floats } from '../../src/engine/precision';
import { readBuffer } from '../../src/gpu/readback';
import { chooseDenseRoute, chooseSparseTransport } from '../../src/gpu/sparseVariant';
import { expectOutputs, outputsStream } from './compare';
import { deviceForFile } from './gpuHarness';

const TOL = 2e-5;
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = TOL): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * (1 + Math.abs(want[i]))))
      throw new Error(`${what}[${i}]: GPU ${got[i]}, CPU ${want[i]} (|diff| ${err.toExponential(2)} > ${tol}·(1+|cpu|))`);
  }
}

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

const shape: RnnShape = { n: 7, m: 2, o: 2, leak: 0.6 };
const { n, m, o } = shape;
const p = n * n + n * m + n;

function stream(steps: number, seed: number): Sequence {
  const seq = allocateSequence(steps, m, o);
  const r = new Rng(seed);
  for (let i = 0; i < seq.x.length; i++) seq.x[i] = r.normal();
  for (let i = 0; i < seq.y.length; i++) seq.y[i] = r.normal();
  return seq;
}

/** A batch of the given lanes (same random weights, distinct hidden states) and its CPU twins' inputs. */
async function setup(methods: LearningMethod[], optimizer: OptimizerConfig = { kind: 'adam', lr: 1e-2, clipNorm: 0 }) {
  const params = initRnn(shape, new Rng(11), { gain: 1.3, inputScale: 1 });
  const seq = stream(4, 12);
  const r = new Rng(13);
  const hInit = methods.map(() => Float32Array.from({ length: n }, () => r.normal() * 0.5));
  const sources = methods.map((mth) => {
    if (mth.kind !== 'sparse') return undefined;
    const s = new Int32Array(n * mth.k);
    selectPaths(mth.strategy, params.theta, n, mth.k, new Rng(14), s);
    return s;
  });
  const batch = await GpuBatch.create(
    ctx,
    shape,
    [seq],
    methods.map((method, a) => ({ method, params, hInit: hInit[a], sources: sources[a], stream: 0 })),
    {
      optimizer,
      label: 'kernel test',
    },
  );
  return { batch, params, seq, hInit, sources };
}

describe('kernels vs the CPU engine (Dawn)', () => {
  const methods: LearningMethod[] = [sparseArm(3, 'random'), sparseArm(0, 'random'), sparseArm(2, 'top-k', 0, true), { kind: 'full' }, { kind: 'frozen' }];

  it('forward.wgsl: h_t, D_t, e_t, c_t = Vᵀe_t and L_t, per lane', async () => {
    const { batch, params, seq, hInit } = await setup(methods);
    try {
      await batch.dispatchKernel('forward', 0);
      const [h1, state, losses] = await Promise.all([batch.read('h1'), batch.read('state'), batch.read('losses')]);
      const { st } = batch.layout;
      methods.forEach((_, a) => {
        const cpu = allocateState(shape, 'f32');
        cpu.h.set(hInit[a]);
        forwardStep(params, cpu, seq.x, 0);
        const loss = readoutStep(params, cpu, seq.y, 0, true);
        const i = batch.laneIndex(a);
        expectClose(h1.subarray(i * n, i * n + n), cpu.h, `h lane ${a}`);
        expectClose(state.subarray(i * st, i * st + n), cpu.d, `D lane ${a}`);
        expectClose(state.subarray(i * st + n, i * st + 2 * n), cpu.dLdh, `dLdh lane ${a}`);
        expectClose(state.subarray(i * st + 2 * n, i * st + 2 * n + o), cpu.e, `e lane ${a}`);
        expectClose([losses[i]], [loss], `loss lane ${a}`);
        // the buffer's second half: each lane's first output y_t[0]
        expectClose([losses[losses.length / 2 + i]], [cpu.y[0]], `output lane ${a}`);
      });
    } finally {
      batch.destroy();
    }
  });

  it('forward.wgsl over three 128-row chunks of partial sums (n = 260, a frozen lane): h_t, D_t, dL/dh and L_t', async () => {
    const big: RnnShape = { n: 260, m: 1, o: 1, leak: 0.6 };
    const params = initRnn(big, new Rng(41), { gain: 1.3, inputScale: 1 });
    const seq = allocateSequence(2, big.m, big.o);
    seq.x[0] = 0.7;
    seq.y[0] = -0.4;
    const r = new Rng(42);
    const hInit = Float32Array.from({ length: big.n }, () => r.normal() * 0.5);
    const batch = await GpuBatch.create(ctx, big, [seq], [{ method: { kind: 'frozen' }, params, hInit, stream: 0 }], {
      optimizer: { kind: 'sgd', lr: 0, clipNorm: 0 },
      label: 'forward chunks',
    });
    try {
      await batch.dispatchKernel('forward', 0);
      const [h1, state, losses] = await Promise.all([batch.read('h1'), batch.read('state'), batch.read('losses')]);
      const cpu = allocateState(big, 'f32');
      cpu.h.set(hInit);
      forwardStep(params, cpu, seq.x, 0);
      const loss = readoutStep(params, cpu, seq.y, 0, true);
      const i = batch.laneIndex(0);
      const st = batch.layout.st;
      expectClose(h1.subarray(i * big.n, (i + 1) * big.n), cpu.h, 'h');
      expectClose(state.subarray(i * st, i * st + big.n), cpu.d, 'D');
      expectClose(state.subarray(i * st + big.n, i * st + 2 * big.n), cpu.dLdh, 'dLdh');
      expectClose([losses[i]], [loss], 'loss');
    } finally {
      batch.destroy();
    }
  });

  it('the step record: each lane\u2019s first output per step, read back with the losses, is the CPU learner\u2019s y_t[0] (steps without an error signal and a reset too)', async () => {
    const r = new Rng(31);
    const seq = outputsStream(17, shape.m, shape.o, r, (t, j) => Math.sin(0.5 * t + j), 5, 9);
    const arms: LearningMethod[] = [{ kind: 'full' }, sparseArm(0, 'random'), { kind: 'frozen' }];
    const optimizer: OptimizerConfig = { kind: 'adam', lr: 3e-2, clipNorm: 0 };
    const paramsOf = () => initRnn(shape, new Rng(32), { gain: 1.3, inputScale: 1 });
    const hInit = Float32Array.from({ length: shape.n }, () => r.normal() * 0.3);
    const batch = await GpuBatch.create(
      ctx,
      shape,
      [seq],
      arms.map((method) => ({ method, params: paramsOf(), hInit, stream: 0 })),
      { optimizer, readbackEvery: 4, label: 'outputs' },
    );
    try {
      await batch.advance(seq.length);
      expectOutputs(batch, seq, (a) => new OnlineLearner(new RnnModel(paramsOf(), hInit), arms[a], { optimizer, selectionRng: new Rng(33) }));
      // the learning lanes leave the frozen one: the record is per lane, not one lane's copied
      expect(Math.abs(batch.outputs[0][seq.length - 1] - batch.outputs[2][seq.length - 1])).toBeGreaterThan(1e-3);
    } finally {
      batch.destroy();
    }
  });

  it('sparseTransport.wgsl and denseTransport.wgsl: P_out = (1-α)P + (D W ⊙ Ω) P + the immediate term, then gradient.wgsl (cᵀP and the readout gradient)', async () => {
    const { batch, params, seq, hInit, sources } = await setup(methods);
    try {
      const r = new Rng(21);
      const P0 = Float32Array.from({ length: 4 * n * p }, () => r.normal());
      batch.write('P0', P0);
      await batch.dispatchKernel('forward', 0);
      await batch.dispatchKernel('sparse', 0);
      await batch.dispatchKernel('dense', 0);
      const afterImmediate = await batch.read('P1');
      await batch.dispatchKernel('gradient', 0);
      const [state, grad, h1] = await Promise.all([batch.read('state'), batch.read('grad'), batch.read('h1')]);
      const { st, stride } = batch.layout;
      methods.forEach((mth, a) => {
        if (mth.kind !== 'full' && mth.kind !== 'sparse') return; // the GPU runs the RTRL arms only
        const i = batch.laneIndex(a);
        const d = state.subarray(i * st, i * st + n);
        const dLdh = state.subarray(i * st + n, i * st + 2 * n);
        const k = mth.kind === 'full' ? n : mth.k;
        const src = mth.kind === 'full' ? allPaths(n) : sources[a]!;
        const scale = mth.kind === 'sparse' && mth.rescale && k > 0 ? n / k : 1;
        const coeffs = new Float32Array(n * k);
        for (let row = 0; row < n; row++) for (let j = 0; j < k; j++) coeffs[row * k + j] = d[row] * scale * params.theta[row * n + src[row * k + j]];
        const Pin = P0.subarray(i * n * p, (i + 1) * n * p);
        const out = new Float32Array(n * p);
        const g = new Float32Array(p);
        transport(Pin, out, n, p, k, src, coeffs, 1 - shape.leak, dLdh, g);
        // the immediate term on the CPU, after the CPU's transport (the GPU adds it as it writes P)
        addImmediateTerm(shape, out, d, hInit[a], seq.x, 0, dLdh, g);
        expectClose(afterImmediate.subarray(i * n * p, (i + 1) * n * p), out, `${mth.kind} transport with the immediate term, lane ${a}`);
        expectClose(grad.subarray(i * stride, i * stride + p), g, `g = cᵀP lane ${a}`);
        const cpuState = allocateState(shape, 'f32');
        cpuState.h.set(h1.subarray(i * n, i * n + n));
        cpuState.e.set(state.subarray(i * st + 2 * n, i * st + 2 * n + o));
        const gr = new Float32Array(o * n + o);
        readoutGradient(shape, cpuState, gr);
        expectClose(grad.subarray(i * stride + p, (i + 1) * stride), gr, `readout gradient lane ${a}`);
      });
    } finally {
      batch.destroy();
    }
  });

  for (const optimizer of [
    { kind: 'adam', lr: 1e-2, clipNorm: 0 },
    { kind: 'adam', lr: 1e-2, clipNorm: 0.05 },
    { kind: 'sgd', lr: 0.1, clipNorm: 0.05 },
  ] as OptimizerConfig[]) {
    it(`update.wgsl (the clip inside), ${optimizer.kind} (clip ${optimizer.clipNorm}): two updates from the same gradient`, async () => {
      const lanes: LearningMethod[] = [{ kind: 'full' }, sparseArm(1, 'random')];
      const { batch } = await setup(lanes, optimizer);
      try {
        const { stride } = batch.layout;
        // a random P_t gives a non-trivial θ gradient; the gradient kernels also leave the Σg² partials the clip reads
        const r = new Rng(31);
        batch.write(
          'P1',
          Float32Array.from({ length: 2 * n * p }, () => r.normal() * 0.3),
        );
        await batch.dispatchKernel('forward', 0);
        await batch.dispatchKernel('gradient', 0);
        const g = await batch.read('grad');
        const params0 = await batch.read('params');
        await batch.dispatchKernel('update', 0);
        // step 0 settled (Adam's step count advances), as the forward kernel of step 1 would
        await batch.dispatchKernel('stepEnd', 1);
        await batch.dispatchKernel('update', 1);
        const params2 = await batch.read('params');
        lanes.forEach((_, a) => {
          const i = batch.laneIndex(a);
          const w = params0.slice(i * stride, (i + 1) * stride);
          const gi = g.slice(i * stride, (i + 1) * stride);
          const scale = clipScale(optimizer.clipNorm, gi);
          const opt = optimizer.kind === 'adam' ? new Adam(stride, optimizer.lr, w) : new Sgd(optimizer.lr);
          opt.step(w, gi, scale);
          opt.step(w, gi, scale);
          expectClose(params2.subarray(i * stride, (i + 1) * stride), w, `${optimizer.kind} lane ${a}`);
        });
      } finally {
        batch.destroy();
      }
    });
  }

  it('gram.wgsl: P Pᵀ of the full lanes', async () => {
    const { batch } = await setup([{ kind: 'full' }, sparseArm(1, 'random'), { kind: 'full' }]);
    try {
      const r = new Rng(41);
      const P = Float32Array.from({ length: 3 * n * p }, () => r.normal());
      batch.write('P0', P);
      await batch.dispatchKernel('gram', 0);
      const grams = await batch.readGrams();
      [0, 2].forEach((a, f) => {
        const i = batch.laneIndex(a);
        const want = new Float64Array(n * n);
        for (let x = 0; x < n; x++)
          for (let y = 0; y < n; y++) {
            let s = 0;
            for (let c = 0; c < p; c++) s += P[i * n * p + x * p + c] * P[i * n * p + y * p + c];
            want[x * n + y] = s;
          }
        // p = 77 products of N(0,1) values per entry: float32 sums differ by ~1e-5 of the entries' scale (~9)
        expectClose(grams.subarray(f * n * n, (f + 1) * n * n), want, `gram lane ${a}`, 1e-4);
      });
    } finally {
      batch.destroy();
    }
  });
});

describe('the benchmark\u2019s matmul.wgsl reference (Dawn)', () => {
  it('out = lhs · rhs, with partial 64-wide tiles in both directions and K not a multiple of 16', async () => {
    const { device, kernels } = ctx;
    // m = 1 makes the preamble's NP = n² + 2n, the product's columns
    const nn = 70;
    const np = nn * nn + 2 * nn;
    const r = new Rng(81);
    const lhsData = Float32Array.from({ length: nn * nn }, () => r.normal());
    const rhsData = Float32Array.from({ length: nn * np }, () => r.normal());
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const buf = (data: Float32Array<ArrayBuffer>) => {
      const b = device.createBuffer({ size: data.byteLength, usage });
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const [lhs, rhs, out] = [buf(lhsData), buf(rhsData), buf(new Float32Array(nn * np))];
    try {
      const pipeline = await kernels.pipeline('matmul', { N: nn, M: 1, O: 1 });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, kernels.bindGroup('matmul', pipeline, { lhs, rhs, out }));
      pass.dispatchWorkgroups(Math.ceil(np / 64), Math.ceil(nn / 64), 1);
      pass.end();
      device.queue.submit([enc.finish()]);
      const got = new Float32Array(await readBuffer(device, ctx.health, out, 0, nn * np * 4));
      const want = new Float64Array(nn * np);
      for (let i = 0; i < nn; i++) for (let q = 0; q < nn; q++) for (let c = 0; c < np; c++) want[i * np + c] += lhsData[i * nn + q] * rhsData[q * np + c];
      // sums of 70 products of N(0,1) values: float32 error ~1e-6 of a sum of size ~8
      expectClose(got, want, 'matmul', 1e-4);
    } finally {
      [lhs, rhs, out].forEach((b) => b.destroy());
    }
  });
});

/** The CPU engine's sparse transport of P_in with the immediate term: what a GPU transport of one lane must give. */
function cpuTransport(sh: RnnShape, theta: Floats, d: Float32Array, k: number, src: Int32Array, scale: number, Pin: Float32Array, x: Floats): Float32Array {
  const pp = sh.n * sh.n + sh.n * sh.m + sh.n;
  const coeffs = new Float32Array(sh.n * k);
  for (let row = 0; row < sh.n; row++) for (let j = 0; j < k; j++) coeffs[row * k + j] = d[row] * scale * theta[row * sh.n + src[row * k + j]];
  const out = new Float32Array(sh.n * pp);
  transport(Pin, out, sh.n, pp, k, src, coeffs, 1 - sh.leak, new Float32Array(sh.n), new Float32Array(pp));
  addImmediateTerm(sh, out, d, new Float32Array(sh.n), x, 0, new Float32Array(sh.n), new Float32Array(pp));
  return out;
}

/**
 * One step's transports from a random P (forward, then the sparse and dense kernels, alone) in a batch of
 * `lanes` on `big` with `options`, every lane with a P against the CPU engine's transport; `check` sees
 * the batch first (its kernel choice, its lane order).
 */
async function expectTransportStep(
  big: RnnShape,
  lanes: LearningMethod[],
  options: Omit<BatchOptions, 'optimizer'>,
  seed: number,
  check: (batch: GpuBatch) => void,
) {
  const bp = big.n * (big.n + big.m + 1);
  const params = initRnn(big, new Rng(seed), { gain: 1.1, inputScale: 1 });
  const seq = allocateSequence(2, 1, 1);
  seq.x[0] = 0.4;
  seq.y[0] = -0.2;
  const sources = lanes.map((mth) => {
    if (mth.kind !== 'sparse') return undefined;
    const s = new Int32Array(big.n * mth.k);
    selectPaths(mth.strategy, params.theta, big.n, mth.k, new Rng(seed + 1), s);
    return s;
  });
  const specs = lanes.map((method, a) => ({ method, params, sources: sources[a], stream: 0 }));
  const batch = await GpuBatch.create(ctx, big, [seq], specs, { optimizer: { kind: 'adam', lr: 1e-2, clipNorm: 0 }, ...options });
  try {
    check(batch);
    const r = new Rng(seed + 2);
    // one P per lane that holds one (sparse, masked, full), in the batch's lane order
    const withP = lanes.filter((mth) => mth.kind === 'sparse' || mth.kind === 'full').length;
    const P0 = Float32Array.from({ length: withP * big.n * bp }, () => r.normal());
    batch.write('P0', P0);
    await batch.dispatchKernel('forward', 0);
    await batch.dispatchKernel('sparse', 0);
    await batch.dispatchKernel('dense', 0);
    const [P1, state] = await Promise.all([batch.read('P1'), batch.read('state')]);
    const { st } = batch.layout;
    lanes.forEach((mth, a) => {
      if (mth.kind !== 'sparse' && mth.kind !== 'full') return;
      const i = batch.laneIndex(a);
      const d = state.slice(i * st, i * st + big.n);
      const [k, src, scale] = mth.kind === 'full' ? [big.n, allPaths(big.n), 1] : [mth.k, sources[a]!, mth.rescale && mth.k > 0 ? big.n / mth.k : 1];
      const want = cpuTransport(big, params.theta, d, k, src, scale, P0.subarray(i * big.n * bp, (i + 1) * big.n * bp), seq.x);
      // up to n = 68 terms of N(0,1)·O(0.1) values: float32 sums differ by ~1e-6 of their scale
      expectClose(P1.subarray(i * big.n * bp, (i + 1) * big.n * bp), want, `${options.label} lane ${a} (${mth.kind}, k = ${k})`, 1e-4);
    });
  } finally {
    batch.destroy();
  }
}

/** A 12-step run (a reset at step 6) of `methods` at n = 8 under each of `options`: every lane's losses agree; `check` sees the batches. */
async function expectSameRuns(
  methods: LearningMethod[],
  options: [Omit<BatchOptions, 'optimizer'>, Omit<BatchOptions, 'optimizer'>],
  check: (runs: GpuBatch[]) => void,
) {
  const sh: RnnShape = { n: 8, m: 1, o: 1, leak: 0.7 };
  const params = initRnn(sh, new Rng(61));
  const seq = allocateSequence(12, 1, 1);
  const r = new Rng(62);
  for (let t = 0; t < 12; t++) {
    seq.x[t] = r.normal();
    seq.y[t] = Math.sin(0.7 * t);
  }
  seq.reset[6] = 1;
  const specs = () =>
    methods.map((method) => {
      const s = method.kind === 'sparse' ? new Int32Array(sh.n * method.k) : undefined;
      if (s && method.kind === 'sparse') selectPaths(method.strategy, params.theta, sh.n, method.k, new Rng(63), s);
      return { method, params, sources: s, selectionRng: new Rng(64), stream: 0 };
    });
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
  const runs = await Promise.all(options.map((o) => GpuBatch.create(ctx, sh, [seq], specs(), { optimizer, ...o })));
  try {
    check(runs);
    for (const b of runs) await b.advance(12);
    methods.forEach((_, a) => expectClose(runs[0].losses[a], runs[1].losses[a], `losses lane ${a}`, 1e-5));
  } finally {
    runs.forEach((b) => b.destroy());
  }
}

describe('sparseTransportVec4.wgsl vs the CPU engine (Dawn)', () => {
  it('vec4 loads, staged indices and coefficients: P_out = (1-α)P + (D W ⊙ Ω) P + the immediate term, k = 0, 3 and 66 (two staging chunks); the dense tile over three row blocks', async () => {
    // p = n (n + m + 1) must be a multiple of 4: n = 68, m = 1 gives p = 4760; k = 66 > WG = 64 crosses a staging chunk;
    // and a full lane: n = 68 is three 32-row blocks of the dense tile
    const lanes: LearningMethod[] = [sparseArm(0, 'random'), sparseArm(3, 'random'), sparseArm(66, 'random', 0, true), { kind: 'full' }, { kind: 'frozen' }];
    await expectTransportStep({ n: 68, m: 1, o: 1, leak: 0.6 }, lanes, { sparseKernel: 'vec4', sparseRoute: 'gather', label: 'vec4' }, 51, (batch) =>
      expect(batch.sparseTransport.shader).toBe('sparseTransportVec4'),
    );
  });

  it('a whole run with the vec4 kernel gives the scalar kernel’s losses; the choice follows the adapter and p', async () => {
    const methods: LearningMethod[] = [sparseArm(2, 'random'), sparseArm(5, 'random', 3), { kind: 'full' }];
    await expectSameRuns(
      methods,
      [
        { sparseKernel: 'vec4', label: 'vec4' },
        { sparseKernel: 'scalar', label: 'scalar' },
      ],
      (runs) => expect(runs.map((b) => b.sparseTransport.shader)).toEqual(['sparseTransportVec4', 'sparseTransport']),
    );
    expect(chooseSparseTransport(true, { p: 80 }).shader).toBe('sparseTransport');
    expect(chooseSparseTransport(false, { p: 80 }).shader).toBe('sparseTransportVec4');
    expect(chooseSparseTransport(false, { p: 70 })).toEqual({
      shader: 'sparseTransport',
      reason: "sparse transport: scalar, barrier-free (p = 70 is not a multiple of 4, so P's rows do not start on a vec4)",
    });
    expect(chooseSparseTransport(true, { p: 80 }).reason).toMatch(/software adapter/);
  });
});

describe('sparse lanes on the masked dense tile vs the CPU engine (Dawn)', () => {
  it('P_out = (1-α)P + (D W ⊙ Ω) P + the immediate term for k = 9, 20 (rescaled) and 68 beside a full lane; k = 0 stays gathered', async () => {
    // n = 68: three 32-row blocks and three 32-source blocks of the tile; k = 9 (n/8 rounded up), 20 with the rescale n/k, 68 (every source)
    const lanes: LearningMethod[] = [
      sparseArm(0, 'random'),
      sparseArm(9, 'random'),
      sparseArm(20, 'random', 0, true),
      sparseArm(68, 'random'),
      { kind: 'full' },
    ];
    await expectTransportStep({ n: 68, m: 1, o: 1, leak: 0.6 }, lanes, { sparseRoute: 'dense', label: 'masked dense' }, 81, (batch) => {
      expect(batch.sparseTransport.denseFromK).toBe(1);
      // lanes 1..3 are the masked range, just before the full lane (LANE_RANGES); k = 0 is the sparse range's one lane
      expect(lanes.map((_, a) => batch.laneIndex(a))).toEqual([0, 1, 2, 3, 4]);
    });
  });

  it('a whole run (a reset, a refreshed selection, the rescale) gives the gathered run’s losses; the route follows the adapter and n', async () => {
    const methods: LearningMethod[] = [sparseArm(2, 'random'), sparseArm(5, 'random', 4), sparseArm(3, 'top-k', 0, true), { kind: 'full' }];
    await expectSameRuns(
      methods,
      [
        { sparseRoute: 'dense', label: 'dense' },
        { sparseRoute: 'gather', label: 'gather' },
      ],
      (runs) => expect(runs.map((b) => b.sparseTransport.denseFromK)).toEqual([1, Infinity]),
    );
    expect(chooseDenseRoute(true, { n: 256 }).denseFromK).toBe(Infinity);
    expect(chooseDenseRoute(false, { n: 256 })).toEqual({
      denseFromK: 32,
      routeReason: 'sparse lanes: gathered for k < 32, the masked dense tile from k = 32 (n/8) on',
    });
    expect(chooseDenseRoute(false, { n: 20 }).denseFromK).toBe(3);
    expect(chooseDenseRoute(false, { n: 256 }, 'gather').denseFromK).toBe(Infinity);
  });
});
