/**
 * Recovery vs head fraction for the transformer (docs/transformer.md), by the lab's rule: the learning rate
 * is the grid value that minimises the dense arm's mean adaptation loss on tuning seeds disjoint from the
 * evaluation seeds, then every arm runs at it on the evaluation seeds. Prints a table (mean ± std over
 * seeds), ms per step and the theoretical cost per arm, and writes the rows as JSON when --out is given.
 *
 *   npx tsx scripts/transformer-sweep.ts --task sine --seeds 1,2,3,4,5 --tune-seeds 101,102,103
 *     [--lrs 1e-4,3e-4,1e-3,3e-3] [--fractions 1,0.5,0.33,0.25,0] [--heads 4] [--d-model 32] [--layers 1]
 *     [--context 32] [--adapt 1000] [--pretrain 600] [--batch 8] [--strategy random] [--refresh 0]
 *     [--window all] [--out file.json] [--cache dir]
 *
 * --cache keeps each seed's pretrained model on disk (keyed by task, shape, pretraining and seed), so a
 * second sweep with another rate grid or strategy skips pretraining.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { referenceImprovement, seedStatistics } from '../src/engine/statistics';
import {
  defaultTransformerConfig,
  initTransformer,
  transformerShape,
  TransformerSeedRun,
  type TransformerParams,
  type HeadStrategy,
  type TransformerExperimentConfig,
  type TransformerSeedResult,
} from '../src/engine/models/transformer';
import { hashString, Rng } from '../src/engine/rng';
import { createTask } from '../src/engine/tasks';
import type { TaskName } from '../src/engine/tasks/task';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const list = (s: string) => s.split(',').map(Number);

const base: TransformerExperimentConfig = defaultTransformerConfig();
const config: TransformerExperimentConfig = {
  ...base,
  task: arg('task', 'sine') as TaskName,
  dModel: Number(arg('d-model', String(base.dModel))),
  heads: Number(arg('heads', String(base.heads))),
  layers: Number(arg('layers', String(base.layers))),
  context: Number(arg('context', String(base.context))),
  headFractions: list(arg('fractions', base.headFractions.join(','))),
  strategy: arg('strategy', base.strategy) as HeadStrategy,
  refreshEvery: Number(arg('refresh', String(base.refreshEvery))),
  adaptSteps: Number(arg('adapt', String(base.adaptSteps))),
  window: arg('window', base.window) as 'all' | 'last-quarter',
  pretrain: { ...base.pretrain, steps: Number(arg('pretrain', String(base.pretrain.steps))), batch: Number(arg('batch', String(base.pretrain.batch))) },
};
const seeds = list(arg('seeds', '1,2,3,4,5'));
const tuneSeeds = list(arg('tune-seeds', '101,102,103'));
const lrs = list(arg('lrs', '1e-4,3e-4,1e-3,3e-3'));
const out = arg('out', '');
const cacheDir = arg('cache', '');

type Reuse = { pretrained: TransformerParams; pretrainLoss: number[] };
function cacheFile(seed: number): string {
  const key = JSON.stringify([
    config.task,
    config.dModel,
    config.heads,
    config.layers,
    config.context,
    config.positions,
    config.finalNorm,
    config.pretrain,
    config.precision,
    seed,
  ]);
  return `${cacheDir}/${hashString(key).toString(16)}.json`;
}
/** A run of `seed` under `c`, its pretraining taken from the cache when there. */
function seedRun(c: TransformerExperimentConfig, seed: number, reuse?: Reuse): TransformerSeedRun {
  if (!reuse && cacheDir && existsSync(cacheFile(seed))) {
    const saved = JSON.parse(readFileSync(cacheFile(seed), 'utf8')) as { theta: number[]; pretrainLoss: number[] };
    const params = initTransformer(transformerShape(c, createTask(c.task, new Rng(0))), new Rng(0), c.precision);
    params.theta.set(saved.theta);
    reuse = { pretrained: params, pretrainLoss: saved.pretrainLoss };
  }
  const run = new TransformerSeedRun(c, seed, reuse);
  if (!reuse && cacheDir) {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile(seed), JSON.stringify({ theta: Array.from(run.pretrained.theta), pretrainLoss: run.pretrainLoss }));
  }
  return run;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

