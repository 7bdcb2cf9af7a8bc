/** The transformer's live run: it runs, recovery follows the RNN's rule, the heads panel's data, a live head-fraction change. */
import { advanceLive } from './helpers/liveEngine';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, type LabParams } from '../src/app/labParams';
import { liveArms } from '../src/app/worker/liveEngine';
import { TRANSFORMER_LEAD_IN, TransformerLiveRun, transformerLr, type TransformerLiveOptions } from '../src/app/worker/transformerLiveRun';
import { MIN_REFERENCE_IMPROVEMENT } from '../src/engine/statistics';

// small enough for the shared CPUs: d = 16, H = 4, W = 16, a short pretraining
const SMALL: TransformerLiveOptions = { pretrainSteps: 40, pretrainBatch: 4, dModel: 16, heads: 4, layers: 1, context: 16 };

function params(over: Partial<LabParams> = {}): LabParams {
  const p: LabParams = { ...DEFAULT_PARAMS, model: 'transformer', headFraction: 0.5, ...over };
  if (over.lr === undefined) p.lr = transformerLr(p);
  return p;
}

const advance = advanceLive;

describe('TransformerLiveRun', () => {
  it('runs the lead-in, drifts, and steps five arms with finite losses and costs', () => {
    const run = new TransformerLiveRun(params(), SMALL);
    expect(run.arms.map((a) => a.id)).toEqual(['frozen', 'full', 'k0', 'k', 'readout']);
    expect(run.arms[3].label).toBe('ρ = 0.5 (2 of 4 heads)');
    expect(run.backend).toBe('cpu');
    expect(run.pretrainLoss.length).toBeGreaterThan(0);
    const lead = advance(run, TRANSFORMER_LEAD_IN);
    // before the drift every arm shows the same frozen pretrained model
    expect(Array.from(lead[3])).toEqual(Array.from(lead[0]));
    expect(run.recovery()).toEqual([null, null, null, null, null]);
    expect(run.recoveryBeyondReadout()).toEqual([null, null, null, null, null]);
    expect(run.markers).toEqual([{ step: TRANSFORMER_LEAD_IN, label: 'drift' }]);
    const out = advance(run, 60);
    for (const curve of out) for (const v of curve) expect(Number.isFinite(v)).toBe(true);
    expect(run.adaptedSteps).toBe(60);
    const costs = run.costs();
    // frozen runs the forward only; dense does the most work; ρ = 0 lies between
    expect(costs[0].macs).toBeLessThan(costs[2].macs);
    expect(costs[2].macs).toBeLessThan(costs[1].macs);
    // readout-only: the forward pass and the output head's gradient, less than any arm that backpropagates
    expect(costs[4].macs).toBeGreaterThan(costs[0].macs);
    expect(costs[4].macs).toBeLessThan(costs[2].macs);
    expect(liveArms(run)).toHaveLength(5);
  });

  it('recovery is null while dense has not improved on frozen by 5 %, and 0 / 100 for frozen / dense when it has', () => {
    // a learning rate so small that dense cannot move away from frozen
    const still = new TransformerLiveRun(params({ lr: 1e-9 }), SMALL);
    advance(still, TRANSFORMER_LEAD_IN + 200);
    const imp = still.referenceImprovement()!;
    expect(Math.abs(imp)).toBeLessThan(MIN_REFERENCE_IMPROVEMENT);
    expect(still.recovery()).toEqual([null, null, null, null, null]);
    expect(still.recoveryBeyondReadout()).toEqual([null, null, null, null, null]);

    const run = new TransformerLiveRun(params({ lr: 3e-3 }), SMALL);
    advance(run, TRANSFORMER_LEAD_IN + 400);
    expect(run.referenceImprovement()!).toBeGreaterThanOrEqual(MIN_REFERENCE_IMPROVEMENT);
    const r = run.recovery();
    expect(r[0]).toBeCloseTo(0, 9);
    expect(r[1]).toBeCloseTo(100, 9);
    expect(Number.isFinite(r[2]!)).toBe(true);
    expect(Number.isFinite(r[3]!)).toBe(true);
    // beyond the readout: against readout-only (0 %) and dense (100 %)
    const b = run.recoveryBeyondReadout();
    expect(b[4]).toBeCloseTo(0, 9);
    expect(b[1]).toBeCloseTo(100, 9);
  });

  it('the task options reach the transformer’s task', () => {
    const run = new TransformerLiveRun(params({ task: 'delay', delayA: 2, delayB: 6 }), { ...SMALL, pretrainSteps: 0 });
    expect(run.task.description).toContain('τ 2 -> 6');
  });

  it('heads panel: L×H cells, round(ρH) carrying per layer, every head measured, attention a distribution over the window', () => {
    const run = new TransformerLiveRun(params({ headFraction: 0.5 }), { ...SMALL, layers: 2 });
    advance(run, 10);
    const before = run.headPanel();
    expect(before.arm).toBe('pretrained (lead-in)');
    expect(before.carrying.every((c) => c === 0)).toBe(true);
    expect(before.gradNorm.every((g) => g === null)).toBe(true);
    advance(run, TRANSFORMER_LEAD_IN);
    const p = run.headPanel();
    expect(p.layers).toBe(2);
    expect(p.heads).toBe(4);
    expect(p.context).toBe(16);
    expect(p.length).toBe(16);
    expect(p.updated).toBe(true);
    expect(p.carrying).toHaveLength(8);
    expect(p.gradNorm).toHaveLength(8);
    expect(p.attention).toHaveLength(8 * 16);
    for (let l = 0; l < 2; l++) expect(p.carrying.slice(l * 4, l * 4 + 4).reduce((a, b) => a + b, 0)).toBe(2);
    // trackHeads: every head's ‖∂L/∂o^h‖ is measured, carrying or not
    for (const g of p.gradNorm) {
      expect(g).not.toBeNull();
      expect(g!).toBeGreaterThanOrEqual(0);
    }
    for (let i = 0; i < 8; i++) {
      const row = p.attention.subarray(i * 16, i * 16 + 16);
      const sum = row.reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
      for (const v of row) expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it('a head-fraction change leaves a marker, changes the carrying heads and keeps the other arms bit-identical', () => {
    const a = new TransformerLiveRun(params({ headFraction: 0.5 }), SMALL);
    const b = new TransformerLiveRun(params({ headFraction: 0.5 }), SMALL);
    const n1 = TRANSFORMER_LEAD_IN + 50;
    const a1 = advance(a, n1);
    const b1 = advance(b, n1);
    expect(b1.map((c) => Array.from(c))).toEqual(a1.map((c) => Array.from(c)));
    expect(b.headPanel().carrying.reduce((x, y) => x + y, 0)).toBe(2);
    b.setHeadFraction(0.25);
    expect(b.markers.at(-1)).toEqual({ step: n1, label: 'ρ = 0.25' });
    expect(b.arms[3].label).toBe(`ρ = 0.25 (1 of 4 heads) since step ${n1}`);
    expect(b.params.headFraction).toBe(0.25);
    const a2 = advance(a, 80);
    const b2 = advance(b, 80);
    // frozen, dense and ρ = 0 do not notice
    for (let arm = 0; arm < 3; arm++) expect(Array.from(b2[arm])).toEqual(Array.from(a2[arm]));
    // the changed arm: the same weights and window at the change, so its first loss is the same; then it differs
    expect(b2[3][0]).toBe(a2[3][0]);
    expect(Array.from(b2[3])).not.toEqual(Array.from(a2[3]));
    expect(b.headPanel().carrying.reduce((x, y) => x + y, 0)).toBe(1);
    expect(b.headPanel().fraction).toBe(0.25);
  });

  it('ρ with round(ρH) = H duplicates dense, and a fraction outside [0, 1] is refused in one line', () => {
    const run = new TransformerLiveRun(params({ headFraction: 1 }), { ...SMALL, pretrainSteps: 0 });
    expect(run.arms[3].sameAs).toBe('full');
    const out = advance(run, TRANSFORMER_LEAD_IN + 30);
    expect(Array.from(out[3])).toEqual(Array.from(out[1]));
    expect(() => run.setHeadFraction(1.5)).toThrow('head-fraction must be a number in [0, 1], got 1.5');
    expect(() => new TransformerLiveRun(params({ headFraction: -0.1 }), SMALL)).toThrow(/head-fraction/);
  });
});

describe('the head-fraction sweep', () => {
  it('runs the lab settings at ρ = 0, 0.25, 0.5 and dense, with the arm labels the sweep controller reads', async () => {
    const { transformerSweepSpec, transformerSweepSeconds } = await import('../src/app/contract');
    const { transformerSweepConfig } = await import('../src/app/worker/transformerLiveRun');
    const { transformerArms, validateTransformerConfig } = await import('../src/engine/models/transformer/protocol');
    const { headArmLabel } = await import('../src/engine/models/transformer/headSelection');
    const p = params({ task: 'lorenz', seed: 7 });
    const spec = transformerSweepSpec(p);
    expect(spec.fractions).toEqual([0, 0.25, 0.5, 1]);
    expect(spec.seeds).toEqual([7, 8, 9]);
    expect(transformerSweepSeconds(spec)).toBeGreaterThan(0);
    const config = transformerSweepConfig(spec);
    validateTransformerConfig(config);
    expect(config.task).toBe('lorenz');
    expect(config.optimizer.lr).toBe(p.lr);
    const labels = transformerArms(config).map(headArmLabel);
    for (const f of spec.fractions) expect(labels).toContain(f === 1 ? 'dense' : `rho=${f}`);
    expect(labels[0]).toBe('frozen');
  });
});
