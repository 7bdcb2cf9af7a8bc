/**
 * The transformer (docs/transformer.md): the dense gradient against central finite
 * differences in float64, each head-sparse rule against finite differences of the same model with the
 * stop-gradient made real (the non-selected heads' outputs, or inputs, frozen as constants), ρ = 1
 * bit-identical to dense, the forward pass independent of ρ, the head selection, the protocol, and the
 * one-line errors for bad options.
 */
import { describe, expect, it } from 'vitest';
import {
  cloneTransformer,
  headArm,
  HeadTransport,
  initTransformer,
  runTransformerSeed,
  selectHeads,
  TransformerLearner,
  TransformerSeedRun,
  TransformerWorkspace,
  defaultTransformerConfig,
  transformerArmCost,
  transformerArms,
  validateTransformerConfig,
  validateTransformerShape,
  type TransformerExperimentConfig,
  type TransformerParams,
  type TransformerShape,
} from '../src/engine/models/transformer';
import { Rng, seededStreams } from '../src/engine/rng';
import { createTask } from '../src/engine/tasks';
import { allocateSequence, type Sequence } from '../src/engine/tasks/task';
import { centralDifferences } from './helpers/gradients';

const TINY: TransformerShape = { inputSize: 2, outputSize: 2, dModel: 8, heads: 4, layers: 2, context: 6, positions: 'learned', finalNorm: true };

/** A window of T positions with random inputs and targets; `resetAt` starts a new segment inside it. */
function randomWindow(shape: TransformerShape, T: number, seed: number, resetAt = -1): Sequence {
  const rng = new Rng(seed);
  const seq = allocateSequence(T, shape.inputSize, shape.outputSize);
  for (let i = 0; i < seq.x.length; i++) seq.x[i] = rng.normal();
  for (let i = 0; i < seq.y.length; i++) seq.y[i] = rng.normal();
  if (resetAt > 0) seq.reset[resetAt] = 1;
  return seq;
}

/** Loss of the window under params (the workspace's frozen* settings apply). */
function lossOf(ws: TransformerWorkspace, P: TransformerParams, seq: Sequence, T: number, lossFrom: number): number {
  ws.run(P, seq.x, 0, T, seq.reset, 0, lossFrom);
  return ws.windowLoss({ y: seq.y, yOff: 0, mask: null, maskOff: 0 });
}

function analytic(P: TransformerParams, seq: Sequence, T: number, lossFrom: number, transport: HeadTransport | null): Float64Array {
  const ws = new TransformerWorkspace(P.shape, 'f64');
  const grad = new Float64Array(P.theta.length);
  ws.run(P, seq.x, 0, T, seq.reset, 0, lossFrom);
  ws.backward(P, { y: seq.y, yOff: 0, mask: null, maskOff: 0 }, 1, grad, transport);
  return grad;
}

/** Central differences, h = 1e-5, of every parameter. */
function finiteDifferences(ws: TransformerWorkspace, P: TransformerParams, seq: Sequence, T: number, lossFrom: number): Float64Array {
  return centralDifferences(P.theta, () => lossOf(ws, P, seq, T, lossFrom), 1e-5);
}

/**
 * Tolerance: in float64 with h = 1e-5 the central difference's truncation error is ~h²·|f'''| ≈ 1e-10 and
 * its rounding error ~ε·|L|/h ≈ 1e-11 for losses of order 1; a wrong term in the backward is at least of
 * the size of the gradients (1e-3..1). 1e-7 relative to the largest gradient separates the two by orders of
 * magnitude on both sides.
 */
function expectClose(a: Float64Array, fd: Float64Array): void {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(fd[i]));
    err = Math.max(err, Math.abs(a[i] - fd[i]));
  }
  expect(scale).toBeGreaterThan(1e-3);
  expect(err).toBeLessThan(1e-7 * Math.max(1, scale));
}

const SELECTED = Uint8Array.from([1, 0, 0, 1, /* layer 1 */ 0, 1, 0, 0]);

