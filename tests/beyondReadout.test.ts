/**
 * What the transport adds beyond the readout: the readout-only arm, recovery beyond the readout and its
 * undefined rule (hand-made losses), the recovery map's plan and grid, the cost-quality frontier, and the
 * CLI's --arms readout, --delay, --length, --map and --frontier (tiny runs, and every bad input).
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, sparseArm, type ExperimentConfig } from '../src/engine/config';
import { summarize, type ExperimentResult, type SeedResult } from '../src/engine/experiment';
import { frontierArms, frontierKs, frontierOf, taskMemoryDemand } from '../src/engine/frontier';
import { methodLabel } from '../src/engine/methods';
import { armSeedResults } from '../src/engine/protocol/lossWindow';
import { armLearners, prepareSeed } from '../src/engine/protocol/prepareSeed';
import { collectMap, parseMapAxes, planMap } from '../src/engine/recoveryMap';
import { transportGain, seedStatistics, NO_TRANSPORT_NEEDED } from '../src/engine/statistics';
import { itRejectsEach, rejectionCases, runExperimentCli, runExperimentJson } from './helpers/runCli';

function small(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  const d = defaultConfig();
  return {
    ...d,
    n: 6,
    arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, sparseArm(2, 'random')],
    seeds: [1],
    pretrain: { ...d.pretrain, steps: 200, epochs: 2 },
    adaptSteps: 40,
    metricsEvery: 0,
    ...overrides,
  };
}

/** A seed whose arms (config order) had these mean losses. */
function seedWith(seed: number, losses: number[], config: ExperimentConfig): SeedResult {
  const curves = losses.map((l) => Float32Array.from([l]));
  return {
    seed,
    paramCount: 48,
    pretrainLoss: [],
    arms: armSeedResults(
      config,
      curves,
      Uint8Array.from([1]),
      1,
      () => -1,
      () => 0,
    ),
    losses: curves,
    jacobianCondition: [],
    jacobianEffectiveRank: [],
    sensitivityCondition: [],
    sensitivityNorm: config.arms.map(() => []),
    gradientCosine: {},
  };
}

describe('recovery beyond the readout', () => {
  it('per seed: 0 at readout-only, 100 at full, against the same seed; the paper’s recovery beside it', () => {
    const c = small();
    const arms = seedWith(1, [4, 3, 2, 2.5], c).arms;
    expect(arms.map((a) => a.label)).toEqual(['frozen', 'readout', 'full', 'k=2']);
    expect(arms.map((a) => a.recovery)).toEqual([0, 50, 100, 75]);
    expect(arms.map((a) => a.recoveryBeyondReadout)).toEqual([-100, 0, 100, 50]);
  });

  it('without a readout arm it is NaN per seed and undefined over seeds, with the reason', () => {
    const c = small({ arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(2, 'random')] });
    const r = summarize(c, [seedWith(1, [4, 2, 3], c), seedWith(2, [4, 2, 3], c)], 'hand-made');
    expect(r.transportGain).toBeNull();
    expect(r.arms.every((a) => a.recoveryBeyondReadoutUndefined?.includes('no readout-only arm'))).toBe(true);
    expect(r.seeds[0].arms.every((a) => Number.isNaN(a.recoveryBeyondReadout))).toBe(true);
  });

  it('over seeds: defined where full RTRL clearly beats readout-only, with mean, std and CI', () => {
    const c = small({ seeds: [1, 2, 3] });
    const seeds = [seedWith(1, [4, 3, 2, 2.5], c), seedWith(2, [4, 3, 2, 2.75], c), seedWith(3, [4, 3.2, 2, 2.6], c)];
    const r = summarize(c, seeds, 'hand-made');
    expect(r.transportGain?.undefinedReason).toBeNull();
    const k2 = r.arms.find((a) => a.label === 'k=2')!;
    expect(k2.recoveryBeyondReadoutUndefined).toBeNull();
    // float32 curves: 2.6 is not exact
    expect(k2.recoveryBeyondReadout.mean).toBeCloseTo((50 + 25 + 50) / 3, 4);
    expect(k2.recoveryBeyondReadout.count).toBe(3);
    expect(k2.recoveryBeyondReadout.ci95).not.toBeNull();
    // the paper's recovery is still there, against frozen
    expect(k2.recovery.mean).toBeCloseTo((75 + 62.5 + 70) / 3, 4);
  });

  it('undefined when full RTRL’s gain over readout-only is under 5 %: the task does not need transport', () => {
    const c = small({ seeds: [1, 2] });
    // readout-only 2.08, full 2.0: a 3.8 % gain
    const r = summarize(c, [seedWith(1, [4, 2.08, 2, 2.04], c), seedWith(2, [4, 2.08, 2, 2.04], c)], 'hand-made');
    expect(r.transportGain!.undefinedReason).toContain(NO_TRANSPORT_NEEDED);
    expect(r.transportGain!.undefinedReason).toContain('under the 5.0 % needed');
    expect(r.arms.every((a) => a.recoveryBeyondReadoutUndefined === r.transportGain!.undefinedReason)).toBe(true);
    // the paper's recovery stays defined: full RTRL did improve on frozen
    expect(r.arms.every((a) => a.recoveryUndefined === null)).toBe(true);
  });

  it('undefined when the gain’s CI includes 0, even with a mean above 5 %', () => {
    const gain = transportGain([1, 1, 1, 1], [0.5, 1.3, 0.6, 1.2]);
    expect(gain.improvement.mean).toBeGreaterThan(0.05);
    expect(gain.improvement.ci95![0]).toBeLessThanOrEqual(0);
    expect(gain.undefinedReason).toMatch(/does not need transport.*includes 0/);
    expect(transportGain([1, 1, 1], [0.8, 0.82, 0.79]).undefinedReason).toBeNull();
    expect(seedStatistics([NaN]).count).toBe(0);
    expect(transportGain([NaN], [NaN]).undefinedReason).toContain('diverged on every seed');
  });
});

