/** The experiment's table and JSON, shared by the CLI and the claims suite. */
import type { ArmSummary, ExperimentResult } from '../engine/experiment';
import { MODELS } from '../engine/models';
import { ABOVE_REFERENCE_NOTE, MIN_REFERENCE_IMPROVEMENT, NO_READOUT_ARM, type SeedStatistics } from '../engine/statistics';
import { STRATEGY_DESCRIPTIONS } from '../engine/transportMask';
import type { SelectionRun } from './lrSelectionRunner';
import type { TransformerExperimentResult } from './transformerExperiment';

export function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

export function engineering(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) if (x >= v) return `${(x / v).toFixed(x / v >= 100 ? 0 : 1)}${u}`;
  return x.toFixed(0);
}

/** "84.1 ± 5.9" with its CI "[79.0, 89.2]", or the reason recovery is undefined. */
function recoveryCells(a: Pick<ArmSummary, 'recovery' | 'recoveryUndefined'>): [string, string] {
  if (a.recoveryUndefined !== null) return ['undefined', '-'];
  const r = a.recovery;
  const mark = r.mean > 100 ? '*' : '';
  return [`${fmt(r.mean)} ± ${fmt(r.std)}${mark}`, ci(r)];
}

/** Recovery beyond the readout and its CI; "-" for frozen (below the floor), "undefined" when the task does not need transport. */
function beyondReadoutCells(a: Pick<ArmSummary, 'recoveryBeyondReadout' | 'recoveryBeyondReadoutUndefined'>, frozen: boolean): [string, string] {
  if (frozen) return ['-', '-'];
  if (a.recoveryBeyondReadoutUndefined !== null) return ['undefined', '-'];
  const r = a.recoveryBeyondReadout;
  return [`${fmt(r.mean)} ± ${fmt(r.std)}`, ci(r)];
}

/** The columns of an arm's outcome, the RNN's table and the transformer's alike. */
const OUTCOME_HEADER = ['lr', 'mean loss', 'recovery %', '95 % CI', 'beyond readout %', '95 % CI'];

/** An arm's cells under OUTCOME_HEADER. */
function outcomeCells(a: Omit<ArmSummary, 'method'>, frozen: boolean): string[] {
  return [String(a.learningRate), a.meanLoss.mean.toExponential(3), ...recoveryCells(a), ...beyondReadoutCells(a, frozen)];
}

/** The columns of an arm's divergence and cost, both tables alike. */
const COST_HEADER = ['diverged', 'ms/step', 'MAC/step', 'bytes/step'];

/** An arm's cells under COST_HEADER; diverged counts out of `seeds`. */
function costCells(a: Omit<ArmSummary, 'method'>, seeds: number): string[] {
  return [`${a.diverged}/${seeds}`, fmt(a.msPerStep, 2), engineering(a.macsPerStep), engineering(a.bytesPerStep)];
}

/** One line on what the transport adds: full RTRL's gain over readout-only with CI, or why the task does not need it. */
export function transportLine(r: ExperimentResult): string | null {
  const gain = r.transportGain;
  if (!gain) return `recovery beyond the readout: not measured (${NO_READOUT_ARM})`;
  const imp = gain.improvement;
  const base = `transport: full RTRL improved on readout-only by ${fmt(100 * imp.mean)} % (95 % CI ${ci(imp, 100)}, ${imp.count} seed${imp.count === 1 ? '' : 's'})`;
  return gain.undefinedReason ? `${base}\nrecovery beyond the readout is undefined: ${gain.undefinedReason}` : base;
}

/** The constant predictor's line for tasks that state one (the adding problems). */
export function trivialLine(r: ExperimentResult): string | null {
  if (r.trivialLoss === null) return null;
  return `trivial constant predictor: loss ${r.trivialLoss.toExponential(3)} (MSE ${fmt(2 * r.trivialLoss, 3)}); an arm above it learned nothing usable`;
}

