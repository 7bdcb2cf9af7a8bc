/**
 * The transformer's readout-only arm: only the output head (W_r, b_r) adapts, from the same head gradient
 * the dense arm computes; recovery beyond the readout per seed and over seeds, with the undefined rule
 * worded for the dense arm; the table, the JSON and the CLI.
 */
import { describe, expect, it } from 'vitest';
import { formatTransformerTable, transformerToJson } from '../src/cli/report';
import { summarizeTransformer, type TransformerJob } from '../src/cli/transformerExperiment';
import type { ArmSeedResult } from '../src/engine/experiment';
import {
  defaultTransformerConfig,
  headArm,
  initTransformer,
  TransformerLearner,
  transformerArmCost,
  TransformerWorkspace,
  type TransformerSeedResult,
  type TransformerShape,
} from '../src/engine/models/transformer';
import { Rng } from '../src/engine/rng';
import { allocateSequence, type Sequence } from '../src/engine/tasks/task';
import { centralDifferences } from './helpers/gradients';
import { runExperimentCli } from './helpers/runCli';

const TINY: TransformerShape = { inputSize: 2, outputSize: 2, dModel: 8, heads: 4, layers: 2, context: 6, positions: 'learned', finalNorm: true };

function randomStream(shape: TransformerShape, T: number, seed: number): Sequence {
  const rng = new Rng(seed);
  const seq = allocateSequence(T, shape.inputSize, shape.outputSize);
  for (let i = 0; i < seq.x.length; i++) seq.x[i] = rng.normal();
  for (let i = 0; i < seq.y.length; i++) seq.y[i] = rng.normal();
  // a reset inside the stream and a step without an error signal
  seq.reset[9] = 1;
  seq.errorMask.fill(1);
  seq.errorMask[4] = 0;
  return seq;
}