function complement(sel: Uint8Array): Uint8Array {
  return sel.map((s) => 1 - s);
}

describe('transformer gradient (float64, finite differences)', () => {
  const cases: Array<{ name: string; shape: TransformerShape; T: number; lossFrom: number; resetAt: number }> = [
    { name: 'online: loss at the newest position', shape: TINY, T: 6, lossFrom: 5, resetAt: -1 },
    { name: 'pretraining: loss at every position, a reset inside the window', shape: TINY, T: 6, lossFrom: 0, resetAt: 3 },
    {
      name: 'sinusoidal positions, no final norm, one layer, window not full',
      shape: { ...TINY, positions: 'sinusoidal', finalNorm: false, layers: 1 },
      T: 4,
      lossFrom: 3,
      resetAt: -1,
    },
  ];
  for (const c of cases) {
    it(`dense backward = finite differences (${c.name})`, () => {
      const P = initTransformer(c.shape, new Rng(11), 'f64');
      const seq = randomWindow(c.shape, c.T, 5, c.resetAt);
      const ws = new TransformerWorkspace(c.shape, 'f64');
      expectClose(analytic(P, seq, c.T, c.lossFrom, null), finiteDifferences(ws, P, seq, c.T, c.lossFrom));
    });
  }

  for (const lossFrom of [5, 0]) {
    it(`head-sparse backward = finite differences with sg(o^h) of the other heads (lossFrom ${lossFrom})`, () => {
      const P = initTransformer(TINY, new Rng(12), 'f64');
      const seq = randomWindow(TINY, 6, 6, lossFrom === 0 ? 2 : -1);
      const transport = new HeadTransport(2, 4);
      transport.selected.set(SELECTED);
      const g = analytic(P, seq, 6, lossFrom, transport);
      // the stop-gradient made real: the other heads' outputs become constants with today's values
      const ws = new TransformerWorkspace(TINY, 'f64');
      ws.run(P, seq.x, 0, 6, seq.reset, 0, lossFrom);
      ws.frozenOut = ws.o.map((o) => o.slice());
      ws.frozenOutMask = complement(SELECTED);
      const fd = finiteDifferences(ws, P, seq, 6, lossFrom);
      expectClose(g, fd);
      // and the rule differs from dense, so the check above could fail
      const dense = analytic(P, seq, 6, lossFrom, null);
      let diff = 0;
      for (let i = 0; i < g.length; i++) diff = Math.max(diff, Math.abs(g[i] - dense[i]));
      expect(diff).toBeGreaterThan(1e-4);
    });
  }

  it('qkvLocal: heads outside S train their own Q/K/V from a constant input, Head_h(sg(a))', () => {
    const P = initTransformer(TINY, new Rng(13), 'f64');
    const seq = randomWindow(TINY, 6, 7);
    const transport = new HeadTransport(2, 4, { qkvLocal: true });
    transport.selected.set(SELECTED);
    const g = analytic(P, seq, 6, 5, transport);
    const ws = new TransformerWorkspace(TINY, 'f64');
    ws.run(P, seq.x, 0, 6, seq.reset, 0, 5);
    ws.frozenIn = ws.a.map((a) => a.slice());
    ws.frozenInMask = complement(SELECTED);
    expectClose(g, finiteDifferences(ws, P, seq, 6, 5));
  });

  it('woLocal off: W_O^h of heads outside S gets exactly zero, the rest as with it on', () => {
    const P = initTransformer(TINY, new Rng(14), 'f64');
    const seq = randomWindow(TINY, 6, 8);
    const on = new HeadTransport(2, 4, { woLocal: true });
    const off = new HeadTransport(2, 4, { woLocal: false });
    on.selected.set(SELECTED);
    off.selected.set(SELECTED);
    const gOn = analytic(P, seq, 6, 5, on);
    const gOff = analytic(P, seq, 6, 5, off);
    const d = TINY.dModel;
    const dh = d / TINY.heads;
    let zeroedNonZeroBefore = 0;
    for (let i = 0; i < gOn.length; i++) {
      let inWoOfUnselected = false;
      for (let l = 0; l < 2; l++) {
        const wo = P.layout.layers[l].wo;
        if (i >= wo && i < wo + d * d) {
          const head = Math.floor(((i - wo) % d) / dh);
          inWoOfUnselected = SELECTED[l * 4 + head] === 0;
        }
      }
      if (inWoOfUnselected) {
        expect(gOff[i]).toBe(0);
        if (gOn[i] !== 0) zeroedNonZeroBefore++;
      } else {
        expect(gOff[i]).toBe(gOn[i]);
      }
    }
    expect(zeroedNonZeroBefore).toBeGreaterThan(0);
  });
});