/** A text table: the first column left-aligned, the rest right-aligned, a dashed rule under the header. */
export function alignedTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function ci(s: SeedStatistics, scale = 1, digits = 1): string {
  return s.ci95 ? `[${fmt(s.ci95[0] * scale, digits)}, ${fmt(s.ci95[1] * scale, digits)}]` : '-';
}

function lrText(r: ExperimentResult, selection: SelectionRun | null): string {
  const c = r.config;
  if (!selection) return `lr ${c.optimizer.lr} (fixed)`;
  const s = selection.selection;
  const how = s.mode === 'full' ? `lr ${c.optimizer.lr}, chosen for full RTRL` : 'lr chosen per arm (column lr)';
  return `${how} by --lr-select ${s.mode} over {${s.grid.join(', ')}} on tuning seeds ${s.tuningSeeds.join(',')} (${selection.cached ? 'cached' : `${selection.seconds.toFixed(0)} s`})`;
}

/** On how many seeds full RTRL had the lowest mean loss of the learning arms (the reference should lead). */
export function referenceRanking(r: ExperimentResult): string | null {
  const learning = r.config.arms.map((a, i) => ({ a, i })).filter(({ a }) => a.kind !== 'frozen');
  if (learning.length < 2) return null;
  const fullIndex = r.config.arms.findIndex((a) => a.kind === 'full');
  const best = r.seeds.filter((s) => learning.every(({ i }) => !(s.arms[i].meanLoss < s.arms[fullIndex].meanLoss))).length;
  return `full RTRL has the lowest mean loss of the learning arms on ${best} of ${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'}`;
}

/** One line on the reference: its improvement over frozen with CI, or why recovery is undefined. */
export function referenceLine(r: ExperimentResult): string {
  const imp = r.reference.improvement;
  const base = `reference: full RTRL improved on frozen by ${fmt(100 * imp.mean)} % (95 % CI ${ci(imp, 100)}, ${imp.count} seed${imp.count === 1 ? '' : 's'})`;
  return r.reference.undefinedReason ? `${base}\nrecovery is undefined: ${r.reference.undefinedReason}` : base;
}

