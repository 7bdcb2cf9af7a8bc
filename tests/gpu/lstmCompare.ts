/**
 * The LSTM lanes of the GPU engine against the CPU engine's LSTM learner, step by step (shared by
 * lstm.gpu.test.ts in Node and kernels.browser.test.ts in Chromium). Each lane and its CPU twin start from
 * the same weights and running state [h; c] and read the same stream; after every step the GPU's loss,
 * h_t, c_t, P^h_t, P^c_t, gradient [g_θ; g_V, g_c] and updated weights [θ; V, c] are read back and
 * compared with the CPU learner's.
 *
 * Tolerance: |gpu - cpu| <= tol · (1 + |cpu|) with tol = 2e-5 by default. The CPU stores float32 and
 * accumulates in float64 inside its loops; the GPU accumulates in float32, so one step differs by a few
 * float32 ulps of the largest term (~1e-6 here: n = 6, sums of ≤ 30 O(1) terms), and the difference is
 * carried through P and the SGD updates for `steps` steps (observed on SwiftShader over 8 steps: at most 3.2e-7, in P^c). 2e-5 leaves headroom over that without hiding
 * a wrong index or a missing term, which is off by O(1e-2) or more.
 */
import { sparseArm } from '../../src/engine/config';
import { OnlineLearner } from '../../src/engine/learner';
import type { LearningMethod } from '../../src/engine/methods';
import { LstmRtrlEstimator } from '../../src/engine/methods/rtrl';
import { initLstm, LstmModel, type LstmState } from '../../src/engine/models/lstm';
import type { OptimizerConfig } from '../../src/engine/optimizer';
import { Rng } from '../../src/engine/rng';
import { allocateSequence, type Sequence } from '../../src/engine/tasks/task';
import { selectPaths } from '../../src/engine/transportMask';
import { GpuBatch, type GpuContext, type LaneSpec } from '../../src/gpu/batch';
import type { LstmFullTransport } from '../../src/gpu/lstmGpu';

export const LSTM_TOL = 2e-5;

/**
 * The lanes compared (n = 6): frozen, full (lstmDense.wgsl, or the gather with every source), k = 0, k = 2 (random), k = 3 (top-k, rescaled,
 * redrawn every 3 steps) and k = n (the gather kernel with every source; lstmTransport.wgsl).
 */
export const LSTM_METHODS: LearningMethod[] = [
  { kind: 'frozen' },
  { kind: 'full' },
  sparseArm(0, 'random'),
  sparseArm(2, 'random'),
  sparseArm(3, 'top-k', 3, true),
  sparseArm(6, 'random'),
];

export interface LstmCompareResult {
  /** worst |gpu - cpu| / (1 + |cpu|) per quantity over every lane and step */
  worst: Record<string, number>;
  steps: number;
}

function stream(steps: number, m: number, o: number, seed: number): Sequence {
  const seq = allocateSequence(steps, m, o);
  const r = new Rng(seed);
  for (let i = 0; i < seq.x.length; i++) seq.x[i] = r.normal();
  for (let i = 0; i < seq.y.length; i++) seq.y[i] = 0.5 * r.normal();
  for (let t = 0; t < steps; t++) seq.errorMask[t] = t === 1 ? 0 : 1; // one step without an error signal
  seq.reset[4] = 1; // and one reset: h = c = 0, P = 0
  return seq;
}

/**
 * Runs `steps` steps of the LSTM lanes on the GPU and on the CPU and compares them after every step;
 * throws naming the lane, step, quantity and index of the first difference over `tol`.
 */