describe('transformer readout arm', () => {
  const P = initTransformer(TINY, new Rng(31), 'f32');
  const { wr, br } = P.layout;
  const headEnd = br + TINY.outputSize;

  it('leaves every parameter below the head bit-identical over many steps while the head moves', () => {
    const seq = randomStream(TINY, 60, 5);
    const l = new TransformerLearner(P, { kind: 'readout' }, { optimizer: { kind: 'adam', lr: 1e-2, clipNorm: 1 }, selectionRng: new Rng(1) });
    expect(l.label).toBe('readout');
    expect(l.transport).toBeNull();
    for (let t = 0; t < seq.length; t++) expect(Number.isFinite(l.step(seq, t))).toBe(true);
    expect(l.updates).toBe(59);
    expect(l.divergedAt).toBe(-1);
    expect(Array.from(l.params.theta.subarray(0, wr))).toEqual(Array.from(P.theta.subarray(0, wr)));
    let moved = 0;
    for (let i = wr; i < headEnd; i++) if (l.params.theta[i] !== P.theta[i]) moved++;
    expect(moved).toBe(headEnd - wr);
  });

  it("its head gradient is the dense arm's, bit for bit, on every step from the same weights", () => {
    const seq = randomStream(TINY, 20, 6);
    const options = { optimizer: { kind: 'adam' as const, lr: 1e-2, clipNorm: 1 }, selectionRng: new Rng(2), frozenParams: true };
    const readout = new TransformerLearner(P, { kind: 'readout' }, options);
    const dense = new TransformerLearner(P, headArm(1), options);
    for (let t = 0; t < seq.length; t++) {
      expect(readout.step(seq, t)).toBe(dense.step(seq, t));
      if (seq.errorMask[t] !== 1) continue;
      expect(Array.from(readout.headGrad)).toEqual(Array.from(dense.grad.subarray(wr, headEnd)));
      expect(readout.headGrad.some((g) => g !== 0)).toBe(true);
      // nothing below the head was computed
      expect(readout.grad.subarray(0, wr).every((g) => g === 0)).toBe(true);
    }
  });

  it('the head gradient matches central finite differences (f64)', () => {
    const P64 = initTransformer(TINY, new Rng(32), 'f64');
    const seq = randomStream(TINY, TINY.context, 7);
    const ws = new TransformerWorkspace(TINY, 'f64');
    const T = TINY.context;
    const loss = () => {
      ws.run(P64, seq.x, 0, T, null, 0, T - 1);
      return ws.windowLoss({ y: seq.y, yOff: 0, mask: null, maskOff: 0 });
    };
    loss();
    const grad = new Float64Array(P64.theta.length);
    ws.headBackward(P64, { y: seq.y, yOff: 0, mask: null, maskOff: 0 }, 1, grad);
    const fd = centralDifferences(P64.theta, loss, 1e-6, wr, headEnd);
    for (let i = wr; i < headEnd; i++) expect(grad[i]).toBeCloseTo(fd[i], 7);
  });

  it('clips over the head gradient alone (SGD: the step is lr · clip along the head gradient)', () => {
    const seq = randomStream(TINY, 3, 8);
    const clip = 1e-3;
    const lr = 0.1;
    const probe = new TransformerLearner(P, { kind: 'readout' }, { optimizer: { kind: 'sgd', lr, clipNorm: 0 }, selectionRng: new Rng(3), frozenParams: true });
    const l = new TransformerLearner(P, { kind: 'readout' }, { optimizer: { kind: 'sgd', lr, clipNorm: clip }, selectionRng: new Rng(3) });
    for (let t = 0; t < 3; t++) {
      const before = l.params.theta.slice(wr, headEnd);
      probe.params.theta.set(l.params.theta);
      probe.step(seq, t);
      l.step(seq, t);
      const g = probe.headGrad;
      let sq = 0;
      for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
      const norm = Math.sqrt(sq);
      expect(norm).toBeGreaterThan(clip);
      for (let i = 0; i < g.length; i++) expect(before[i] - l.params.theta[wr + i]).toBeCloseTo((lr * clip * g[i]) / norm, 7);
    }
  });

  it('costs the forward plus the head: above frozen, far below ρ = 0', () => {
    const shape: TransformerShape = { ...TINY, dModel: 32, heads: 4, layers: 1, context: 32, inputSize: 1, outputSize: 1 };
    const frozen = transformerArmCost(shape, { kind: 'frozen' });
    const readout = transformerArmCost(shape, { kind: 'readout' });
    const rho0 = transformerArmCost(shape, headArm(0));
    expect(readout.forwardMacs).toBe(frozen.forwardMacs);
    expect(readout.backwardMacs).toBe(32 + 1);
    expect(readout.macs).toBe(frozen.macs + 33 + 5 * 33);
    expect(readout.macs).toBeLessThan(rho0.macs);
    expect(readout.bytes).toBeLessThan(rho0.bytes);
  });
});

