/** The protocol's loss window and its pieces (src/engine/protocol/), against hand-computed values and SeedRun. */
import { describe, expect, it } from 'vitest';
import { defaultConfig, sparseArm, type ExperimentConfig } from '../src/engine/config';
import { SeedRun } from '../src/engine/experiment';
import { armSeedResults, RunningLoss, windowMeanLoss, windowStart } from '../src/engine/protocol/lossWindow';
import { armLearners, prepareSeed } from '../src/engine/protocol/prepareSeed';

function small(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  const d = defaultConfig();
  return {
    ...d,
    n: 6,
    arms: [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(2, 'random')],
    seeds: [1],
    pretrain: { ...d.pretrain, steps: 200, epochs: 2 },
    adaptSteps: 40,
    metricsEvery: 0,
    ...overrides,
  };
}

describe('loss window', () => {
  it('starts at 0, or at the last quarter', () => {
    expect(windowStart({ adaptSteps: 100, window: 'all' })).toBe(0);
    expect(windowStart({ adaptSteps: 100, window: 'last-quarter' })).toBe(75);
    expect(windowStart({ adaptSteps: 10, window: 'last-quarter' })).toBe(7);
  });

  it('averages only the scored steps of the window', () => {
    const curve = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const mask = Uint8Array.from([1, 0, 1, 1, 0, 1]);
    expect(windowMeanLoss([curve], mask, 0, 6)).toEqual([(1 + 3 + 4 + 6) / 4]);
    expect(windowMeanLoss([curve], mask, 3, 5)).toEqual([4]);
  });

  it('recovery is 0 for frozen and 100 for full, against the same seed', () => {
    const c = small();
    const curves = [Float32Array.from([4, 4]), Float32Array.from([2, 2]), Float32Array.from([3, 3])];
    const arms = armSeedResults(
      c,
      curves,
      Uint8Array.from([1, 1]),
      2,
      () => -1,
      () => 0,
    );
    expect(arms.map((a) => a.label)).toEqual(['frozen', 'full', 'k=2']);
    expect(arms.map((a) => a.recovery)).toEqual([0, 100, 50]);
  });
});

describe('RunningLoss (the live window)', () => {
  it('agrees with the fixed window over the same steps; skips non-finite losses; null where undefined', () => {
    const curves = [Float32Array.from([4, 5, 6, 3]), Float32Array.from([2, 1, 2, 1]), Float32Array.from([3, NaN, NaN, NaN])];
    const mask = Uint8Array.from([1, 1, 0, 1]);
    const w = new RunningLoss(3);
    expect(w.meanLoss().every(Number.isNaN)).toBe(true);
    expect(w.recovery(0, 1, () => false)).toEqual([null, null, null]);
    for (let t = 0; t < 4; t++) {
      curves.forEach((c, a) => w.add(a, c[t], mask[t] === 1));
      w.countStep(mask[t] === 1);
    }
    expect(w.steps).toBe(3);
    const fixed = windowMeanLoss(curves.slice(0, 2), mask, 0, 4);
    expect(w.meanLoss().slice(0, 2)).toEqual(fixed);
    const r = w.recovery(0, 1, (a) => a === 2);
    expect(r[0]).toBe(0);
    expect(r[1]).toBe(100);
    expect(r[2]).toBeNull();
    expect(w.recovery(0, -1, () => false)).toEqual([null, null, null]);
  });
});

describe('prepareSeed and the SeedRunner interface', () => {
  it('SeedRun starts from prepareSeed: same weights, stream and first losses', () => {
    const c = small();
    const run = new SeedRun(c, 2);
    const prepared = prepareSeed(c, 2);
    expect(Array.from(run.pretrained.theta)).toEqual(Array.from(prepared.pretrained.theta));
    expect(Array.from(run.stream.y)).toEqual(Array.from(prepared.stream.y));
    const learners = armLearners(c, prepared);
    run.step();
    // the run stores its curves in float32
    learners.forEach((l, a) => expect(Math.fround(l.step(prepared.stream, 0))).toBe(run.losses[a][0]));
  });

  it('per-arm learning rates reach the learners: an arm with its own rate moves differently', () => {
    const c = small({ armLearningRates: { 'k=2': 0.05 } });
    const same = armLearners(small(), prepareSeed(small(), 3));
    const own = armLearners(c, prepareSeed(c, 3));
    const stream = prepareSeed(c, 3).stream;
    for (let t = 0; t < 5; t++) [same, own].forEach((ls) => ls.forEach((l) => l.step(stream, t)));
    expect(Array.from(own[1].params.theta)).toEqual(Array.from(same[1].params.theta));
    expect(Array.from(own[2].params.theta)).not.toEqual(Array.from(same[2].params.theta));
  });

  it('advance(steps) in uneven pieces is step() repeated, and stops at the end', () => {
    const c = small();
    const a = new SeedRun(c, 4);
    const b = new SeedRun(c, 4);
    a.advance(7);
    a.advance(100);
    while (!b.done) b.step();
    expect(a.t).toBe(c.adaptSteps);
    expect(a.result().arms.map((x) => x.meanLoss)).toEqual(b.result().arms.map((x) => x.meanLoss));
  });
});