describe('the readout-only arm', () => {
  it('never moves θ; adapts the readout exactly as full RTRL’s first step does', () => {
    const c = small();
    const prepared = prepareSeed(c, 1);
    const [, readout, full] = armLearners(c, prepared);
    expect(readout.label).toBe('readout');
    const theta0 = Float32Array.from(readout.params.theta);
    const v0 = Float32Array.from(readout.params.readout);
    readout.step(prepared.stream, 0);
    full.step(prepared.stream, 0);
    // identical weights and step: the same readout gradient and update (no clipping by default)
    expect(Array.from(readout.params.readout)).toEqual(Array.from(full.params.readout));
    for (let t = 1; t < c.adaptSteps; t++) readout.step(prepared.stream, t);
    expect(Array.from(readout.params.theta)).toEqual(Array.from(theta0));
    expect(Array.from(readout.params.readout)).not.toEqual(Array.from(v0));
    expect(full.params.theta.some((w, i) => w !== theta0[i])).toBe(true);
    expect(readout.sensitivityNorm()).toBeNaN();
  });
});

describe('the recovery map', () => {
  it('parses two axes; k values are arms of one run per value of the other axis', () => {
    const axes = parseMapAxes(['k=0,2,8', 'tau=1,3']);
    const plan = planMap(small({ task: 'delay', n: 4 }), axes);
    expect(plan.runs).toHaveLength(2);
    expect(plan.runs.map((r) => r.config.taskOptions?.delay)).toEqual([
      { A: 4, B: 1 },
      { A: 4, B: 3 },
    ]);
    // k = 8 > n = 4: no arm, no cell
    expect(plan.runs[0].config.arms.map(methodLabel)).toEqual(['frozen', 'readout', 'full', 'k=0', 'k=2']);
    expect(plan.runs[1].cells).toEqual([
      { xi: 0, yi: 1, label: 'k=0' },
      { xi: 1, yi: 1, label: 'k=2' },
    ]);
  });

  it('without a k axis: one run per cell, the given k; strategy as an axis', () => {
    const plan = planMap(small({ n: 8 }), parseMapAxes(['strategy=random,top-k', 'n=4,8']), 2);
    expect(plan.runs).toHaveLength(4);
    expect(plan.runs.map((r) => [r.config.n, r.config.arms.find((a) => a.kind === 'sparse')])).toEqual([
      [4, sparseArm(2, 'random')],
      [8, sparseArm(2, 'random')],
      [4, sparseArm(2, 'top-k')],
      [8, sparseArm(2, 'top-k')],
    ]);
    expect(plan.runs.map((r) => r.cells[0])).toEqual([
      { xi: 0, yi: 0, label: 'k=2' },
      { xi: 0, yi: 1, label: 'k=2' },
      { xi: 1, yi: 0, label: 'k=2' },
      { xi: 1, yi: 1, label: 'k=2' },
    ]);
  });

  it('collects each cell from its run, and says why an empty cell is empty', () => {
    const base = small({ task: 'delay', n: 2, seeds: [1, 2] });
    const plan = planMap(base, parseMapAxes(['k=0,4', 'lr=1e-3,1e-2']));
    const results: ExperimentResult[] = plan.runs.map((run) =>
      summarize(run.config, [seedWith(1, [4, 3, 2, 2.5], run.config), seedWith(2, [4, 3, 2, 2.5], run.config)], 'hand-made'),
    );
    const map = collectMap(plan, results);
    expect(map.cells).toHaveLength(2);
    expect(map.cells[0][0].label).toBe('k=0');
    expect(map.cells[0][0].beyondReadout?.mean).toBe(50);
    expect(map.cells[1][1].label).toBeNull();
    expect(map.cells[1][1].beyondReadoutUndefined).toContain('k > n');
  });

  it('rejects an unknown axis, one value, an empty list, a repeated axis, three axes, and τ off the delay task', () => {
    expect(() => parseMapAxes(['foo=1,2', 'k=1,2'])).toThrow(/unknown axis 'foo'/);
    expect(() => parseMapAxes(['k=1', 'tau=1,2'])).toThrow(/at least two values/);
    expect(() => parseMapAxes(['k=', 'tau=1,2'])).toThrow(/no values/);
    expect(() => parseMapAxes(['k=1,,2', 'tau=1,2'])).toThrow(/empty value/);
    expect(() => parseMapAxes(['k=1,2', 'k=2,4'])).toThrow(/given twice/);
    expect(() => parseMapAxes(['k=1,2', 'tau=1,2', 'n=4,8'])).toThrow(/exactly two axes/);
    expect(() => parseMapAxes(['k=1,2'])).toThrow(/exactly two axes/);
    expect(() => parseMapAxes(['k=1,2', 'tau=0,2'])).toThrow(/tau values must be integers in \[1, 64\]/);
    expect(() => parseMapAxes(['k=1,2', 'strategy=random,best'])).toThrow(/strategy must be one of/);
    expect(() => planMap(small(), parseMapAxes(['k=1,2', 'tau=1,2']))).toThrow(/tau axis needs --task delay/);
  });
});

