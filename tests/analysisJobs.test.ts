/**
 * The app's recovery-map and cost-against-quality jobs, without a browser: the runs the page describes
 * (the contract) and the configurations the job worker builds from the same job spec, the refusal above
 * n = 32, the per-seed results summarised on the worker's side into the engine's summary, the map's grid
 * and cells, and the frontier's plot data.
 */
import { describe, expect, it } from 'vitest';
import { armName, frontierPlot, heatCells, mergeCoincident, placeLabels } from '../src/app/page/analysisResults';
import {
  armOverheadSeconds,
  DEFAULT_PARAMS,
  defaultLr,
  delayParams,
  estimateSeconds,
  frontierRun,
  jobCheck,
  jobRuns,
  jobSteps,
  MAP_MAX_N,
  MAP_TAUS,
  mapCliCommand,
  mapJob,
  mapKs,
  pretrainSeconds,
  sweepRun,
  SWEEP_SEEDS,
  type JobKind,
  type LabParams,
} from '../src/app/contract';
import { experimentConfig, experimentOf, JobResults, mapGrids, workerJob, type SeedArms } from '../src/app/worker/sweep';
import { startFrontierJob, useFrontierJob } from '../src/app/page/sweepController';
import { useLab } from '../src/app/page/store';
import { parseExperimentArgs } from '../src/cli/experimentArgs';
import type { ExperimentConfig } from '../src/engine/config';
import { runExperiment, SeedRun, type ArmSeedResult } from '../src/engine/experiment';
import { frontierArms, frontierOf, type Frontier } from '../src/engine/frontier';
import type { MapPlan } from '../src/engine/recoveryMap';
import { methodLabel } from '../src/engine/methods';
import { seedStatistics } from '../src/engine/statistics';

const small = (over: Partial<LabParams> = {}): LabParams => ({ ...DEFAULT_PARAMS, n: 8, k: 2, ...over });