describe('head-sparse transport', () => {
  it('ρ = 1 through the masked path is bit-identical to the dense backward', () => {
    const P = initTransformer(TINY, new Rng(15), 'f64');
    const seq = randomWindow(TINY, 6, 9, 2);
    const all = new HeadTransport(2, 4, { measureNorms: true });
    expect(analytic(P, seq, 6, 0, all)).toEqual(analytic(P, seq, 6, 0, null));
  });

  it('ρ = 1 arms of every strategy train bit-identically to each other (float32, 30 steps)', () => {
    const shape: TransformerShape = { ...TINY, context: 8 };
    const P = initTransformer(shape, new Rng(16), 'f32');
    const seq = randomWindow(shape, 30, 10);
    const opt = { kind: 'adam' as const, lr: 1e-2, clipNorm: 1 };
    const arms = [
      headArm(1),
      headArm(1, { strategy: 'top', refreshEvery: 1 }),
      headArm(1, { strategy: 'bottom' }),
      headArm(1, { strategy: 'random', refreshEvery: 3 }),
    ];
    const learners = arms.map((arm, i) => new TransformerLearner(P, arm, { optimizer: opt, selectionRng: new Rng(i), trackHeads: i === 1 }));
    for (let t = 0; t < 30; t++) for (const l of learners) l.step(seq, t);
    for (const l of learners.slice(1)) expect(l.params.theta).toEqual(learners[0].params.theta);
    expect(learners[0].params.theta).not.toEqual(P.theta);
  });

  it('the forward pass does not depend on ρ or the strategy', () => {
    const P = initTransformer(TINY, new Rng(17), 'f32');
    const seq = randomWindow(TINY, 12, 11);
    const opt = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };
    const arms = [headArm(1), headArm(0.5), headArm(0.25, { strategy: 'top' }), headArm(0), { kind: 'frozen' as const }];
    const learners = arms.map((arm, i) => new TransformerLearner(P, arm, { optimizer: opt, selectionRng: new Rng(i), frozenParams: true }));
    for (let t = 0; t < 12; t++) {
      const losses = learners.map((l) => l.step(seq, t));
      for (const loss of losses) expect(loss).toBe(losses[0]);
      for (const l of learners) expect(l.workspace.yhat).toEqual(learners[0].workspace.yhat);
    }
  });

  it("every strategy selects round(ρ·H) heads per layer; top and bottom by this step's norm", () => {
    for (const H of [4, 8]) {
      for (const rho of [0, 0.25, 0.33, 0.5, 1]) {
        for (const strategy of ['random', 'top', 'bottom'] as const) {
          const shape: TransformerShape = { ...TINY, dModel: 16, heads: H, context: 5 };
          const P = initTransformer(shape, new Rng(18), 'f32');
          const seq = randomWindow(shape, 5, 12);
          const l = new TransformerLearner(P, headArm(rho, { strategy, refreshEvery: strategy === 'random' ? 0 : 1 }), {
            optimizer: { kind: 'sgd', lr: 1e-2, clipNorm: 0 },
            selectionRng: new Rng(3),
            trackHeads: true,
          });
          for (let t = 0; t < 3; t++) l.step(seq, t);
          const sel = l.transport!.selected;
          const norms = l.transport!.norms;
          for (let ly = 0; ly < shape.layers; ly++) {
            const row = Array.from(sel.subarray(ly * H, ly * H + H));
            expect(row.reduce((a, b) => a + b, 0)).toBe(Math.round(rho * H));
            if (strategy === 'random' || rho === 0 || rho === 1) continue;
            const kept = row.map((s, h) => (s ? norms[ly * H + h] : NaN)).filter(Number.isFinite);
            const dropped = row.map((s, h) => (s ? NaN : norms[ly * H + h])).filter(Number.isFinite);
            if (strategy === 'top') expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...dropped));
            else expect(Math.max(...kept)).toBeLessThanOrEqual(Math.min(...dropped));
          }
        }
      }
    }
  });

  it('selectHeads breaks ties by index and redraws on schedule', () => {
    const sel = new Uint8Array(4);
    const norms = Float64Array.from([1, 2, 2, 0]);
    selectHeads('top', 0, 4, 2, norms, new Rng(1), sel, new Int32Array(4), new Int32Array(4));
    expect(Array.from(sel)).toEqual([0, 1, 1, 0]);
    selectHeads('bottom', 0, 4, 2, norms, new Rng(1), sel, new Int32Array(4), new Int32Array(4));
    expect(Array.from(sel)).toEqual([1, 0, 0, 1]);
    const P = initTransformer(TINY, new Rng(19), 'f32');
    const seq = randomWindow(TINY, 20, 13);
    const l = new TransformerLearner(P, headArm(0.5, { refreshEvery: 5 }), { optimizer: { kind: 'sgd', lr: 1e-3, clipNorm: 0 }, selectionRng: new Rng(4) });
    for (let t = 0; t < 20; t++) l.step(seq, t);
    expect(l.selectionsMade).toBe(4);
    const fixed = new TransformerLearner(P, headArm(0.5), { optimizer: { kind: 'sgd', lr: 1e-3, clipNorm: 0 }, selectionRng: new Rng(4) });
    for (let t = 0; t < 20; t++) fixed.step(seq, t);
    expect(fixed.selectionsMade).toBe(1);
  });

  it('cost falls with ρ and the frozen arm has no backward', () => {
    const shape: TransformerShape = { ...TINY, dModel: 32, heads: 4, layers: 1, context: 32, inputSize: 1, outputSize: 1 };
    const costs = [1, 0.5, 0.25, 0].map((r) => transformerArmCost(shape, headArm(r)).macs);
    for (let i = 1; i < costs.length; i++) expect(costs[i]).toBeLessThan(costs[i - 1]);
    const frozen = transformerArmCost(shape, { kind: 'frozen' });
    expect(frozen.backwardMacs).toBe(0);
    expect(frozen.macs).toBeLessThan(costs[3]);
  });
});