export async function compareLstmWithCpu(
  ctx: GpuContext,
  {
    n = 6,
    m = 2,
    o = 2,
    steps = 8,
    tol = LSTM_TOL,
    methods = LSTM_METHODS,
    mutate,
    fullTransport = 'auto',
  }: {
    n?: number;
    m?: number;
    o?: number;
    steps?: number;
    tol?: number;
    methods?: LearningMethod[];
    /** changes the GPU lanes after they were built (the tests that must fail) */
    mutate?: (lanes: LaneSpec[]) => void;
    /** the full lanes' kernel (lstmDense.wgsl when 'tiled') */
    fullTransport?: LstmFullTransport;
  } = {},
): Promise<LstmCompareResult> {
  const shape = { n, m, o, leak: 1 };
  const params = initLstm(shape, new Rng(21), 1.2);
  // a less symmetric start than the init's b = (0, 1, 0, 0): every bias and readout entry nonzero
  const r = new Rng(22);
  for (let i = 4 * n * (n + m); i < params.theta.length; i++) params.theta[i] += 0.3 * r.normal();
  for (let i = 0; i < params.readout.length; i++) params.readout[i] += 0.2 * r.normal();
  const seq = stream(steps, m, o, 23);
  const sInit = methods.map(() => Float32Array.from({ length: 2 * n }, () => 0.4 * r.normal()));
  // SGD: the update is linear in g, so a float32 difference in a near-zero gradient entry stays small
  // (Adam's first steps move every entry by ≈ lr·sign(g), whatever its size)
  const optimizer: OptimizerConfig = { kind: 'sgd', lr: 0.05, clipNorm: 0.5 };
  const cpu = methods.map(
    (method, a) => new OnlineLearner(new LstmModel(params, sInit[a]), method, { optimizer, selectionRng: Rng.forLabel(5, `selection ${a}`) }),
  );
  const lanes: LaneSpec[] = methods.map((method, a) => {
    const selectionRng = Rng.forLabel(5, `selection ${a}`);
    let sources: Int32Array | undefined;
    if (method.kind === 'sparse') {
      // the draw PathSelection makes, from the same stream
      sources = new Int32Array(n * method.k);
      selectPaths(method.strategy, new LstmModel(params).pathWeights(), n, method.k, selectionRng, sources);
      if (Array.from(sources).join() !== Array.from(cpu[a].sources).join()) throw new Error(`lane ${a}: initial selection differs from the CPU's`);
    }
    return { method, params, hInit: sInit[a], sources, selectionRng, stream: 0 };
  });
  mutate?.(lanes);
  const batch = await GpuBatch.create(ctx, shape, [seq], lanes, {
    model: 'lstm',
    optimizer,
    readbackEvery: 1,
    timing: false,
    label: 'lstm compare',
    fullTransport,
  });
  const worst: Record<string, number> = {};
  const check = (what: string, lane: number, t: number, got: ArrayLike<number>, want: ArrayLike<number>) => {
    if (got.length !== want.length) throw new Error(`lane ${lane} step ${t} ${what}: ${got.length} entries on the GPU, ${want.length} on the CPU`);
    for (let i = 0; i < want.length; i++) {
      const err = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
      worst[what] = Math.max(worst[what] ?? 0, Number.isNaN(err) ? Infinity : err);
      if (!(err <= tol))
        throw new Error(
          `lane ${lane} (${methods[lane].kind}) step ${t} ${what}[${i}]: GPU ${got[i]}, CPU ${want[i]} (relative ${err.toExponential(2)} > ${tol})`,
        );
    }
  };
  const { p, stride, pFloats } = batch.layout;
  const B = methods.length;
  try {
    for (let t = 0; t < steps; t++) {
      const lossCpu = cpu.map((l) => l.step(seq, t));
      await batch.advance(1);
      const x = (t + 1) % 2;
      const [hc, P, grad, weights] = await Promise.all([batch.read(x ? 'h1' : 'h0'), batch.read(x ? 'P1' : 'P0'), batch.read('grad'), batch.read('params')]);
      cpu.forEach((learner, a) => {
        const i = batch.laneIndex(a);
        check('loss', a, t, [batch.losses[a][t]], [lossCpu[a]]);
        const st = learner.state as LstmState;
        check('h', a, t, hc.subarray(i * n, (i + 1) * n), st.h);
        check('c', a, t, hc.subarray((B + i) * n, (B + i + 1) * n), st.c);
        check('theta', a, t, weights.subarray(i * stride, i * stride + p), learner.params.theta);
        check('readout', a, t, weights.subarray(i * stride + p, (i + 1) * stride), learner.params.readout);
        const est = learner.estimator;
        if (!(est instanceof LstmRtrlEstimator)) return;
        check('Ph', a, t, P.subarray(i * pFloats, (i + 1) * pFloats), est.ph);
        check('Pc', a, t, P.subarray((batch.PL + i) * pFloats, (batch.PL + i + 1) * pFloats), est.pc);
        check('g_theta', a, t, grad.subarray(i * stride, i * stride + p), learner.gradTheta);
        check('g_readout', a, t, grad.subarray(i * stride + p, (i + 1) * stride), learner.gradReadout);
      });
    }
    cpu.forEach((l, a) => {
      if (batch.selectionsDrawn[a] !== l.selectionsDrawn)
        throw new Error(`lane ${a}: ${batch.selectionsDrawn[a]} selections on the GPU, ${l.selectionsDrawn} on the CPU`);
    });
  } finally {
    batch.destroy();
  }
  return { worst, steps };
}
