/** The app's endless protocol: lead-in, drift, lockstep arms, in-place changes of k and lr. */
import { advanceLive, emptyTrace } from './helpers/liveEngine';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../src/app/labParams';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LEAD_IN_STEPS, LIVE_DEFAULTS, LiveRun } from '../src/app/worker/liveRun';
import { liveArms } from '../src/app/worker/liveEngine';
import { RunningLoss } from '../src/engine/protocol/lossWindow';
import { CACHED_SETTINGS, cacheKey, cachePath, decodePretrained, encodePretrained } from '../src/app/contract';

const small = { pretrainSteps: 300, pretrainEpochs: 2, includeFull: true };

const advance = advanceLive;

describe('LiveRun', () => {
  it('shows the pretrained network on regime A, then drifts with every arm starting identical', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 8, k: 2 }, small);
    expect(run.arms.map((a) => a.id)).toEqual(['frozen', 'full', 'k0', 'k', 'readout']);
    const lead = advance(run, LEAD_IN_STEPS);
    for (let a = 1; a < run.arms.length; a++) expect(Array.from(lead[a])).toEqual(Array.from(lead[0]));
    expect(run.markers).toEqual([{ step: LEAD_IN_STEPS, label: 'drift' }]);
    const after = advance(run, 1);
    // first step after the drift: same weights, same input, so the same loss for every arm
    for (let a = 1; a < run.arms.length; a++) expect(after[a][0]).toBe(after[0][0]);
    const later = advance(run, 100);
    expect(later[0][99]).not.toBe(later[1][99]);
    const rec = run.recovery();
    expect(rec[0]).toBe(0);
    expect(rec[1]).toBe(100);
  });

  it('a seed determines the whole run', () => {
    const a = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 2, seed: 4 }, small);
    const b = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 2, seed: 4 }, small);
    expect(Array.from(advance(a, 220)[3])).toEqual(Array.from(advance(b, 220)[3]));
  });

  it('changing k mid-run keeps the arm going from where it was and leaves a marker', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 8, k: 2 }, small);
    advance(run, LEAD_IN_STEPS + 20);
    const twin = new LiveRun({ ...DEFAULT_PARAMS, n: 8, k: 2 }, small);
    advance(twin, LEAD_IN_STEPS + 20);
    run.setSparse(8, 'random');
    // k = n reached mid-run is the k arm's own weights with every path: named apart from full RTRL
    expect(run.arms[3].label).toBe(`k = 8 since step ${LEAD_IN_STEPS + 20}`);
    expect(run.markers.at(-1)).toEqual({ step: LEAD_IN_STEPS + 20, label: 'k = 8' });
    const changed = advance(run, 5);
    const unchanged = advance(twin, 5);
    // the other arms are untouched; the k arm now transports differently
    expect(Array.from(changed[1])).toEqual(Array.from(unchanged[1]));
    expect(changed[3][4]).not.toBe(unchanged[3][4]);
    // and it did not restart: its first loss after the change is the continuation, equal to the twin's
    expect(changed[3][0]).toBe(unchanged[3][0]);
    expect(() => run.setSparse(9, 'random')).toThrow(RangeError);
  });

  it('without full RTRL (the CPU cap) recovery is unknown, not made up', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 2 }, { ...small, includeFull: false });
    expect(run.arms.map((a) => a.id)).toEqual(['frozen', 'k0', 'k', 'readout']);
    advance(run, LEAD_IN_STEPS + 10);
    expect(run.recovery()).toEqual([null, null, null, null]);
    expect(run.recoveryBeyondReadout()).toEqual([null, null, null, null]);
  });
});

