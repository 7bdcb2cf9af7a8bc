/**
 * The comparison arms inside the protocol, for both models: every arm starts from the same point and
 * learns, the run is deterministic, each arm reports its cost, and a divergence (NaN or ±Inf poured into one
 * arm's weights) stays in that arm: every other arm's loss curve is bit-identical to a clean run's.
 */
import { describe, expect, it } from 'vitest';
import { runToEnd, sameBits } from './helpers/seedRun';
import { defaultConfig, sparseArm, validateConfig, ConfigError, type ExperimentConfig } from '../src/engine/config';
import { SeedRun, summarize } from '../src/engine/experiment';
import { methodLabel, type LearningMethod } from '../src/engine/methods';
import type { ModelKind } from '../src/engine/models';

const ARMS: LearningMethod[] = [
  { kind: 'frozen' },
  { kind: 'full' },
  sparseArm(2, 'random'),
  sparseArm(0, 'random'),
  { kind: 'uoro' },
  { kind: 'kf' },
  { kind: 'snap1' },
  { kind: 'tbptt', truncation: 5 },
];

function smallConfig(model: ModelKind, overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  const d = defaultConfig();
  return {
    ...d,
    task: 'sine',
    model,
    n: 6,
    arms: ARMS,
    seeds: [1],
    pretrain: { ...d.pretrain, steps: 200, epochs: 2 },
    adaptSteps: 40,
    metricsEvery: 20,
    ...overrides,
  };
}

for (const model of ['rnn', 'lstm'] as ModelKind[]) {
  describe(`${model}: every arm in the protocol`, () => {
    const config = smallConfig(model);
    const clean = runToEnd(new SeedRun(config, 1));

    it('starts from the same point, learns, reports costs and is deterministic', () => {
      const fresh = new SeedRun(config, 1);
      const theta0 = Array.from(fresh.pretrained.theta);
      for (const l of fresh.learners) expect(Array.from(l.params.theta)).toEqual(theta0);
      runToEnd(fresh);
      fresh.learners.forEach((l, a) => {
        expect(l.divergedAt, l.label).toBe(-1);
        expect(sameBits(fresh.losses[a], clean.losses[a]), l.label).toBe(true);
        const moved = l.params.theta.some((v, i) => v !== theta0[i]);
        expect(moved, l.label).toBe(l.method.kind !== 'frozen');
      });
      const result = clean.result();
      expect(result.arms.map((a) => a.label)).toEqual(ARMS.map(methodLabel));
      expect(result.arms[1].recovery).toBe(100);
      for (const a of result.arms) expect(Number.isFinite(a.recovery), a.label).toBe(true);
      const summary = summarize(config, [result], 'sine');
      for (const a of summary.arms) {
        expect(a.macsPerStep, a.label).toBeGreaterThan(0);
        expect(a.bytesPerStep, a.label).toBeGreaterThan(0);
        expect(a.msPerStep, a.label).toBeGreaterThanOrEqual(0);
      }
      // the costs order as science.md §4 says: full > k=2 > kf > snap1, uoro
      const cost = (label: string) => summary.arms.find((a) => a.label === label)!.macsPerStep;
      expect(cost('full')).toBeGreaterThan(cost('k=2'));
      expect(cost('k=2')).toBeGreaterThan(cost('kf'));
      expect(cost('kf')).toBeGreaterThan(cost('snap1'));
      expect(cost('kf')).toBeGreaterThan(cost('uoro'));
      // ‖P‖ or its stand-in is sampled for every arm (NaN for frozen and TBPTT)
      for (const [a, norms] of result.sensitivityNorm.entries()) {
        const kind = ARMS[a].kind;
        expect(norms).toHaveLength(2);
        if (kind === 'frozen' || kind === 'tbptt') expect(norms.every(Number.isNaN)).toBe(true);
        else expect(norms[1], ARMS[a].kind).toBeGreaterThan(0);
      }
    });

    const victims = ['k=2', 'uoro', 'kf', 'snap1', 'tbptt:5'];
    for (const poison of [NaN, Infinity]) {
      it(`θ[0] = ${poison} in each of ${victims.join(', ')} stays in that arm`, () => {
        for (const label of victims) {
          const victim = ARMS.findIndex((a) => methodLabel(a) === label);
          const hit = new SeedRun(config, 1);
          for (let t = 0; t < 10; t++) hit.step();
          hit.learners[victim].params.theta[0] = poison;
          runToEnd(hit);
          const v = hit.learners[victim];
          expect(v.divergedAt, label).toBeGreaterThanOrEqual(10);
          for (let t = v.divergedAt; t < config.adaptSteps; t++) expect(Number.isNaN(hit.losses[victim][t])).toBe(true);
          hit.learners.forEach((l, a) => {
            if (a === victim) return;
            expect(l.divergedAt, `${l.label} beside ${label}`).toBe(-1);
            expect(sameBits(hit.losses[a], clean.losses[a]), `${l.label} beside ${label}`).toBe(true);
          });
          expect(Number.isNaN(hit.result().arms[victim].recovery)).toBe(true);
        }
      });
    }
  });
}

describe('validateConfig for the new arms', () => {
  it('rejects τ = 0, a fractional τ, an arm listed twice and an unknown model', () => {
    const bad: [Partial<ExperimentConfig>, string][] = [
      [{ arms: [{ kind: 'frozen' }, { kind: 'full' }, { kind: 'tbptt', truncation: 0 }] }, 'tbptt'],
      [{ arms: [{ kind: 'frozen' }, { kind: 'full' }, { kind: 'tbptt', truncation: 2.5 }] }, 'tbptt'],
      [{ arms: [{ kind: 'frozen' }, { kind: 'full' }, { kind: 'uoro' }, { kind: 'uoro' }] }, 'arms'],
      [{ model: 'gru' as ModelKind }, 'model'],
    ];
    for (const [overrides, option] of bad) {
      let caught: unknown;
      try {
        validateConfig(smallConfig('rnn', overrides));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).option).toBe(option);
    }
    expect(() => validateConfig(smallConfig('lstm'))).not.toThrow();
  });
});