describe('cost against quality', () => {
  it('the frontier’s arms: readout, k = 0 … n, the baselines, TBPTT with the task’s memory demand', () => {
    expect(frontierKs(8)).toEqual([0, 1, 2, 4, 8]);
    expect(frontierKs(6)).toEqual([0, 1, 2, 4, 6]);
    const c = small({ task: 'delay', taskOptions: { delay: { A: 2, B: 6 } } });
    expect(taskMemoryDemand(c)).toBe(6);
    expect(frontierArms(c).map(methodLabel)).toEqual(['frozen', 'readout', 'full', 'k=0', 'k=1', 'k=2', 'k=4', 'k=6', 'snap1', 'uoro', 'kf', 'tbptt:6']);
    expect(taskMemoryDemand({ task: 'adding', taskOptions: { length: 12 } })).toBe(12);
  });

  it('an arm is on the frontier when no arm that costs no more does better', () => {
    const c = small({ arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, sparseArm(0, 'random'), sparseArm(2, 'random')], seeds: [1, 2] });
    // k=0 does worse than readout-only, which costs less: dominated
    const seeds = [seedWith(1, [4, 3, 2, 3.2, 2.2], c), seedWith(2, [4, 3, 2, 3.1, 2.3], c)];
    const f = frontierOf(summarize(c, seeds, 'hand-made'));
    const on = Object.fromEntries(f.points.map((p) => [p.label, p.onFrontier]));
    expect(on).toEqual({ readout: true, 'k=0': false, 'k=2': true, full: true });
    expect(f.points.map((p) => p.label)).toEqual(['readout', 'k=0', 'k=2', 'full']);
  });
});

describe('the frontier at equal cost', () => {
  it('k = n and full RTRL cost the same: a lead under half a point is a tie, both stay on the frontier', () => {
    const c = small({ arms: [{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }, sparseArm(6, 'random')], seeds: [1, 2] });
    // k = 6 = n beats full by a hair (2e-6 of loss)
    const seeds = [seedWith(1, [4, 3, 2, 1.999998], c), seedWith(2, [4, 3.1, 2, 1.999998], c)];
    const f = frontierOf(summarize(c, seeds, 'hand-made'));
    expect(f.points.find((p) => p.label === 'full')!.macsPerStep).toBe(f.points.find((p) => p.label === 'k=6')!.macsPerStep);
    expect(
      f.points
        .filter((p) => p.onFrontier)
        .map((p) => p.label)
        .sort(),
    ).toEqual(['full', 'k=6', 'readout']);
  });
});