export function formatResultTable(r: ExperimentResult, selection: SelectionRun | null = null): string {
  const c = r.config;
  const sparse = c.arms.find((a) => a.kind === 'sparse');
  const lines: string[] = [];
  lines.push(`task ${c.task}: ${r.taskDescription}`);
  lines.push(
    `${(c.model ?? 'rnn').toUpperCase()} n=${c.n}, ${c.precision ?? 'f32'}, ${c.optimizer.kind} ${lrText(r, selection)}, ${c.model === 'lstm' ? '' : `leak=${c.leak}, `}seeds ${c.seeds.join(',')}, ` +
      `pretrain ${c.pretrain.steps} steps, adapt ${c.adaptSteps} steps, recovery window: ${c.window}` +
      (sparse && sparse.kind === 'sparse'
        ? `, selection ${sparse.strategy} (${STRATEGY_DESCRIPTIONS[sparse.strategy]})${sparse.refreshEvery ? `, redrawn every ${sparse.refreshEvery}` : ', fixed'}${sparse.rescale ? ', rescaled n/k' : ''}`
        : ''),
  );
  const pre = r.seeds.map((s) => s.pretrainLoss.at(-1) ?? NaN);
  lines.push(
    c.pretrain.steps === 0
      ? 'no pretraining: every arm starts from the initial weights'
      : `pretrain loss (regime A, last epoch): ${pre.map((x) => x.toExponential(2)).join(', ')}`,
  );
  const header = ['arm', ...OUTCOME_HEADER, 'CV', ...COST_HEADER];
  if (c.fidelity) header.push('cos(g,g_full)');
  const rows = r.arms.map((a) => {
    const cv = a.recoveryUndefined === null ? fmt(a.recovery.cv, 2) : '-';
    const row = [a.label, ...outcomeCells(a, a.method.kind === 'frozen'), cv, ...costCells(a, c.seeds.length)];
    if (c.fidelity) {
      const cos = r.seeds.map((s) => s.gradientCosine[a.label]).filter((x) => x !== undefined && Number.isFinite(x));
      row.push(cos.length ? fmt(cos.reduce((x, y) => x + y, 0) / cos.length, 3) : '-');
    }
    return row;
  });
  lines.push('', ...alignedTable(header, rows));
  lines.push('');
  lines.push(
    "recovery (the paper's definition) = (L_frozen - L_arm) / (L_frozen - L_full) x 100; beyond readout = (L_readout - L_arm) / (L_readout - L_full) x 100, " +
      'what the transport adds over adapting the readout alone; both paired per seed, mean ± sample std over seeds, ' +
      '95 % CI of the mean by a seeded bootstrap; CV = std / mean (of recovery)',
  );
  if (r.arms.some((a) => a.recoveryUndefined === null && a.recovery.mean > 100)) lines.push(`* above 100 %: ${ABOVE_REFERENCE_NOTE}`);
  lines.push(referenceLine(r));
  const transport = transportLine(r);
  if (transport) lines.push(transport);
  const trivial = trivialLine(r);
  if (trivial) lines.push(trivial);
  const ranking = referenceRanking(r);
  if (ranking) lines.push(ranking);
  const fullIndex = c.arms.findIndex((a) => a.kind === 'full');
  const frozenIndex = c.arms.findIndex((a) => a.kind === 'frozen');
  const noGap = r.seeds.filter((s) => !(s.arms[fullIndex].meanLoss < s.arms[frozenIndex].meanLoss)).map((s) => s.seed);
  if (noGap.length > 0) {
    lines.push(`warning: full RTRL did not beat frozen on seed(s) ${noGap.join(', ')}; those seeds' recovery has no meaning`);
  }
  if (r.jacobianCondition.count > 0) {
    lines.push(
      `J_t of the full arm: condition number ${fmt(r.jacobianCondition.mean, 2)} ± ${fmt(r.jacobianCondition.std, 2)}, ` +
        `effective rank ${fmt(r.jacobianEffectiveRank.mean, 1)} of ${MODELS[c.model ?? 'rnn'].statesPerUnit * c.n} (${r.jacobianCondition.count} samples); ` +
        `P_t condition number median ${fmt(median(r.seeds.flatMap((s) => s.sensitivityCondition)), 1)}`,
    );
    if (c.n === 64 && (c.model ?? 'rnn') === 'rnn') lines.push('paper: the Jacobian is full-rank and near-isotropic, condition numbers 2.6 - 6.5');
  }
  if (c.task === 'sine' && c.n === 64) lines.push('paper (arXiv:2603.15195): k=4 of n=64 recovers 84 ± 6 % (5 seeds)');
  return lines.join('\n');
}

/** An arm for JSON: recovery (and recovery beyond the readout) is null, with the reason, where undefined. */
function armToJson(a: ArmSummary) {
  const defined = a.recoveryUndefined === null;
  const beyondDefined = a.recoveryBeyondReadoutUndefined === null && a.method.kind !== 'frozen';
  return {
    ...a,
    recovery: defined ? a.recovery : null,
    recoveryUndefined: a.recoveryUndefined,
    recoveryBeyondReadout: beyondDefined ? a.recoveryBeyondReadout : null,
    recoveryBeyondReadoutUndefined:
      a.method.kind === 'frozen' ? 'frozen is below the readout floor: not measured against it' : a.recoveryBeyondReadoutUndefined,
    aboveReference: defined && a.recovery.mean > 100 ? ABOVE_REFERENCE_NOTE : null,
  };
}

/** Plain JSON: summaries and per-seed numbers (loss curves are left out to keep it small). */
export function resultToJson(r: ExperimentResult, selection: SelectionRun | null = null): unknown {
  return {
    config: r.config,
    task: r.taskDescription,
    precision: r.config.precision ?? 'f32',
    lrSelection: selection ? { ...selection.selection, seconds: selection.seconds, cached: selection.cached } : { mode: 'fixed', lr: r.config.optimizer.lr },
    reference: { ...r.reference, minImprovement: MIN_REFERENCE_IMPROVEMENT },
    transportGain: r.transportGain ? { ...r.transportGain, minImprovement: MIN_REFERENCE_IMPROVEMENT } : null,
    trivialPredictor: r.trivialLoss === null ? null : { loss: r.trivialLoss, mse: 2 * r.trivialLoss },
    arms: r.arms.map(armToJson),
    jacobianCondition: r.jacobianCondition,
    jacobianEffectiveRank: r.jacobianEffectiveRank,
    sensitivityCondition: r.sensitivityCondition,
    seeds: r.seeds.map((s) => ({
      seed: s.seed,
      pretrainLoss: s.pretrainLoss,
      arms: s.arms,
      gradientCosine: s.gradientCosine,
    })),
  };
}