describe('transformer recovery beyond the readout over seeds', () => {
  const config = { ...defaultTransformerConfig(), headFractions: [1, 0.5] };
  const job: TransformerJob = { config, seeds: [1, 2, 3] };
  const row = (label: string, meanLoss: number, frozen: number, readout: number, dense: number): ArmSeedResult => ({
    label,
    meanLoss,
    recovery: ((frozen - meanLoss) / (frozen - dense)) * 100,
    recoveryBeyondReadout: ((readout - meanLoss) / (readout - dense)) * 100,
    divergedAt: -1,
    msPerStep: 1,
  });
  const seed = (s: number, readout: number, dense: number, half: number): TransformerSeedResult => {
    const frozen = 1;
    const cost = { macs: 1, bytes: 1, forwardMacs: 1, backwardMacs: 0 };
    return {
      seed: s,
      paramCount: 10,
      pretrainLoss: [1],
      arms: [
        row('frozen', frozen, frozen, readout, dense),
        row('readout', readout, frozen, readout, dense),
        row('dense', dense, frozen, readout, dense),
        row('rho=0.5', half, frozen, readout, dense),
      ],
      losses: [],
      costs: [cost, cost, cost, cost],
      meanHeadNorm: [],
    };
  };

  it('defined when the dense arm clearly beats readout-only: statistics per arm, table and JSON', () => {
    const r = summarizeTransformer(job, [seed(1, 0.8, 0.4, 0.5), seed(2, 0.82, 0.42, 0.5), seed(3, 0.79, 0.41, 0.52)], 'sine');
    expect(r.transportGain).not.toBeNull();
    expect(r.transportGain!.undefinedReason).toBeNull();
    expect(r.transportGain!.improvement.mean).toBeCloseTo((0.4 / 0.8 + 0.4 / 0.82 + 0.38 / 0.79) / 3, 12);
    const at = (label: string) => r.arms.find((a) => a.label === label)!;
    expect(at('readout').recoveryBeyondReadout.mean).toBe(0);
    expect(at('dense').recoveryBeyondReadout.mean).toBe(100);
    expect(at('rho=0.5').recoveryBeyondReadout.ci95).toHaveLength(2);
    for (const a of r.arms) expect(a.recoveryBeyondReadoutUndefined).toBeNull();
    const table = formatTransformerTable(r);
    expect(table).toContain('beyond readout %');
    expect(table).toMatch(/transport: the dense arm improved on readout-only by \d+\.\d %/);
    const json = transformerToJson(r) as {
      transportGain: { minImprovement: number };
      arms: { label: string; recoveryBeyondReadout: unknown; recoveryBeyondReadoutUndefined: string | null }[];
    };
    expect(json.transportGain.minImprovement).toBe(0.05);
    for (const a of json.arms) {
      if (a.label === 'frozen') expect(a.recoveryBeyondReadout).toBeNull();
      else expect(a.recoveryBeyondReadout).not.toBeNull();
    }
  });

  it('undefined when readout-only adapts about as well as dense, worded for the dense arm', () => {
    const r = summarizeTransformer(job, [seed(1, 0.41, 0.4, 0.5), seed(2, 0.42, 0.41, 0.5), seed(3, 0.4, 0.4, 0.52)], 'sine');
    const reason = r.transportGain!.undefinedReason!;
    expect(reason).toMatch(/^the task does not need transport: the dense arm improved on readout-only by/);
    expect(reason).not.toMatch(/full RTRL/);
    for (const a of r.arms) expect(a.recoveryBeyondReadoutUndefined).toBe(reason);
    expect(formatTransformerTable(r)).toContain(`recovery beyond the readout is undefined: ${reason}`);
    const json = transformerToJson(r) as { arms: { recoveryBeyondReadout: unknown; recoveryBeyondReadoutUndefined: string }[] };
    for (const a of json.arms) {
      expect(a.recoveryBeyondReadout).toBeNull();
      expect(a.recoveryBeyondReadoutUndefined.length).toBeGreaterThan(0);
    }
  });
});

describe('experiment CLI --model transformer: the readout arm', () => {
  const run = runExperimentCli(['--model', 'transformer', '--head-fraction', '1,0.5', '--seeds', '2', '--pretrain', '30', '--adapt', '20', '--json'], 120_000);

  it('runs readout right after frozen, with recoveryBeyondReadout (or its reason) on every arm', async () => {
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.arms.map((a: { label: string }) => a.label)).toEqual(['frozen', 'readout', 'dense', 'rho=0.5']);
    expect(json.transportGain.improvement.count).toBe(2);
    for (const a of json.arms) {
      expect(a).toHaveProperty('recoveryBeyondReadout');
      if (a.recoveryBeyondReadout === null) expect(a.recoveryBeyondReadoutUndefined).toMatch(/readout|transport/);
      else expect(a.recoveryBeyondReadout.count).toBe(2);
    }
    const at = (label: string) => json.arms.find((a: { label: string }) => a.label === label);
    // the readout arm costs a forward and a head: barely more than frozen, far less than any backward
    expect(at('readout').macsPerStep).toBeGreaterThan(at('frozen').macsPerStep);
    expect(at('readout').macsPerStep).toBeLessThan(at('rho=0.5').macsPerStep / 2);
    for (const s of json.perSeed) expect(s.arms[1].label).toBe('readout');
  });
});