describe('transformer options and protocol', () => {
  it('bad values throw one clear line naming the option', () => {
    expect(() => headArm(1.5)).toThrow(/head-fraction must be a number in \[0, 1\], got 1.5/);
    expect(() => headArm(-0.1)).toThrow(/head-fraction/);
    expect(() => validateTransformerShape({ ...TINY, dModel: 32, heads: 3 })).toThrow(/heads must divide d-model \(32\), got 3/);
    expect(() => validateTransformerShape({ ...TINY, context: 0 })).toThrow(/context .*at least 1/);
    const c = defaultTransformerConfig();
    expect(() => validateTransformerConfig({ ...c, headFractions: [0.5, 2] })).toThrow(/head-fraction/);
    expect(() => validateTransformerConfig({ ...c, heads: 5 })).toThrow(/heads must divide/);
    expect(() => validateTransformerConfig({ ...c, context: 0 })).toThrow(/context/);
    expect(() => new TransformerSeedRun({ ...c, context: -3 }, 1)).toThrow(/context/);
  });

  it('the arms are frozen, readout, dense, then the other fractions', () => {
    const c = { ...defaultTransformerConfig(), headFractions: [0.5, 1, 0.25, 0.5, 0] };
    expect(transformerArms(c).map((a) => (a.kind === 'heads' ? a.fraction : a.kind))).toEqual(['frozen', 'readout', 1, 0.5, 0.25, 0]);
  });

  const small: TransformerExperimentConfig = {
    ...defaultTransformerConfig(),
    dModel: 8,
    heads: 4,
    context: 8,
    headFractions: [0.5, 0],
    pretrain: { steps: 20, batch: 2, lr: 3e-3, clipNorm: 1, dataSteps: 300 },
    adaptSteps: 40,
    trackHeads: true,
  };

  it("one seed: rows like the RNN's, dense recovers 100 %, frozen 0 %, deterministic per seed", () => {
    const infos: number[] = [];
    const r = runTransformerSeed(small, 3, (run, t) => {
      if (t === 10) {
        const info = run.headInfo(3); // rho=0.5
        infos.push(...info.carrying);
        // each head's attention over the window sums to 1
        for (let h = 0; h < 4; h++) expect(info.attention.subarray(h * 8, h * 8 + 8).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
    });
    expect(r.arms.map((a) => a.label)).toEqual(['frozen', 'readout', 'dense', 'rho=0.5', 'rho=0']);
    expect(Math.abs(r.arms[0].recovery)).toBe(0);
    expect(r.arms[2].recovery).toBe(100);
    // beyond the readout: readout-only is 0 %, dense 100 %
    expect(Math.abs(r.arms[1].recoveryBeyondReadout)).toBe(0);
    expect(r.arms[2].recoveryBeyondReadout).toBe(100);
    for (const a of r.arms) expect(Number.isFinite(a.recoveryBeyondReadout)).toBe(true);
    expect(infos.reduce((a, b) => a + b, 0)).toBe(2);
    for (const a of r.arms) {
      expect(Number.isFinite(a.meanLoss)).toBe(true);
      expect(a.divergedAt).toBe(-1);
      expect(a.msPerStep).toBeGreaterThan(0);
    }
    expect(r.losses[0].length).toBe(40);
    expect(r.meanHeadNorm[2].every(Number.isFinite)).toBe(true);
    expect(r.meanHeadNorm[0].every(Number.isNaN)).toBe(true);
    expect(r.meanHeadNorm[1].every(Number.isNaN)).toBe(true);
    const again = runTransformerSeed(small, 3);
    expect(again.arms.map((a) => a.meanLoss)).toEqual(r.arms.map((a) => a.meanLoss));
    const other = runTransformerSeed(small, 4);
    expect(other.arms[2].meanLoss).not.toBe(r.arms[2].meanLoss);
  });

  it('regime B is the stream the RNN sees for the same seed and regime-A length', () => {
    const run = new TransformerSeedRun({ ...small, task: 'lorenz', pretrain: { ...small.pretrain, steps: 0 } }, 7);
    const streams = seededStreams(7);
    const task = createTask('lorenz', streams.data);
    task.generate('A', 300, streams.data);
    const b = task.generate('B', 40, streams.data);
    expect(run.stream.x).toEqual(b.x);
    expect(run.stream.y).toEqual(b.y);
  });

  for (const targets of ['all', 'newest'] as const) {
    it(`pretraining (targets ${targets}) lowers the regime-A loss`, () => {
      const run = new TransformerSeedRun({ ...small, pretrain: { steps: 200, batch: 4, lr: 3e-3, clipNorm: 1, dataSteps: 400, targets } }, 2);
      const first = run.pretrainLoss[0];
      const last = run.pretrainLoss[run.pretrainLoss.length - 1];
      expect(run.pretrainLoss.length).toBe(20);
      expect(last).toBeLessThan(first / 2);
    });
  }

  it('a cloned model trains without touching the original', () => {
    const P = initTransformer(TINY, new Rng(20), 'f32');
    const copy = cloneTransformer(P);
    const l = new TransformerLearner(P, headArm(1), { optimizer: { kind: 'adam', lr: 1e-2, clipNorm: 0 }, selectionRng: new Rng(1) });
    const seq = randomWindow(TINY, 5, 14);
    for (let t = 0; t < 5; t++) l.step(seq, t);
    expect(P.theta).toEqual(copy.theta);
  });
});