function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
}

/** The learning-rate sensitivity: mean loss (± std over seeds) per arm and rate, recovery where defined. */
export function formatLrSweepTable(grid: readonly number[], results: readonly ExperimentResult[]): string {
  const c = results[0].config;
  const labels = results[0].arms.map((a) => a.label);
  const lines: string[] = [];
  lines.push(`task ${c.task}: ${results[0].taskDescription}`);
  lines.push(
    `${(c.model ?? 'rnn').toUpperCase()} n=${c.n}, ${c.precision ?? 'f32'}, ${c.optimizer.kind}, seeds ${c.seeds.join(',')}, adapt ${c.adaptSteps} steps, window ${c.window}`,
  );
  lines.push('mean loss ± sample std over seeds per arm; recovery (paired per seed) in brackets; "undefined" where full RTRL did not adapt');
  const header = ['lr', 'full RTRL gain', ...labels];
  const rows = results.map((r, i) => {
    const imp = r.reference.improvement;
    const cells = r.arms.map((a) => {
      const loss = `${a.meanLoss.mean.toExponential(2)} ± ${a.meanLoss.std.toExponential(1)}${a.diverged ? ` (${a.diverged} div)` : ''}`;
      if (a.method.kind === 'frozen' || a.method.kind === 'full') return loss;
      return `${loss} [${a.recoveryUndefined === null ? `${fmt(a.recovery.mean, 0)} %` : 'undefined'}]`;
    });
    return [String(grid[i]), `${fmt(100 * imp.mean)} % ${ci(imp, 100)}`, ...cells];
  });
  lines.push('', ...alignedTable(header, rows));
  // which arm is best at each rate: the picture that shows why full RTRL can lose
  lines.push('');
  results.forEach((r, i) => {
    const learning = r.arms.filter((a) => a.method.kind !== 'frozen' && a.diverged === 0);
    const best = learning.reduce((x, y) => (y.meanLoss.mean < x.meanLoss.mean ? y : x), learning[0]);
    if (best)
      lines.push(`lr ${grid[i]}: lowest mean loss ${best.label}${best.method.kind === 'full' ? '' : ' (full RTRL is not the best learner at this rate)'}`);
  });
  return lines.join('\n');
}

export function lrSweepToJson(grid: readonly number[], results: readonly ExperimentResult[]): unknown {
  return {
    config: { ...results[0].config, optimizer: { ...results[0].config.optimizer, lr: null } },
    task: results[0].taskDescription,
    grid,
    points: results.map((r, i) => ({ lr: grid[i], reference: r.reference, arms: r.arms.map(armToJson) })),
  };
}

/** The dense arm's gain over readout-only with CI, or why recovery beyond the readout is undefined. */
function transformerTransportLine(r: TransformerExperimentResult): string {
  const gain = r.transportGain;
  if (!gain) return `recovery beyond the readout: not measured (${NO_READOUT_ARM})`;
  const imp = gain.improvement;
  const base = `transport: the dense arm improved on readout-only by ${fmt(100 * imp.mean)} % (95 % CI ${ci(imp, 100)}, ${imp.count} seed${imp.count === 1 ? '' : 's'})`;
  return gain.undefinedReason ? `${base}\nrecovery beyond the readout is undefined: ${gain.undefinedReason}` : base;
}