describe('the map job: configurations', () => {
  it('k = 0, 1, 2, 4, … up to n/2', () => {
    expect(mapKs(4)).toEqual([0, 1, 2]);
    expect(mapKs(5)).toEqual([0, 1, 2]);
    expect(mapKs(8)).toEqual([0, 1, 2, 4]);
    expect(mapKs(32)).toEqual([0, 1, 2, 4, 8, 16]);
  });

  it('one run per τ and strategy on the delay task, the k values as arms of each run, the lab’s settings', () => {
    const p = small({ delayA: 3, leak: 0.5, seed: 7, refresh: 50, strategy: 'top-k' });
    const job = mapJob(p);
    const { configs, map } = workerJob({ kind: 'map', params: p });
    const plans = map!.plans;
    expect(job.strategies).toEqual(['random', 'top-k']);
    expect(configs).toHaveLength(MAP_TAUS.length * 2);
    expect(job.runs).toHaveLength(MAP_TAUS.length * 2);
    expect(job.runOf[0]).toEqual({ plan: 0, run: 0 });
    expect(job.runOf.at(-1)).toEqual({ plan: 1, run: MAP_TAUS.length - 1 });
    configs.forEach((c, i) => {
      const { plan, run } = job.runOf[i];
      expect(c).toBe(plans[plan].runs[run].config);
      // the page's plain run is the worker's config (the engine's planMap) over the engine's defaults
      expect(c).toEqual(experimentConfig(job.runs[i]));
      expect(c.task).toBe('delay');
      expect(c.n).toBe(8);
      expect(c.leak).toBe(0.5);
      expect(c.seeds).toEqual([7, 8, 9]);
      expect(c.taskOptions?.delay).toEqual({ A: 3, B: MAP_TAUS[run] });
      // the sweep's short pretraining and adaptation
      expect(c.pretrain.steps).toBe(sweepRun(p).pretrain.steps);
      expect(c.adaptSteps).toBe(600);
      expect(c.arms.map(methodLabel)).toEqual(['frozen', 'readout', 'full', 'k=0', 'k=1', 'k=2', 'k=4']);
      for (const a of c.arms) if (a.kind === 'sparse') expect(a).toMatchObject({ strategy: job.strategies[plan], refreshEvery: 50 });
    });
    // grid: k on x, τ on y; every cell of a row comes from that τ's run
    const plan = plans[0];
    expect(plan.axes.map((a) => a.name)).toEqual(['k', 'tau']);
    expect(plan.axes[0].values).toEqual(job.ks);
    expect(plan.runs[2].cells.map((c) => [c.xi, c.yi])).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
  });

  it('the worker builds every job’s configs from the spec alone: the page’s runs over the engine’s defaults', () => {
    const p = small({ task: 'delay', delayB: 6 });
    for (const kind of ['k', 'n', 'lr', 'map', 'frontier'] as JobKind[]) {
      const spec = { kind, params: p };
      const { configs } = workerJob(spec);
      expect(configs).toEqual(jobRuns(spec).map(experimentConfig));
      expect(jobSteps(spec)).toBe(configs.reduce((a, c) => a + c.seeds.length * c.adaptSteps, 0));
      for (const c of configs) expect(c).toMatchObject({ metricsEvery: 0, gain: 1.2, pretrain: { steps: 3000, epochs: 6 } });
    }
  });

  it('moves the learning rate to the delay task’s default unless the user set one', () => {
    const sine = small();
    expect(mapJob(sine).runs[0].optimizer.lr).toBe(defaultLr({ ...sine, task: 'delay' }));
    expect(delayParams(sine).task).toBe('delay');
    const own = small({ lr: 0.0123 });
    expect(mapJob(own).runs[0].optimizer.lr).toBe(0.0123);
  });

  it('runs at n = 32 at most, saying why; the CLI commands it shows parse to the same map at the lab’s n', () => {
    const at32 = mapJob(small({ n: MAP_MAX_N }));
    expect(at32.capNote).toBeNull();
    expect(at32.n).toBe(32);
    const check = jobCheck(at32.runs);
    expect(check.refused).toBeNull();
    expect(check.estimateS).toBeGreaterThan(0);
    const job = mapJob(small({ n: 64, k: 4 }));
    expect(job.n).toBe(32);
    expect(job.labN).toBe(64);
    expect(job.runs.every((c) => c.n === 32)).toBe(true);
    expect(job.ks).toEqual([0, 1, 2, 4, 8, 16]);
    expect(job.capNote).toMatch(
      /^the map runs at n = 32, not the lab’s n = 64: its 10 experiments of 3 seeds, each with full RTRL, would take about \d+ s at n = 64 on the CPU; the CLI runs them/,
    );
    for (const strategy of job.strategies) {
      const command = mapCliCommand(job, strategy);
      const parsed = parseExperimentArgs(command.split(' ').slice(4));
      const plan = parsed.map!;
      expect(plan.axes).toEqual([
        { name: 'k', values: mapKs(64) },
        { name: 'tau', values: [...MAP_TAUS] },
      ]);
      expect(plan.strategy).toBe(strategy);
      expect(parsed.config).toMatchObject({
        task: 'delay',
        n: 64,
        leak: job.runs[0].leak,
        seeds: job.runs[0].seeds,
        optimizer: job.runs[0].optimizer,
      });
      expect(parsed.config.taskOptions?.delay).toEqual({ A: DEFAULT_PARAMS.delayA, B: DEFAULT_PARAMS.delayB });
    }
  });

  it('the page refuses a job over the CPU’s time budget before any worker starts, and says so in its progress line', () => {
    // the frontier at n = 256: full RTRL and k = 256 at about n⁴ each
    useLab.setState({ params: small({ n: 256, k: 4 }) });
    startFrontierJob();
    expect(useFrontierJob.getState().status).toBe('refused');
    expect(useFrontierJob.getState().error).toMatch(/^refused: at n = 256 .* about \d+ s/);
    expect(useFrontierJob.getState().stepsTotal).toBe(3 * 200);
  });

  it('the estimate counts pretraining and each learning arm’s overhead, not only the transports', () => {
    const c = mapJob(small({ n: 16 })).runs[0];
    const still = { ...c, arms: [{ kind: 'frozen' }, { kind: 'readout' }] as ExperimentConfig['arms'] };
    expect(estimateSeconds([still])).toBeCloseTo(3 * pretrainSeconds(c), 12);
    const one = { ...still, arms: [...still.arms, { kind: 'uoro' }] as ExperimentConfig['arms'] };
    expect(estimateSeconds([one]) - estimateSeconds([still])).toBeCloseTo(3 * c.adaptSteps * armOverheadSeconds(16), 12);
    // the map at n = 32 (about 80 s on the project's machine) is announced before it starts
    expect(jobCheck(mapJob(small({ n: 32 })).runs).estimateS).toBeGreaterThan(30);
  });

  it('the sweeps carry the lab’s task parameters (τ, length) to the engine', () => {
    expect(sweepRun(small({ task: 'delay', delayA: 2, delayB: 6 })).taskOptions).toEqual({ delay: { A: 2, B: 6 } });
    expect(sweepRun(small({ task: 'adding', length: 30 })).taskOptions).toEqual({ length: 30 });
    expect(sweepRun(small()).taskOptions).toEqual({});
  });
});