describe('LiveRun baselines added by the user', () => {
  for (const model of ['rnn', 'lstm'] as const) {
    it(`${model}: UORO, KF-RTRL, SnAp-1 and TBPTT(τ) join after readout-only as records, each the engine's method on the same stream, changing no other arm`, () => {
      const base = { ...DEFAULT_PARAMS, model, n: 6, k: 2 };
      const plain = new LiveRun(base, small);
      const added = new LiveRun({ ...base, baselines: ['uoro', 'snap1', 'tbptt'], truncation: 3 }, small);
      const other = new LiveRun({ ...base, baselines: ['kf'] }, small);
      expect(added.arms.map((a) => a.id)).toEqual(['frozen', 'full', 'k0', 'k', 'readout', 'uoro', 'snap1', 'tbptt']);
      expect(added.arms.slice(5).map((a) => a.label)).toEqual(['UORO', 'SnAp-1', 'TBPTT(3)']);
      expect(added.methods().slice(5)).toEqual(['uoro', 'snap1', 'tbptt:3']);
      const steps = LEAD_IN_STEPS + 60;
      const p = advance(plain, steps);
      const a = advance(added, steps);
      const o = advance(other, steps);
      // the five arms every run has: bit for bit the same with or without baselines (streams are per arm)
      for (let i = 0; i < 5; i++) expect(Array.from(a[i]), plain.arms[i].id).toEqual(Array.from(p[i]));
      // each baseline starts from the pretrained weights at the drift (its first loss is frozen's), then learns its own way
      for (const i of [5, 6, 7]) {
        expect(a[i][LEAD_IN_STEPS]).toBe(a[0][LEAD_IN_STEPS]);
        expect(a[i][steps - 1]).not.toBe(a[0][steps - 1]);
      }
      expect(o[5][steps - 1]).not.toBe(o[0][steps - 1]);
      expect(new Set([a[5][steps - 1], a[6][steps - 1], a[7][steps - 1], o[5][steps - 1]]).size).toBe(4);
      // as records: role, method, what each carries instead of P, recovery against frozen and full
      const records = liveArms(added).slice(5);
      expect(records.map((r) => [r.role, r.method])).toEqual([
        ['baseline', 'uoro'],
        ['baseline', 'snap1'],
        ['baseline', 'tbptt:3'],
      ]);
      for (const r of records) {
        expect(r.cost.sensitivityFloats).toBeGreaterThan(0);
        expect(r.cost.sensitivityFloats).toBeLessThan(liveArms(added)[1].cost.sensitivityFloats);
        expect(r.recovery === null || Number.isFinite(r.recovery)).toBe(true);
      }
      const window = new RunningLoss(added.arms.length);
      for (let t = LEAD_IN_STEPS; t < steps; t++) {
        for (let i = 0; i < added.arms.length; i++) window.add(i, a[i][t], true);
        window.countStep(true);
      }
      expect(added.recovery()[7]).toBeCloseTo(window.recovery(0, 1, () => false)[7]!, 3);
    });
  }

  it('the transformer lists no baselines (they are the recurrent models’ methods)', async () => {
    const { TransformerLiveRun, TRANSFORMER_LIVE_DEFAULTS } = await import('../src/app/worker/transformerLiveRun');
    const run = new TransformerLiveRun(
      { ...DEFAULT_PARAMS, model: 'transformer', baselines: ['uoro'] },
      { ...TRANSFORMER_LIVE_DEFAULTS, pretrainSteps: 20, dModel: 8, heads: 2, context: 8 },
    );
    expect(run.arms.map((a) => a.id)).not.toContain('uoro');
  });
});