describe('experiment CLI: readout, --delay, --length, --map, --frontier', () => {
  const cli = runExperimentCli;
  const tinyArgs = ['--n', '6', '--seeds', '2', '--pretrain', '100', '--adapt', '30', '--threads', '1', '--json'];
  const sine = cli(['--task', 'sine', '--arms', 'frozen,readout,full,k=0,k=4', ...tinyArgs]);
  const delay = cli(['--task', 'delay', '--delay', '2:6', '--arms', 'frozen,readout,full,k=0,k=4', ...tinyArgs]);
  const adding = cli(['--task', 'adding', '--length', '5', '--arms', 'frozen,readout,full,k=1', ...tinyArgs]);
  const map = cli(['--task', 'delay', '--map', 'k=0,2', 'tau=1,2', ...tinyArgs]);
  const frontier = cli(['--task', 'delay', '--delay', '2:3', '--frontier', ...tinyArgs.slice(2), '--n', '4']);
  const BAD = rejectionCases({
    '--delay': [
      '--task delay --delay 0:6',
      '--task delay --delay 2:65',
      '--task delay --delay 2-6',
      ['--task', 'delay', '--delay', ''],
      '--task sine --delay 2:6',
    ],
    '--length': ['--task adding --length 1', '--task adding --length 10001', '--task adding --length x'],
    '--map': ['--map k=0', '--map k=0,1', '--map foo=1,2 k=0,1', '--map k=0,1 n=4,8 lr=1e-3,1e-2', '--map k= n=4,8', '--map k=0,1 tau=1,2'],
    '--arms': ['--arms frozen,full,readout,readout'],
  });
  const bad = BAD.map(([args]) => cli(args));

  const parse = runExperimentJson;

  it('--task sine: a readout arm, and recoveryBeyondReadout on every arm (null with a reason where undefined)', async () => {
    const j = await parse(sine);
    expect(j.arms.map((a: { label: string }) => a.label)).toEqual(['frozen', 'readout', 'full', 'k=0', 'k=4']);
    for (const a of j.arms) {
      expect(a).toHaveProperty('recoveryBeyondReadout');
      if (a.recoveryBeyondReadout === null) expect(typeof a.recoveryBeyondReadoutUndefined).toBe('string');
      else expect(a.recoveryBeyondReadout.count).toBe(2);
    }
    expect(j.transportGain.improvement.count).toBe(2);
    expect(j.arms[1].recovery === null || Number.isFinite(j.arms[1].recovery.mean)).toBe(true);
  });

  it('--task delay --delay 2:6: the task says τ 2 -> 6', async () => {
    const j = await parse(delay);
    expect(j.task).toContain('τ 2 -> 6');
    expect(j.config.taskOptions).toEqual({ delay: { A: 2, B: 6 } });
    expect(j.arms.every((a: object) => 'recoveryBeyondReadout' in a)).toBe(true);
  });

  it('--task adding --length 5: the constant predictor’s MSE 2/12 beside the arms', async () => {
    const j = await parse(adding);
    expect(j.trivialPredictor.mse).toBeCloseTo(1 / 6, 10);
    expect(j.task).toContain('sequences of 5');
  });

  it('--map: a 2 × 2 grid with a cell per (k, τ)', async () => {
    const j = await parse(map);
    expect(j.kind).toBe('recovery-map');
    expect(j.axes.map((a: { name: string }) => a.name)).toEqual(['k', 'tau']);
    expect(j.cells).toHaveLength(2);
    expect(j.cells[1][1].label).toBe('k=2');
    expect(j.cells[1][1]).toHaveProperty('beyondReadout');
  });

  it('--frontier: every arm with its cost, and at least one on the frontier', async () => {
    const j = await parse(frontier);
    expect(j.kind).toBe('frontier');
    expect(j.points.map((p: { label: string }) => p.label)).toContain('tbptt:3');
    expect(j.points.some((p: { onFrontier: boolean }) => p.onFrontier)).toBe(true);
    const costs = j.points.map((p: { macsPerStep: number }) => p.macsPerStep);
    expect(costs).toEqual([...costs].sort((a: number, b: number) => a - b));
  });

  itRejectsEach(BAD, bad);
});