describe('the frontier job: configuration', () => {
  it('the frontier’s arms on the lab’s task with its selection, TBPTT at the task’s memory demand', () => {
    const p = small({ task: 'delay', delayB: 6, strategy: 'top-k' });
    const c = frontierRun(p);
    expect(c.seeds).toHaveLength(SWEEP_SEEDS);
    expect(c.arms.map(methodLabel)).toEqual(['frozen', 'readout', 'full', 'k=0', 'k=1', 'k=2', 'k=4', 'k=8', 'snap1', 'uoro', 'kf', 'tbptt:6']);
    expect(c.arms).toEqual(frontierArms({ ...c, arms: [c.arms[3]] }));
    for (const a of c.arms) if (a.kind === 'sparse') expect(a.strategy).toBe('top-k');
  });
});

/** A finished seed, as the worker keeps it, from a real SeedRun. */
function posted(config: ExperimentConfig, seed: number): SeedArms {
  const run = new SeedRun(config, seed);
  while (!run.done) run.step();
  const r = run.result();
  return structuredClone({ seed, paramCount: r.paramCount, taskDescription: run.task.description, arms: r.arms });
}

describe('per-seed results back into the engine’s summary', () => {
  it('gives the numbers runExperiment gives, from the posted arms alone', () => {
    const config: ExperimentConfig = {
      ...experimentConfig(mapJob(small({ n: 4 })).runs[3]),
      seeds: [1, 2],
      adaptSteps: 40,
      pretrain: { ...experimentConfig(sweepRun(small())).pretrain, steps: 128, epochs: 1 },
    };
    const direct = runExperiment(config);
    const viaSeeds = experimentOf(config, [posted(config, 1), posted(config, 2)])!;
    expect(viaSeeds.taskDescription).toBe(direct.taskDescription);
    expect(viaSeeds.transportGain).toEqual(direct.transportGain);
    expect(viaSeeds.arms.map((a) => [a.label, a.meanLoss, a.recoveryBeyondReadout, a.recoveryBeyondReadoutUndefined, a.macsPerStep])).toEqual(
      direct.arms.map((a) => [a.label, a.meanLoss, a.recoveryBeyondReadout, a.recoveryBeyondReadoutUndefined, a.macsPerStep]),
    );
    expect(experimentOf(config, [])).toBeNull();
  });
});

/** Hand-made seed results: readout, full and each k arm's loss, beyond-readout computed as the engine does. */
function fakeSeed(config: ExperimentConfig, seedIndex: number, loss: (label: string) => number): SeedArms {
  const L = (l: string) => loss(l) * (1 + 0.01 * seedIndex);
  const arms: ArmSeedResult[] = config.arms.map((a) => {
    const label = methodLabel(a);
    const la = L(label);
    return {
      label,
      meanLoss: la,
      recovery: ((L('frozen') - la) / (L('frozen') - L('full'))) * 100,
      recoveryBeyondReadout: ((L('readout') - la) / (L('readout') - L('full'))) * 100,
      divergedAt: -1,
      msPerStep: 1,
    };
  });
  return { seed: config.seeds[seedIndex], paramCount: config.n * (config.n + 2), taskDescription: 'delay', arms };
}