describe('LiveRun readout-only arm', () => {
  it('keeps θ at the pretrained values while its readout adapts, and draws its own line', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 8, k: 2 }, small);
    const r = run.arms.findIndex((a) => a.id === 'readout');
    expect(run.arms[r]).toEqual({ id: 'readout', label: 'readout only' });
    const pretrained = run.pretrainedState();
    const out = advance(run, LEAD_IN_STEPS + 200);
    const params = run.armParams(r);
    expect(Array.from(params.theta)).toEqual(Array.from(pretrained.theta));
    expect(Array.from(params.readout)).not.toEqual(Array.from(pretrained.readout));
    // full RTRL's θ moved: the readout arm's stillness is its method's, not a run that did not learn
    expect(Array.from(run.armParams(run.arms.findIndex((a) => a.id === 'full')).theta)).not.toEqual(Array.from(pretrained.theta));
    // its line: finite losses, identical to frozen's at the drift's first step, apart from it later
    expect(out[r].every(Number.isFinite)).toBe(true);
    expect(out[r][LEAD_IN_STEPS]).toBe(out[0][LEAD_IN_STEPS]);
    expect(out[r][LEAD_IN_STEPS + 199]).not.toBe(out[0][LEAD_IN_STEPS + 199]);
    // no P: nothing transported, nothing stored
    expect(run.costs()[r].sensitivityFloats).toBe(0);
    expect(run.costs()[r].macs).toBeLessThan(run.costs()[run.arms.findIndex((a) => a.id === 'k0')].macs);
    expect(run.metrics().sensitivityNorm[r]).toBeNull();
    expect(liveArms(run)[r]).toMatchObject({ method: 'readout', role: 'floor' });
    expect(liveArms(run).map((a) => a.method)).toEqual(['frozen', 'full', 'k=0', 'k=2', 'readout']);
  });

  it('recovery beyond the readout is RunningLoss against the readout arm and full; the paper’s against frozen', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 8, k: 2 }, small);
    const steps = LEAD_IN_STEPS + 150;
    const out = advance(run, steps);
    const ids = run.arms.map((a) => a.id);
    const [frozen, full, readout] = [ids.indexOf('frozen'), ids.indexOf('full'), ids.indexOf('readout')];
    // the same window from the losses the run reported
    const window = new RunningLoss(run.arms.length);
    for (let t = LEAD_IN_STEPS; t < steps; t++) {
      for (let a = 0; a < run.arms.length; a++) window.add(a, out[a][t], true);
      window.countStep(true);
    }
    const none = () => false;
    const beyond = run.recoveryBeyondReadout();
    const expected = window.recovery(readout, full, none);
    for (let a = 0; a < run.arms.length; a++) expect(beyond[a]!).toBeCloseTo(expected[a]!, 3);
    expect(beyond[readout]).toBe(0);
    expect(beyond[full]).toBe(100);
    const paper = run.recovery();
    const paperExpected = window.recovery(frozen, full, none);
    for (let a = 0; a < run.arms.length; a++) expect(paper[a]!).toBeCloseTo(paperExpected[a]!, 3);
    // readout-only's own recovery (the paper's) is a number of its own
    expect(Number.isFinite(paper[readout]!)).toBe(true);
    expect(liveArms(run).map((a) => a.recoveryBeyondReadout)).toEqual(beyond);
    // before the drift there is nothing to read
    const fresh = new LiveRun({ ...DEFAULT_PARAMS, n: 8, k: 2 }, small);
    advance(fresh, 10);
    expect(fresh.recoveryBeyondReadout().every((x) => x === null)).toBe(true);
  });

  it('a learning-rate change reaches the readout arm too', () => {
    const a = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 2 }, small);
    const b = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 2 }, small);
    advance(a, LEAD_IN_STEPS + 10);
    advance(b, LEAD_IN_STEPS + 10);
    a.setLearningRate(DEFAULT_PARAMS.lr * 10);
    const r = a.arms.findIndex((x) => x.id === 'readout');
    expect(advance(a, 20)[r][19]).not.toBe(advance(b, 20)[r][19]);
  });
});

describe('LiveRun task options', () => {
  it('the delay task’s τ before and after the drift reach the live task', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, task: 'delay', delayA: 2, delayB: 6, n: 6, k: 2 }, small);
    expect(run.task.description).toContain('τ 2 -> 6');
    // the default τ when the link sets none
    expect(new LiveRun({ ...DEFAULT_PARAMS, task: 'delay', n: 6, k: 2 }, small).task.description).toContain('τ 4 -> 8');
    // after the drift the target is the input τ_B = 6 steps back
    const steps = LEAD_IN_STEPS + 40;
    const trace = emptyTrace(run, steps);
    advance(run, steps, { trace });
    for (let t = LEAD_IN_STEPS + 6; t < steps; t++) expect(trace.target[t]).toBe(trace.input[t - 6]);
    for (let t = 2; t < LEAD_IN_STEPS; t++) expect(trace.target[t]).toBe(trace.input[t - 2]);
  });

  it('the adding problems’ length reaches the live task: one scored step per sequence of T', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, task: 'adding', length: 10, n: 6, k: 2 }, small);
    const steps = LEAD_IN_STEPS + 100;
    const scored = new Uint8Array(steps);
    advance(run, steps, { scored });
    expect(scored.subarray(LEAD_IN_STEPS).reduce((a, b) => a + b, 0)).toBe(10);
  });
});

