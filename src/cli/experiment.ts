/**
 * Headless experiment runner: `npm run experiment -- --task sine --n 64 --k 0,1,2,4,8,64 --seeds 5`.
 * Prints one row per arm (or, with --json, one JSON object on stdout); progress goes to stderr.
 * A bad option ends with a one-line message naming it and its allowed range, and exit code 2.
 */
import { parseExperimentArgs, CLI_USAGE } from './experimentArgs';
import { formatLrSweepTable, formatResultTable, formatTransformerTable, lrSweepToJson, resultToJson, transformerToJson } from './report';
import type { ParsedArgs } from './experimentArgs';
import { runTransformerExperiment, selectTransformerRates, type TransformerJob } from './transformerExperiment';
import { ConfigError, type ExperimentConfig } from '../engine/config';
import { frontierOf } from '../engine/frontier';
import { collectMap } from '../engine/recoveryMap';
import { formatFrontierTable, formatMapTable, frontierToJson, mapToJson } from './mapReport';
import { runExperiment, type ExperimentResult, type Progress } from '../engine/experiment';
import { applyLearningRates } from '../engine/learningRateSelection';
import { selectLearningRates, type ExperimentRunner, type SelectionRun } from './lrSelectionRunner';
import { runExperimentParallel } from './parallelExperiment';
import { parseErrorMessage } from './parseError';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseExperimentArgs(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    // node:util parseArgs throws TypeErrors, some with several lines; the CLI promises one line.
    process.stderr.write(`error: ${parseErrorMessage(e)} (see --help)\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(CLI_USAGE + '\n');
    return 0;
  }
  const { json, threads } = parsed;
  if (parsed.transformer) return runTransformerCli(parsed.transformer, parsed, json, threads);
  let config = parsed.config;
  const log = (line: string) => process.stderr.write(line + '\n');
  const runCpu: ExperimentRunner = (c, onProgress) =>
    threads > 1 ? runExperimentParallel(c, onProgress, Math.min(threads, c.seeds.length)) : Promise.resolve(runExperiment(c, onProgress));
  if (parsed.map) {
    const plan = parsed.map;
    const results: ExperimentResult[] = [];
    for (const [i, run] of plan.runs.entries()) {
      log(`map: run ${i + 1}/${plan.runs.length} (${run.cells.length} cell${run.cells.length === 1 ? '' : 's'})`);
      results.push(parsed.backend === 'gpu' ? await runGpuOrCpu(run.config) : await runCpu(run.config, progressReporter()));
    }
    const map = collectMap(plan, results);
    const description = results[0]?.taskDescription ?? '';
    process.stdout.write(json ? JSON.stringify(mapToJson(map, config, description)) + '\n' : formatMapTable(map, config, description) + '\n');
    return 0;
  }
  if (parsed.lrSweep) {
    const results: ExperimentResult[] = [];
    for (const lr of parsed.lrGrid) {
      log(`lr sweep: lr ${lr}`);
      results.push(await runCpu({ ...config, optimizer: { ...config.optimizer, lr } }, progressReporter()));
    }
    process.stdout.write(json ? JSON.stringify(lrSweepToJson(parsed.lrGrid, results)) + '\n' : formatLrSweepTable(parsed.lrGrid, results) + '\n');
    return 0;
  }
  let selection: SelectionRun | null = null;
  if (parsed.lrSelect !== 'fixed') {
    selection = await selectLearningRates(config, parsed.lrSelect, parsed.lrGrid, parsed.tuningSeeds, (c) => runCpu(c), log);
    config = applyLearningRates(config, selection.selection);
  }
  let result;
  try {
    // Seeds are independent: one worker thread per core; a single thread runs in-process.
    result = parsed.backend === 'gpu' ? await runGpuOrCpu(config) : await runCpu(config, progressReporter());
  } catch (e) {
    if (!(e instanceof GpuUnavailable)) throw e;
    process.stderr.write(`error: --backend gpu: ${e.message}\n`);
    return 2;
  }
  if (parsed.frontier) {
    const frontier = frontierOf(result);
    process.stdout.write(json ? JSON.stringify(frontierToJson(frontier, result)) + '\n' : formatFrontierTable(frontier, result) + '\n');
    return 0;
  }
  process.stdout.write(json ? JSON.stringify(resultToJson(result, selection)) + '\n' : formatResultTable(result, selection) + '\n');
  return 0;
}

/** No WebGPU adapter in this process: the CLI ends with exit code 2. */
class GpuUnavailable extends Error {}

/**
 * One experiment on the WebGPU engine (Dawn in Node); where an arm does not run there (the method
 * registry's word), the CPU engine runs the whole experiment and a warning says so.
 */
async function runGpuOrCpu(config: ExperimentConfig): Promise<ExperimentResult> {
  // Loaded only when asked for, so the CPU path never touches Dawn.
  const { runOnNodeGpu } = await import('../gpu/nodeBackend');
  const gpu = await runOnNodeGpu(config, progressReporter());
  if (gpu.kind === 'unavailable') throw new GpuUnavailable(gpu.error.message);
  if (gpu.kind === 'mismatch') process.stderr.write(`warning: --backend gpu: ${gpu.reason}; falling back to the CPU engine\n`);
  return gpu.kind === 'ran' ? gpu.result : runExperiment(config, progressReporter());
}

/** `--model transformer`: the same table, JSON, statistics, selection and sweep, with dense as the reference. */
async function runTransformerCli(job: TransformerJob, parsed: ParsedArgs, json: boolean, threads: number): Promise<number> {
  const log = (line: string) => process.stderr.write(line + '\n');
  if (parsed.lrSweep) {
    for (const lr of parsed.lrGrid) {
      log(`lr sweep: lr ${lr}`);
      const r = await runTransformerExperiment({ ...job, config: { ...job.config, optimizer: { ...job.config.optimizer, lr } } }, threads, progressReporter());
      process.stdout.write(json ? JSON.stringify(transformerToJson(r)) + '\n' : formatTransformerTable(r) + '\n\n');
    }
    return 0;
  }
  let selection: {
    mode: string;
    grid: number[];
    tuningSeeds: number[];
    chosen: Record<string, number>;
    scores: Record<string, number[]>;
    seconds: number;
  } | null = null;
  if (parsed.lrSelect !== 'fixed') {
    const s = await selectTransformerRates(job, parsed.lrSelect, parsed.lrGrid, parsed.tuningSeeds, threads, log);
    job = s.job;
    selection = { mode: parsed.lrSelect, grid: parsed.lrGrid, tuningSeeds: parsed.tuningSeeds, chosen: s.chosen, scores: s.scores, seconds: s.seconds };
  }
  const result = await runTransformerExperiment(job, threads, progressReporter());
  const how = selection
    ? `lr ${selection.mode === 'full' ? `${job.config.optimizer.lr}, chosen for the dense arm` : 'chosen per arm (column lr)'} by --lr-select ${selection.mode} over {${selection.grid.join(', ')}} on tuning seeds ${selection.tuningSeeds.join(',')} (${selection.seconds.toFixed(0)} s)`
    : null;
  process.stdout.write(json ? JSON.stringify(transformerToJson(result, selection)) + '\n' : formatTransformerTable(result, how) + '\n');
  return 0;
}

/** Progress on stderr: a rewritten line on a terminal, a few plain lines in a log. */
function progressReporter(): (p: Progress) => void {
  const tty = process.stderr.isTTY;
  const lastLogged = new Map<number, number>();
  return (p) => {
    const label = `seed ${p.seedIndex + 1}/${p.seedCount}`;
    const text = p.phase === 'pretrain' ? `${label}: pretraining on regime A` : `${label}: adapting, step ${p.step}/${p.steps}`;
    if (tty) {
      process.stderr.write(`\r${text.padEnd(60)}`);
      if (p.phase === 'adapt' && p.step === p.steps && p.seedIndex + 1 === p.seedCount) process.stderr.write('\n');
      return;
    }
    const quarter = p.phase === 'pretrain' ? -1 : Math.floor((4 * p.step) / p.steps);
    if (lastLogged.get(p.seedIndex) !== quarter) {
      lastLogged.set(p.seedIndex, quarter);
      process.stderr.write(text + '\n');
    }
  };
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    // An unexpected failure still gets one line, not a stack trace.
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