// 1. learning-rate selection on the dense arm (frozen and dense only), tuning seeds
const tuneConfig = { ...config, headFractions: [1] };
const denseLoss = lrs.map(() => [] as number[]);
let pretrainCpu = 0;
// a one-value grid is a rate chosen before (e.g. the dense arm's, selected for another strategy): no tuning
for (const seed of lrs.length > 1 ? tuneSeeds : []) {
  const u0 = process.cpuUsage();
  const first = seedRun({ ...tuneConfig, optimizer: { ...config.optimizer, lr: lrs[0] } }, seed);
  pretrainCpu += cpuSeconds(process.cpuUsage(u0));
  lrs.forEach((lr, i) => {
    const run = i === 0 ? first : new TransformerSeedRun({ ...tuneConfig, optimizer: { ...config.optimizer, lr } }, seed, first);
    while (!run.done) run.step();
    const r = run.result();
    denseLoss[i].push(r.arms[1].divergedAt >= 0 ? Infinity : r.arms[1].meanLoss);
    console.error(`tune seed ${seed} lr ${lr}: frozen ${r.arms[0].meanLoss.toFixed(5)} dense ${r.arms[1].meanLoss.toFixed(5)}`);
  });
}
const meanDense = denseLoss.map((v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN));
const best = lrs.length > 1 ? meanDense.indexOf(Math.min(...meanDense)) : 0;
const lr = lrs[best];
console.log(
  `task ${config.task}: d ${config.dModel}, H ${config.heads}, L ${config.layers}, W ${config.context}, strategy ${config.strategy}, refresh ${config.refreshEvery}`,
);
console.log(
  `lr selection (dense mean loss on tuning seeds ${tuneSeeds.join(',')}): ${lrs.map((l, i) => `${l}: ${meanDense[i].toFixed(5)}`).join(', ')} -> lr ${lr}`,
);
console.log(`pretraining: ${(pretrainCpu / tuneSeeds.length).toFixed(1)} s CPU per seed`);

// 2. every arm at the selected rate, evaluation seeds
const evalConfig = { ...config, optimizer: { ...config.optimizer, lr } };
const results: TransformerSeedResult[] = [];
for (const seed of seeds) {
  const u0 = process.cpuUsage();
  const run = seedRun(evalConfig, seed);
  const u1 = process.cpuUsage();
  while (!run.done) run.step();
  const r = run.result();
  results.push(r);
  const pre = cpuSeconds(u1) - cpuSeconds(u0);
  console.error(
    `seed ${seed}: pretrain ${pre.toFixed(1)} s, adapt ${(cpuSeconds(process.cpuUsage()) - cpuSeconds(u1)).toFixed(1)} s CPU; ` +
      r.arms.map((a) => `${a.label} ${a.meanLoss.toFixed(5)} (${a.recovery.toFixed(0)} %)`).join(', '),
  );
}
const labels = results[0].arms.map((a) => a.label);
const reference = referenceImprovement(
  results.map((r) => r.arms[0].meanLoss),
  results.map((r) => r.arms[1].meanLoss),
);
console.log(
  `dense improves on frozen by ${(100 * reference.improvement.mean).toFixed(1)} ± ${(100 * reference.improvement.std).toFixed(1)} % of L_frozen` +
    (reference.undefinedReason ? `: recovery undefined (${reference.undefinedReason})` : ''),
);
console.log('arm        mean loss           recovery %          diverged  ms/step  MMAC/step  KB/step');
labels.forEach((label, a) => {
  const loss = seedStatistics(results.map((r) => r.arms[a].meanLoss));
  const rec = seedStatistics(results.map((r) => r.arms[a].recovery));
  const diverged = results.filter((r) => r.arms[a].divergedAt >= 0).length;
  const ms = results.reduce((s, r) => s + r.arms[a].msPerStep, 0) / results.length;
  const cost = results[0].costs[a];
  console.log(
    `${label.padEnd(10)} ${loss.mean.toFixed(5)} ± ${loss.std.toFixed(5)}  ${rec.mean.toFixed(1).padStart(7)} ± ${rec.std.toFixed(1).padEnd(7)}  ${String(diverged).padStart(8)}  ${ms.toFixed(3).padStart(7)}  ${(cost.macs / 1e6).toFixed(3).padStart(9)}  ${(cost.bytes / 1024).toFixed(0).padStart(7)}`,
  );
});
if (out) {
  writeFileSync(
    out,
    JSON.stringify(
      {
        config: evalConfig,
        lrSelection: { lrs, meanDense, lr, tuneSeeds },
        seeds: results.map((r) => ({ seed: r.seed, pretrainLoss: r.pretrainLoss, arms: r.arms, costs: r.costs })),
      },
      null,
      1,
    ),
  );
}