describe('LiveRun with the LSTM', () => {
  it('pretrains, drifts with identical arms, measures recovery and changes k in place', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, model: 'lstm', n: 6, k: 2 }, small);
    advance(run, LEAD_IN_STEPS);
    const first = advance(run, 1);
    for (let a = 1; a < run.arms.length; a++) expect(first[a][0]).toBe(first[0][0]);
    advance(run, 40);
    expect(run.recovery()[1]).toBe(100);
    const m = run.metrics();
    expect(m.jacobian).toBeNull(); // the spectra are the RNN's
    expect(m.sensitivityNorm[1]).toBeGreaterThan(0);
    expect(run.keptPaths()).toBeNull();
    run.setSparse(4, 'random');
    const after = advance(run, 5);
    expect(after[3].every(Number.isFinite)).toBe(true);
    // the LSTM's readout-only arm: θ where pretraining left it
    const r = run.arms.findIndex((a) => a.id === 'readout');
    expect(after[r].every(Number.isFinite)).toBe(true);
    expect(Array.from(run.armParams(r).theta)).toEqual(Array.from(run.pretrainedState().theta));
    expect(run.costs()[1].macs).toBeGreaterThan(run.costs()[3].macs);
  });
});

describe('LiveRun arms without duplicates', () => {
  it('at k = 0 the k arm is the k = 0 arm: marked, not stepped twice, same losses', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 8, k: 0 }, small);
    expect(run.arms.map((a) => a.sameAs ?? null)).toEqual([null, null, null, 'k0', null]);
    advance(run, LEAD_IN_STEPS + 30);
    const out = advance(run, 20);
    expect(Array.from(out[3])).toEqual(Array.from(out[2]));
    expect(run.recovery()[3]).toBe(run.recovery()[2]);
  });

  it('at k = n the k arm is full RTRL; without full RTRL (the CPU cap) it runs on its own', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 6 }, small);
    expect(run.arms[3].sameAs).toBe('full');
    advance(run, LEAD_IN_STEPS + 10);
    const out = advance(run, 10);
    expect(Array.from(out[3])).toEqual(Array.from(out[1]));
    const capped = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 6 }, { ...small, includeFull: false });
    expect(capped.arms.every((a) => a.sameAs === undefined)).toBe(true);
  });

  it('leaving k = n mid-run carries on from full RTRL’s weights; moving to k = 0 mid-run is its own arm, named apart', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 6 }, small);
    const twin = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 6 }, small);
    advance(run, LEAD_IN_STEPS + 20);
    advance(twin, LEAD_IN_STEPS + 20);
    run.setSparse(2, 'random');
    expect(run.arms[3]).toEqual({ id: 'k', label: 'k = 2' });
    const changed = advance(run, 1);
    const full = advance(twin, 1);
    // the first step after the change starts from full RTRL's state: same forward pass, same loss
    expect(changed[3][0]).toBe(full[1][0]);
    run.setSparse(0, 'random');
    expect(run.arms[3].sameAs).toBeUndefined();
    expect(run.arms[3].label).toBe(`k = 0 since step ${LEAD_IN_STEPS + 21}`);
    expect(new Set(run.arms.map((a) => a.label)).size).toBe(run.arms.length);
  });
});

describe('LiveRun extras for the page', () => {
  it('reports the task and each arm’s output step by step', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 2 }, small);
    const steps = LEAD_IN_STEPS + 5;
    const trace = emptyTrace(run, steps);
    const out = advance(run, steps, { trace });
    expect(trace.target.some((v) => v !== 0)).toBe(true);
    expect(trace.prediction.every((p) => p.every(Number.isFinite))).toBe(true);
    // the loss is ½ (y − y*)² for the one output of the sine task
    const t = LEAD_IN_STEPS + 2;
    expect(out[1][t]).toBeCloseTo(0.5 * (trace.prediction[1][t] - trace.target[t]) ** 2, 5);
  });

  it('the adding task marks which steps were scored (one per sequence)', () => {
    const run = new LiveRun({ ...DEFAULT_PARAMS, task: 'adding', n: 6, k: 2 }, small);
    expect(run.sparseError).toBe(true);
    const steps = LEAD_IN_STEPS + 60;
    const scored = new Uint8Array(steps);
    advance(run, steps, { scored });
    const count = scored.reduce((a, b) => a + b, 0);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(steps / 2);
    expect(new LiveRun({ ...DEFAULT_PARAMS, n: 6, k: 2 }, small).sparseError).toBe(false);
  });
});