describe('the map’s grid and cells', () => {
  const job = mapJob(small());
  const { configs, map } = workerJob({ kind: 'map', params: small() });
  const plans = map!.plans;
  // τ = 1: readout-only does as well as full RTRL (no transport needed); else k arms recover 20 % per k step
  const lossFor = (tau: number) => (label: string) => {
    if (label === 'frozen') return 1;
    if (label === 'readout') return 0.6;
    if (label === 'full') return tau === 1 ? 0.599 : 0.2;
    const k = Number(label.slice(2));
    return tau === 1 ? 0.6 : 0.6 - 0.4 * Math.min(1, 0.2 * (1 + Math.log2(k + 1)));
  };
  // each run summarised over its seeds, as the worker keeps them
  const seedsFor = (count: (ci: number) => number, cs = configs) =>
    cs.map((c, ci) =>
      experimentOf(
        c,
        Array.from({ length: count(ci) }, (_, s) => fakeSeed(c, s, lossFor(c.taskOptions!.delay!.B))),
      ),
    );

  it('every seed done: values with a CI, τ = 1 hatched as “no transport needed”', () => {
    const grids = mapGrids(
      job,
      plans,
      seedsFor(() => 3),
    );
    expect(grids.map((g) => g.strategy)).toEqual(['random', 'top-k']);
    const g = grids[0];
    expect(g.seedsDone).toBe(3);
    const cells = heatCells(g);
    expect(cells).toHaveLength(4 * MAP_TAUS.length);
    const at = (k: number, tau: number) => cells.find((c) => c.x === k && c.y === tau)!;
    expect(at(0, 1).state).toBe('no-transport');
    expect(at(0, 1).text).toBe('no transport needed');
    expect(at(0, 1).title).toMatch(/^k = 0, τ = 1 \(random\): no transport needed \(the task does not need transport/);
    const c = at(2, 8);
    expect(c.state).toBe('value');
    // (0.6 − L_k)/(0.6 − 0.2) × 100 with L_k = 0.6 − 0.4·0.2·(1 + log2 3), the same on every seed up to the 1 % scale
    expect(c.value!).toBeCloseTo(20 * (1 + Math.log2(3)), 6);
    expect(c.seeds).toBe(3);
    expect(c.ci95).not.toBeNull();
    expect(c.text).toBe(String(Math.round(c.value!)));
    expect(c.title).toMatch(
      /^k = 2, τ = 8 \(random\): recovery beyond the readout \d+ %, 95 % CI \[\d+, \d+\] %, 3 seeds; full RTRL’s gain over readout-only 66\.\d %; mean loss: arm /,
    );
  });

  it('part way: runs without a seed are pending, the others show one seed without a CI', () => {
    // seed-major: the first round has reached the first 3 of the 10 runs
    const grids = mapGrids(
      job,
      plans,
      seedsFor((ci) => (ci < 3 ? 1 : 0)),
    );
    const cells = heatCells(grids[0]);
    const rowOf = (tau: number) => cells.filter((c) => c.y === tau);
    expect(rowOf(2).every((c) => c.state === 'value' && c.ci95 === null && c.seeds === 1)).toBe(true);
    expect(rowOf(2)[1].title).toContain('one seed: no CI yet');
    expect(rowOf(8).every((c) => c.state === 'pending' && c.text === 'running…')).toBe(true);
    expect(heatCells(grids[0], 'not run').find((c) => c.y === 16)!.text).toBe('not run');
    expect(heatCells(grids[1]).every((c) => c.state === 'pending')).toBe(true);
    expect(grids[0].seedsDone).toBe(0);
  });

  it('a k above n leaves its cell “k > n”', () => {
    const base = plans[0];
    const wide: MapPlan = { ...base, axes: [{ name: 'k', values: [0, 1, 2, 4, 16] }, base.axes[1]] };
    const wideJob = { strategies: job.strategies.slice(0, 1), runOf: base.runs.map((_, run) => ({ plan: 0, run })) };
    const cells = heatCells(
      mapGrids(
        wideJob,
        [wide],
        seedsFor(
          () => 2,
          base.runs.map((r) => r.config),
        ),
      )[0],
    );
    const over = cells.filter((c) => c.x === 16);
    expect(over.every((c) => c.state === 'k-over-n' && c.text === 'k > n')).toBe(true);
  });

  it('the worker summarises each seed as it lands: the grids it sends, and the frontier’s', () => {
    const results = new JobResults({ spec: { kind: 'map', params: small() }, configs, map: { job, plans } });
    configs.forEach((c, ci) => {
      if (ci < 3) results.add(ci, 0, fakeSeed(c, 0, lossFor(c.taskOptions!.delay!.B)));
    });
    expect(results.grids()).toEqual(
      mapGrids(
        job,
        plans,
        seedsFor((ci) => (ci < 3 ? 1 : 0)),
      ),
    );
    expect(results.frontier()?.seedsDone).toBe(1);
    const frontier = workerJob({ kind: 'frontier', params: small() });
    const f = new JobResults(frontier);
    expect(f.frontier()).toBeNull();
    expect(f.grids()).toBeNull();
    const c = frontier.configs[0];
    f.add(
      0,
      0,
      fakeSeed(c, 0, (label) => (label === 'frozen' ? 1 : label === 'readout' ? 0.6 : 0.3)),
    );
    expect(f.frontier()).toEqual({
      frontier: frontierOf(experimentOf(c, [fakeSeed(c, 0, (label) => (label === 'frozen' ? 1 : label === 'readout' ? 0.6 : 0.3))])!),
      seedsDone: 1,
    });
  });
});

describe('the frontier as a plot', () => {
  const stat = (v: number[]) => seedStatistics(v);
  const point = (label: string, macs: number, beyond: number[] | null, loss: number[], onFrontier: boolean, diverged = 0) => ({
    label,
    method: { kind: 'frozen' } as const,
    macsPerStep: macs,
    beyondReadout: beyond ? stat(beyond) : null,
    recovery: null,
    meanLoss: stat(loss),
    diverged,
    onFrontier,
  });
  const defined: Frontier = {
    task: 'delay',
    beyondReadoutUndefined: null,
    points: [
      point('full', 1e6, [100, 100], [0.2, 0.21], false),
      point('readout', 10, [0, 0], [0.6, 0.61], true),
      point('k=1', 1e4, [70, 80], [0.3, 0.31], true),
      point('uoro', 1e3, [-5, 5], [0.7, 0.71], false),
      point('kf', 5e4, [NaN], [NaN], false, 1),
    ],
  };

  it('recovery beyond the readout by cost, cheapest first; the step line through the frontier; no finite y, no point', () => {
    const plot = frontierPlot(defined);
    expect(plot.mode).toBe('beyond');
    expect(plot.yLabel).toBe('recovery beyond the readout (%)');
    expect(plot.points.map((p) => p.label)).toEqual(['readout', 'uoro', 'k=1', 'full']);
    expect(plot.frontier.map((p) => p.label)).toEqual(['readout', 'k=1']);
    const k1 = plot.points[2];
    expect(k1).toMatchObject({ x: 1e4, y: 75 });
    expect(k1.lo).toBeGreaterThanOrEqual(70);
    expect(k1.hi).toBeLessThanOrEqual(80);
  });

  it('where recovery beyond the readout is undefined: mean loss, lower is better', () => {
    const plot = frontierPlot({
      ...defined,
      beyondReadoutUndefined: 'the task does not need transport: …',
      points: defined.points.map((p) => ({ ...p, beyondReadout: null })),
    });
    expect(plot.mode).toBe('loss');
    expect(plot.yLabel).toMatch(/mean loss .*lower is better/);
    expect(plot.undefinedReason).toMatch(/^the task does not need transport/);
    expect(plot.points.find((p) => p.label === 'full')!.y).toBeCloseTo(0.205, 9);
  });

  it('arm names in words', () => {
    expect(['full', 'readout', 'k=4', 'snap1', 'uoro', 'kf', 'tbptt:8'].map(armName)).toEqual([
      'full RTRL',
      'readout-only',
      'k = 4',
      'SnAp-1',
      'UORO',
      'KF-RTRL',
      'TBPTT(8)',
    ]);
  });

  it('labels: points at one place share a label; labels avoid each other, the points and the edges', () => {
    const merged = mergeCoincident([
      { px: 100, py: 50, text: 'full RTRL' },
      { px: 101, py: 50, text: 'k = 8' },
      { px: 40, py: 90, text: 'k = 0' },
    ]);
    expect(merged.map((m) => [m.text, m.hidden])).toEqual([
      ['full RTRL, k = 8', false],
      ['k = 8', true],
      ['k = 0', false],
    ]);
    const plot = { x0: 0, x1: 200, y0: 0, y1: 100 };
    const items = [
      { px: 50, py: 50, text: 'k = 1' },
      { px: 56, py: 50, text: 'k = 2' },
      { px: 195, py: 5, text: 'full RTRL' },
    ];
    const spots = placeLabels(items, plot);
    const box = (i: number) => {
      const w = items[i].text.length * 5.8;
      const x = items[i].px + spots[i].dx;
      const x0 = spots[i].anchor === 'start' ? x : spots[i].anchor === 'end' ? x - w : x - w / 2;
      return { x0, x1: x0 + w, y0: items[i].py + spots[i].dy - 9, y1: items[i].py + spots[i].dy + 2 };
    };
    const [a, b, c] = [0, 1, 2].map(box);
    expect(Math.min(a.x1, b.x1) <= Math.max(a.x0, b.x0) || Math.min(a.y1, b.y1) <= Math.max(a.y0, b.y0)).toBe(true);
    // at the top right corner the label goes left and below, inside the plot
    expect(c.x0).toBeGreaterThanOrEqual(0);
    expect(c.x1).toBeLessThanOrEqual(200);
    expect(c.y0).toBeGreaterThanOrEqual(0);
  });
});
