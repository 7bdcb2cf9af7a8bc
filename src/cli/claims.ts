/**
 * The claims suite, headless: `npm run claims [-- --size reduced] [--json] [--only id,id]`.
 * Runs every claim's experiments (identical configurations are run once and shared), then prints the
 * paper's number beside the measured one and a verdict per claim.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { CLAIMS, describeSettings, transformerTransportColumns, transportColumns, VERDICTS, type ClaimOutcome, type ClaimSize } from '../claims/claims';
import { PRECISIONS, type ExperimentConfig } from '../engine/config';
import type { Precision } from '../engine/precision';
import type { ExperimentResult } from '../engine/experiment';
import { runExperiment } from '../engine/experiment';
import { runExperimentParallel } from './parallelExperiment';
import { runTransformerExperiment, type TransformerExperimentResult } from './transformerExperiment';
import { parseErrorMessage, stringOptions } from './parseError';

const USAGE = `usage: npm run claims -- [--size full|reduced] [--only id,id] [--precision f32|f64] [--scaling-n N] [--threads T] [--json | --markdown]
  --markdown     the table for the README's "What we find against the paper"
  --scaling-n N  the larger n of the scaling claim (default: 256 at full size on the WebAssembly kernel,
                 where full RTRL costs about 1 s per step on one idle core; 128 on the TypeScript kernel)
claims: ${CLAIMS.map((c) => c.id).join(', ')}
verdicts: ${VERDICTS.join(' | ')}`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        ...stringOptions('size', 'only', 'threads', 'precision', 'scaling-n'),
        json: { type: 'boolean' },
        markdown: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`error: ${parseErrorMessage(e)} (see --help)\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const size = (values.size ?? 'full') as ClaimSize;
  if (size !== 'full' && size !== 'reduced') {
    process.stderr.write(`error: --size must be full or reduced, got '${values.size}'\n`);
    return 2;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((id) => !CLAIMS.some((c) => c.id === id));
  if (unknown && unknown.length) {
    process.stderr.write(`error: --only: unknown claim ${unknown.join(', ')}; claims are ${CLAIMS.map((c) => c.id).join(', ')}\n`);
    return 2;
  }
  const threads = values.threads === undefined ? availableParallelism() : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    process.stderr.write(`error: --threads must be an integer in [1, 64], got '${values.threads}'\n`);
    return 2;
  }
  const precision = (values.precision ?? 'f32') as Precision;
  if (!PRECISIONS.includes(precision)) {
    process.stderr.write(`error: --precision must be f32 or f64, got '${values.precision}'\n`);
    return 2;
  }
  if (values.json && values.markdown) {
    process.stderr.write('error: --json and --markdown: choose one output\n');
    return 2;
  }
  const scalingN = values['scaling-n'] === undefined ? undefined : Number(values['scaling-n']);
  if (scalingN !== undefined && !(Number.isInteger(scalingN) && scalingN >= 2 && scalingN <= 512)) {
    process.stderr.write(`error: --scaling-n must be an integer in [2, 512], got '${values['scaling-n']}'\n`);
    return 2;
  }
  const options = { precision, scalingN };
  const claims = CLAIMS.filter((c) => !only || only.includes(c.id));

  // Run each distinct configuration once.
  const cache = new Map<string, ExperimentResult>();
  const failures = new Map<string, string>();
  const plan = claims.flatMap((c) => Object.values(c.experiments(size, options)));
  const distinct = [...new Map(plan.map((cfg) => [JSON.stringify(cfg), cfg])).values()];
  const t0 = performance.now();
  for (const [i, cfg] of distinct.entries()) {
    process.stderr.write(`[${i + 1}/${distinct.length}] ${describe(cfg)}\n`);
    const run = () =>
      threads > 1 && cfg.seeds.length > 1 ? runExperimentParallel(cfg, undefined, Math.min(threads, cfg.seeds.length)) : Promise.resolve(runExperiment(cfg));
    // one failed configuration (a worker lost, say) is retried once, then marks its claims 'not run': the
    // rest of a long suite is kept
    try {
      cache.set(
        JSON.stringify(cfg),
        await run().catch((e: unknown) => {
          process.stderr.write(`  failed (${e instanceof Error ? e.message : String(e)}); retrying once\n`);
          return run();
        }),
      );
    } catch (e) {
      process.stderr.write(`  failed again: ${e instanceof Error ? e.message : String(e)}\n`);
      failures.set(JSON.stringify(cfg), e instanceof Error ? e.message : String(e));
    }
  }
  const transformerResults = new Map<string, TransformerExperimentResult>();
  for (const c of claims) {
    if (!c.transformer) continue;
    const job = c.transformer(size, options);
    process.stderr.write(
      `[transformer] ${c.id}: ${job.config.task}, ρ ${job.config.headFractions.join(', ')}, ${job.seeds.length} seeds × ${job.config.adaptSteps} steps\n`,
    );
    transformerResults.set(c.id, await runTransformerExperiment(job, Math.min(threads, job.seeds.length)));
  }
  const outcomes = claims.map((c) => {
    if (c.transformer && c.judgeTransformer) {
      const job = c.transformer(size, options);
      const r = transformerResults.get(c.id)!;
      const t = job.config;
      const settings = `transformer d=${t.dModel} H=${t.heads} L=${t.layers} window ${t.context} on ${t.task}; ${t.optimizer.kind} lr ${t.optimizer.lr} (the task's default, chosen for the dense arm); ${t.precision}; ${job.seeds.length} seeds`;
      let outcome: ClaimOutcome;
      const columns = transformerTransportColumns(r, c.beyondArm);
      try {
        outcome = { ...c.judgeTransformer(r), ...columns, settings };
      } catch (e) {
        outcome = { measured: 'error', value: NaN, verdict: 'not run', detail: (e as Error).message, ...columns, settings };
      }
      return { id: c.id, statement: c.statement, paper: c.paper, rule: c.rule, ...outcome };
    }
    const configs = Object.entries(c.experiments(size, options));
    const failed = configs.map(([, cfg]) => failures.get(JSON.stringify(cfg))).find((f) => f !== undefined);
    if (failed !== undefined) {
      const none = { transport: '-', readoutOnly: '-', beyondReadout: '-' };
      return {
        id: c.id,
        statement: c.statement,
        paper: c.paper,
        rule: c.rule,
        measured: 'error',
        value: NaN,
        verdict: 'not run' as const,
        detail: failed,
        ...none,
        settings: '-',
      };
    }
    const results = Object.fromEntries(configs.map(([name, cfg]) => [name, cache.get(JSON.stringify(cfg))!]));
    const settings = (Object.keys(results).length ? describeSettings(results) : '-') + (c.note ? `; ${c.note(size, options)}` : '');
    let outcome: ClaimOutcome;
    const columns = transportColumns(results, c.beyondArm ?? 'k=4');
    try {
      outcome = { ...c.judge(results, size), ...columns, settings };
    } catch (e) {
      outcome = { measured: 'error', value: NaN, verdict: 'not run', detail: (e as Error).message, ...columns, settings };
    }
    return { id: c.id, statement: c.statement, paper: c.paper, rule: c.rule, ...outcome };
  });
  const seconds = (performance.now() - t0) / 1000;
  const title = `claims of arXiv:2603.15195, ${size} sizes, ${precision}, measured on the CPU engine in ${seconds.toFixed(0)} s`;
  if (values.json) {
    process.stdout.write(JSON.stringify({ size, precision, seconds, claims: outcomes }) + '\n');
  } else if (values.markdown) {
    const cell = (x: string) => x.replace(/\|/g, '\\|');
    const out = [
      `_${title} (\`npm run claims -- --size ${size}${precision === 'f64' ? ' --precision f64' : ''} --markdown\`)._`,
      '',
      "| claim | paper | ours (paper's definition: vs frozen; mean ± std [95 % CI]) | readout-only's own recovery | beyond the readout | does the task need transport? | verdict | settings |",
      '|---|---|---|---|---|---|---|---|',
      ...outcomes.map(
        (o) =>
          `| ${cell(o.statement)} | ${cell(o.paper)} | ${cell(o.measured)} | ${cell(o.readoutOnly)} | ${cell(o.beyondReadout)} | ${cell(o.transport)} | **${o.verdict}** | ${cell(o.settings)} |`,
      ),
      '',
      ...outcomes.map((o) => `- \`${o.id}\`: ${cell(o.rule)}. ${cell(o.detail)}.`),
    ];
    process.stdout.write(out.join('\n') + '\n');
  } else {
    const header = ['claim', 'paper', 'measured', 'beyond readout', 'verdict'];
    const rows = outcomes.map((o) => [o.id, o.paper, o.measured, o.beyondReadout, o.verdict]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
    const out = [title, '', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''];
    for (const o of outcomes) out.push(`${o.id} (${o.settings}): ${o.rule}. ${o.detail}. Transport: ${o.transport}; readout-only recovers ${o.readoutOnly}.`);
    process.stdout.write(out.join('\n') + '\n');
  }
  return 0;
}

function describe(c: ExperimentConfig): string {
  const sparse = c.arms.find((a) => a.kind === 'sparse');
  return `${c.task} n=${c.n} ${c.optimizer.kind} arms ${c.arms.length}${sparse && sparse.kind === 'sparse' ? ` (${sparse.strategy})` : ''}, ${c.seeds.length} seeds × ${c.adaptSteps} steps`;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