describe('shipped pretrained weights', () => {
  it('a run from shipped weights is the run that pretrains: same losses, bit for bit', () => {
    const params = { ...DEFAULT_PARAMS, n: 6, k: 2, seed: 3 };
    const trained = new LiveRun({ ...params }, small);
    const key = cacheKey(params, small.pretrainSteps, small.pretrainEpochs);
    const state = decodePretrained(key, JSON.parse(encodePretrained(key, trained.pretrainedState())))!;
    expect(decodePretrained('another key', JSON.parse(encodePretrained(key, trained.pretrainedState())))).toBeNull();
    const shipped = new LiveRun({ ...params }, { ...small, pretrained: state });
    expect(shipped.pretrainLoss).toEqual(trained.pretrainLoss);
    const a = advance(trained, LEAD_IN_STEPS + 200);
    const b = advance(shipped, LEAD_IN_STEPS + 200);
    for (let arm = 0; arm < a.length; arm++) expect(Array.from(b[arm])).toEqual(Array.from(a[arm]));
    expect(() => new LiveRun({ ...params, n: 7 }, { ...small, pretrained: state })).toThrow(/do not fit/);
  });

  it('the shipped file is found for the default settings, whatever the other tasks’ options; a task option is part of the key', () => {
    const { pretrainSteps, pretrainEpochs } = LIVE_DEFAULTS;
    const path = cachePath(DEFAULT_PARAMS, pretrainSteps, pretrainEpochs);
    expect(path).toBe('pretrained/sine-rnn-n64-leak0.3-seed1-p3000x6.json');
    // τ and the adding length do not belong to the sine task: the same weights
    expect(cachePath({ ...DEFAULT_PARAMS, delayA: 2, length: 50 }, pretrainSteps, pretrainEpochs)).toBe(path);
    expect(cacheKey({ ...DEFAULT_PARAMS, task: 'delay', delayA: 2, delayB: 6 }, 1, 1)).toContain('tau2to6');
    expect(cacheKey({ ...DEFAULT_PARAMS, task: 'delay' }, 1, 1)).not.toBe(cacheKey({ ...DEFAULT_PARAMS, task: 'delay', delayB: 9 }, 1, 1));
  });

  for (const settings of CACHED_SETTINGS) {
    const path = `public/${cachePath(settings, LIVE_DEFAULTS.pretrainSteps, LIVE_DEFAULTS.pretrainEpochs)}`;
    it(`${path} holds what the engine computes (UPDATE_PRETRAINED=1 rewrites it)`, () => {
      const key = cacheKey(settings, LIVE_DEFAULTS.pretrainSteps, LIVE_DEFAULTS.pretrainEpochs);
      const computed = new LiveRun({ ...DEFAULT_PARAMS, ...settings }, LIVE_DEFAULTS).pretrainedState();
      if (process.env.UPDATE_PRETRAINED === '1' || !existsSync(path)) {
        if (process.env.UPDATE_PRETRAINED !== '1') throw new Error(`${path} is missing: run UPDATE_PRETRAINED=1 npx vitest run tests/liveRun.test.ts`);
        writeFileSync(path, encodePretrained(key, computed));
      }
      const shipped = decodePretrained(key, JSON.parse(readFileSync(path, 'utf8')));
      expect(shipped, `${path} is stale: run UPDATE_PRETRAINED=1 npx vitest run tests/liveRun.test.ts`).not.toBeNull();
      expect(Array.from(shipped!.theta)).toEqual(Array.from(computed.theta));
      expect(Array.from(shipped!.readout)).toEqual(Array.from(computed.readout));
      expect(Array.from(shipped!.hEnd)).toEqual(Array.from(computed.hEnd));
      expect(shipped!.epochLoss).toEqual(computed.epochLoss);
    });
  }
});