/** The transformer's table: the RNN's columns, with the dense arm (ρ = 1) as the reference and readout-only as the floor. */
export function formatTransformerTable(r: TransformerExperimentResult, selection: string | null = null): string {
  const c = r.job.config;
  const lines: string[] = [];
  lines.push(`task ${c.task}: ${r.taskDescription}`);
  lines.push(
    `transformer d=${c.dModel}, H=${c.heads}, L=${c.layers}, window ${c.context}, ${c.positions} positions, ${c.precision}, ${c.optimizer.kind} ` +
      `${selection ?? `lr ${c.optimizer.lr} (fixed)`}, clip ${c.optimizer.clipNorm}, seeds ${r.job.seeds.join(',')}, pretrain ${c.pretrain.steps} updates, ` +
      `adapt ${c.adaptSteps} steps, window ${c.window}; heads ${c.strategy}${c.refreshEvery ? ` redrawn every ${c.refreshEvery}` : ''}, ` +
      `W_O local ${c.woLocal ? 'on' : 'off'}, Q/K/V local ${c.qkvLocal ? 'on' : 'off'}`,
  );
  const header = ['arm', 'heads kept', ...OUTCOME_HEADER, ...COST_HEADER];
  const rows = r.arms.map((a) => {
    const rho =
      a.label === 'frozen' || a.label === 'readout'
        ? '-'
        : a.label === 'dense'
          ? `${c.heads}/${c.heads}`
          : `${Math.round(Number(a.label.slice(4)) * c.heads)}/${c.heads}`;
    return [a.label, rho, ...outcomeCells(a, a.label === 'frozen'), ...costCells(a, r.job.seeds.length)];
  });
  lines.push('', ...alignedTable(header, rows), '');
  lines.push(
    'recovery = (L_frozen - L_arm) / (L_frozen - L_dense) x 100; beyond readout = (L_readout - L_arm) / (L_readout - L_dense) x 100, ' +
      'what the transport adds over adapting the output head alone (readout); both paired per seed, mean ± sample std, 95 % CI of the mean by a seeded bootstrap',
  );
  if (r.arms.some((a) => a.recoveryUndefined === null && a.recovery.mean > 100))
    lines.push(`* above 100 %: adapted better than the dense gradient (every head)`);
  const imp = r.reference.improvement;
  lines.push(`reference: the dense arm improved on frozen by ${fmt(100 * imp.mean)} % (95 % CI ${ci(imp, 100)}, ${imp.count} seeds)`);
  if (r.reference.undefinedReason) lines.push(`recovery is undefined: ${r.reference.undefinedReason.replace('full RTRL', 'the dense arm')}`);
  lines.push(transformerTransportLine(r));
  lines.push('paper (arXiv:2603.15195): 50 % of heads beats dense; 33 % is borderline');
  return lines.join('\n');
}

export function transformerToJson(r: TransformerExperimentResult, selection: unknown = null): unknown {
  return {
    model: 'transformer',
    config: r.job.config,
    seeds: r.job.seeds,
    task: r.taskDescription,
    precision: r.job.config.precision,
    lrSelection: selection ?? { mode: 'fixed', lr: r.job.config.optimizer.lr },
    reference: { ...r.reference, minImprovement: MIN_REFERENCE_IMPROVEMENT },
    transportGain: r.transportGain ? { ...r.transportGain, minImprovement: MIN_REFERENCE_IMPROVEMENT } : null,
    arms: r.arms.map((a) => {
      const defined = a.recoveryUndefined === null;
      const frozen = a.label === 'frozen';
      const beyondDefined = a.recoveryBeyondReadoutUndefined === null && !frozen;
      return {
        ...a,
        recovery: defined ? a.recovery : null,
        recoveryBeyondReadout: beyondDefined ? a.recoveryBeyondReadout : null,
        recoveryBeyondReadoutUndefined: frozen ? 'frozen is below the readout floor: not measured against it' : a.recoveryBeyondReadoutUndefined,
        aboveReference: defined && a.recovery.mean > 100 ? 'adapted better than the dense gradient' : null,
      };
    }),
    perSeed: r.seeds.map((s) => ({ seed: s.seed, pretrainLoss: s.pretrainLoss.at(-1), arms: s.arms })),
  };
}
