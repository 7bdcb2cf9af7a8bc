/**
 * The experiment protocol (science.md §6): identical starts, a frozen arm that never moves, recovery of
 * full RTRL = 100 % and frozen = 0 %, determinism, divergence isolated to its arm, and config validation.
 */
import { describe, expect, it } from 'vitest';
import { runToEnd, sameBits, shortConfig } from './helpers/seedRun';
import { ConfigError, defaultConfig, sparseArm, validateConfig, type ExperimentConfig } from '../src/engine/config';
import { runExperiment, SeedRun, summarize } from '../src/engine/experiment';

function smallConfig(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return shortConfig(300, {
    task: 'sine',
    n: 8,
    arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(0, 'random'), sparseArm(2, 'random')],
    seeds: [1, 2],
    adaptSteps: 60,
    metricsEvery: 20,
    ...overrides,
  });
}

function indexOf(config: ExperimentConfig, label: string): number {
  const i = config.arms.findIndex((a) => (a.kind === 'sparse' ? `k=${a.k}` : a.kind) === label);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

describe('every arm starts from the same point', () => {
  it('identical weights and hidden state before the first step', () => {
    const config = smallConfig();
    const run = new SeedRun(config, 1);
    expect(run.learners).toHaveLength(config.arms.length);
    const [first, ...rest] = run.learners;
    // the pretrained weights, not a fresh init, and a running hidden state
    expect(Array.from(first.params.theta)).toEqual(Array.from(run.pretrained.theta));
    expect(Array.from(first.params.readout)).toEqual(Array.from(run.pretrained.readout));
    expect(run.pretrainLoss.length).toBeGreaterThan(0);
    expect(Math.max(...Array.from(first.state.h, Math.abs))).toBeGreaterThan(0);
    for (const l of rest) {
      expect(Array.from(l.params.theta)).toEqual(Array.from(first.params.theta));
      expect(Array.from(l.params.readout)).toEqual(Array.from(first.params.readout));
      expect(Array.from(l.state.h)).toEqual(Array.from(first.state.h));
      // each arm owns its copy: no shared buffers
      expect(l.params.theta).not.toBe(first.params.theta);
      expect(l.state.h).not.toBe(first.state.h);
    }
    // and every arm's first loss is the same (same weights, same state, same stream)
    run.step();
    const l0 = run.losses.map((c) => c[0]);
    for (const v of l0) expect(v).toBe(l0[0]);
  });
});

describe('frozen holds still, the others learn', () => {
  it('frozen parameters never change; every other arm’s do', () => {
    const config = smallConfig();
    const run = new SeedRun(config, 2);
    const theta0 = run.learners.map((l) => Float32Array.from(l.params.theta));
    const readout0 = run.learners.map((l) => Float32Array.from(l.params.readout));
    const frozen = indexOf(config, 'frozen');
    while (!run.done) {
      run.step();
      expect(sameBits(run.learners[frozen].params.theta as Float32Array, theta0[frozen])).toBe(true);
      expect(sameBits(run.learners[frozen].params.readout as Float32Array, readout0[frozen])).toBe(true);
    }
    run.learners.forEach((l, a) => {
      if (a === frozen) return;
      expect(sameBits(l.params.theta as Float32Array, theta0[a]), l.label).toBe(false);
      expect(sameBits(l.params.readout as Float32Array, readout0[a]), l.label).toBe(false);
      expect(l.divergedAt).toBe(-1);
    });
    expect(run.t).toBe(config.adaptSteps);
    for (const c of run.losses) for (const v of c) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('recovery', () => {
  it('full RTRL recovers exactly 100 % and frozen 0 % on every seed', () => {
    const config = smallConfig();
    const r = runExperiment(config);
    const full = indexOf(config, 'full');
    const frozen = indexOf(config, 'frozen');
    expect(r.seeds.map((s) => s.seed)).toEqual([1, 2]);
    for (const s of r.seeds) {
      expect(s.arms[full].recovery).toBe(100);
      expect(s.arms[frozen].recovery === 0).toBe(true); // ±0
      // the ratio is well defined: full and frozen losses really differ
      expect(s.arms[frozen].meanLoss).not.toBe(s.arms[full].meanLoss);
      for (const a of s.arms) expect(Number.isFinite(a.recovery)).toBe(true);
      // metrics sampled at t = 0, 20, 40
      expect(s.jacobianCondition).toHaveLength(3);
      for (const norms of s.sensitivityNorm) expect(norms).toHaveLength(3);
    }
    expect(r.arms[full].recovery.mean).toBe(100);
    expect(r.arms[full].recovery.std).toBe(0);
    expect(r.arms[full].recovery.count).toBe(2);
    expect(r.arms[frozen].recovery.mean === 0).toBe(true);
    expect(r.arms.map((a) => a.label)).toEqual(['frozen', 'full', 'k=0', 'k=2']);
  });
});

describe('determinism', () => {
  it('the same config twice gives bit-identical loss curves; another seed differs', () => {
    const config = smallConfig({ seeds: [3] });
    const a = runExperiment(config);
    const b = runExperiment(config);
    const c = runExperiment(smallConfig({ seeds: [4] }));
    a.seeds[0].losses.forEach((curve, arm) => {
      expect(sameBits(curve, b.seeds[0].losses[arm])).toBe(true);
      expect(sameBits(curve, c.seeds[0].losses[arm])).toBe(false);
    });
    expect(a.seeds[0].pretrainLoss).toEqual(b.seeds[0].pretrainLoss);
    expect(a.seeds[0].arms.map((x) => x.recovery)).toEqual(b.seeds[0].arms.map((x) => x.recovery));
  });
});

describe('divergence stays in its arm', () => {
  // Infinity is the harder case: tanh(±Inf) = ±1 is finite, so the loss stays finite; an arm whose
  // row 0 does not transport from unit 0 never forms 0·Inf in P either. science.md §9 asks for NaN/Inf
  // detection all the same: an arm running on an infinite weight must be marked diverged.
  for (const poison of [NaN, Infinity]) {
    it(`θ[0] = ${poison} in k=2 after 10 steps`, () => {
      const config = smallConfig();
      const clean = runToEnd(new SeedRun(config, 1));
      const hit = new SeedRun(config, 1);
      const victim = indexOf(config, 'k=2');
      const at = 10;
      for (let t = 0; t < at; t++) hit.step();
      hit.learners[victim].params.theta[0] = poison;
      runToEnd(hit);

      const v = hit.learners[victim];
      expect(v.divergedAt).toBeGreaterThanOrEqual(at);
      const curve = hit.losses[victim];
      for (let t = 0; t < at; t++) expect(curve[t]).toBe(clean.losses[victim][t]);
      for (let t = v.divergedAt; t < config.adaptSteps; t++) expect(Number.isNaN(curve[t])).toBe(true);

      hit.learners.forEach((l, a) => {
        if (a === victim) return;
        expect(l.divergedAt, l.label).toBe(-1);
        expect(sameBits(hit.losses[a], clean.losses[a]), l.label).toBe(true);
      });

      const result = hit.result();
      expect(result.arms[victim].divergedAt).toBe(v.divergedAt);
      expect(Number.isNaN(result.arms[victim].recovery)).toBe(true);
      const full = indexOf(config, 'full');
      expect(result.arms[full].recovery).toBe(100);

      // summarize: the diverged seed is counted and its recovery left out of the statistics
      const other = runToEnd(new SeedRun(config, 2)).result();
      const summary = summarize(config, [result, other], 'sine');
      const arm = summary.arms[victim];
      expect(arm.diverged).toBe(1);
      expect(arm.recovery.count).toBe(1);
      expect(arm.recovery.mean).toBe(other.arms[victim].recovery);
      for (const a of summary.arms.filter((_, i) => i !== victim)) {
        expect(a.diverged).toBe(0);
        expect(a.recovery.count).toBe(2);
      }
    });
  }
});

describe('validateConfig', () => {
  const cases: [string, ExperimentConfig, string][] = [
    ['n = 1', smallConfig({ n: 1, arms: [{ kind: 'frozen' }, { kind: 'full' }] }), 'n'],
    ['n = 513', smallConfig({ n: 513 }), 'n'],
    ['n = 8.5', smallConfig({ n: 8.5 }), 'n'],
    ['n = NaN', smallConfig({ n: NaN }), 'n'],
    ['k > n', smallConfig({ arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(9, 'random')] }), 'k'],
    ['k < 0', smallConfig({ arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(-1, 'random')] }), 'k'],
    ['k not whole', smallConfig({ arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(1.5, 'random')] }), 'k'],
    ['no full arm', smallConfig({ arms: [{ kind: 'frozen' }, sparseArm(2, 'random')] }), 'arms'],
    ['no frozen arm', smallConfig({ arms: [{ kind: 'full' }, sparseArm(2, 'random')] }), 'arms'],
    ['no seeds', smallConfig({ seeds: [] }), 'seeds'],
    ['lr = 0', smallConfig({ optimizer: { kind: 'adam', lr: 0, clipNorm: 0 } }), 'lr'],
    ['leak = 0', smallConfig({ leak: 0 }), 'leak'],
    ['adapt = 0', smallConfig({ adaptSteps: 0 }), 'adapt'],
  ];
  for (const [name, config, option] of cases) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        validateConfig(config);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).option).toBe(option);
      // SeedRun refuses it too
      expect(() => new SeedRun(config, 1)).toThrow(ConfigError);
    });
  }

  it('accepts the small config, k = 0 and k = n', () => {
    expect(() => validateConfig(smallConfig())).not.toThrow();
    expect(() => validateConfig(smallConfig({ arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(0, 'top-k'), sparseArm(8, 'random')] }))).not.toThrow();
    expect(() => validateConfig(defaultConfig())).not.toThrow();
  });
});
