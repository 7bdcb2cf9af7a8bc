/** The recovery map's and the cost-quality frontier's tables and JSON (`--map`, `--frontier`). */
import type { ExperimentResult } from '../engine/experiment';
import type { Frontier } from '../engine/frontier';
import { mapValueText, type RecoveryMap } from '../engine/recoveryMap';
import type { SeedStatistics } from '../engine/statistics';
import { STRATEGY_DESCRIPTIONS } from '../engine/transportMask';
import { alignedTable, engineering, fmt } from './report';

function withCi(s: SeedStatistics | null, digits = 0): string {
  if (!s || !Number.isFinite(s.mean)) return '-';
  return s.ci95 ? `${fmt(s.mean, digits)} [${fmt(s.ci95[0], digits)}, ${fmt(s.ci95[1], digits)}]` : fmt(s.mean, digits);
}

/** A cell: recovery beyond the readout with its CI, or why there is none. */
function cellText(c: RecoveryMap['cells'][number][number]): string {
  if (c.label === null) return 'k > n';
  if (c.beyondReadout) return withCi(c.beyondReadout) + (c.diverged ? ` (${c.diverged} div)` : '');
  return c.beyondReadoutUndefined?.startsWith('the task does not need transport') ? 'no transport needed' : 'undefined';
}

export function formatMapTable(map: RecoveryMap, base: ExperimentResult['config'], taskDescription: string): string {
  const [x, y] = map.axes;
  const lines: string[] = [];
  lines.push(`recovery map: recovery beyond the readout (%), mean [95 % CI] over seeds ${map.seeds.join(',')}; rows ${y.name}, columns ${x.name}`);
  lines.push(`task ${base.task}: ${taskDescription}`);
  const fixed: string[] = [];
  if (!map.axes.some((a) => a.name === 'k')) fixed.push(`k = ${map.k}`);
  if (!map.axes.some((a) => a.name === 'strategy')) fixed.push(`selection ${map.strategy} (${STRATEGY_DESCRIPTIONS[map.strategy]})`);
  if (!map.axes.some((a) => a.name === 'n')) fixed.push(`n = ${base.n}`);
  if (!map.axes.some((a) => a.name === 'lr')) fixed.push(`${base.optimizer.kind} lr ${base.optimizer.lr}`);
  lines.push(`${(base.model ?? 'rnn').toUpperCase()}, ${fixed.join(', ')}, pretrain ${base.pretrain.steps}, adapt ${base.adaptSteps}, window ${base.window}`);
  const header = [`${y.name} \\ ${x.name}`, ...x.values.map((v) => mapValueText(x.name, v)), 'full vs readout-only'];
  const rows = map.cells.map((row, yi) => {
    // full RTRL's gain over readout-only is per run; with k on the x axis a row is one run
    const gains = [...new Set(row.map((c) => (c.transportGain ? withCi(scale(c.transportGain.improvement), 1) : '-')))];
    return [mapValueText(y.name, y.values[yi]), ...row.map(cellText), gains.length === 1 ? `${gains[0]} %` : 'per cell'];
  });
  lines.push('', ...alignedTable(header, rows), '');
  lines.push(
    'beyond readout = (L_readout - L_arm) / (L_readout - L_full) x 100, paired per seed: 0 = the readout alone, 100 = full RTRL. ' +
      '"no transport needed": full RTRL improved on readout-only by under 5 % or its CI includes 0, so there is nothing beyond the readout to recover.',
  );
  return lines.join('\n');
}

function scale(s: SeedStatistics): SeedStatistics {
  return { ...s, mean: 100 * s.mean, std: 100 * s.std, ci95: s.ci95 ? [100 * s.ci95[0], 100 * s.ci95[1]] : null };
}

export function mapToJson(map: RecoveryMap, base: ExperimentResult['config'], taskDescription: string): unknown {
  return { kind: 'recovery-map', task: taskDescription, config: base, ...map };
}

export function formatFrontierTable(f: Frontier, result: ExperimentResult): string {
  const c = result.config;
  const lines: string[] = [];
  lines.push(`cost against quality, task ${c.task}: ${f.task}`);
  lines.push(
    `${(c.model ?? 'rnn').toUpperCase()} n=${c.n}, ${c.optimizer.kind} lr ${c.optimizer.lr}, seeds ${c.seeds.join(',')}, pretrain ${c.pretrain.steps}, adapt ${c.adaptSteps}`,
  );
  const header = ['arm', 'MAC/step', 'beyond readout % [95 % CI]', 'recovery % (paper)', 'mean loss', 'diverged', 'frontier'];
  const rows = f.points.map((p) => [
    p.label,
    engineering(p.macsPerStep),
    p.beyondReadout ? withCi(p.beyondReadout) : f.beyondReadoutUndefined ? 'undefined' : '-',
    withCi(p.recovery),
    p.meanLoss.mean.toExponential(3),
    `${p.diverged}/${c.seeds.length}`,
    p.onFrontier ? 'yes' : '',
  ]);
  lines.push('', ...alignedTable(header, rows), '');
  lines.push(
    f.beyondReadoutUndefined
      ? `recovery beyond the readout is undefined: ${f.beyondReadoutUndefined}; the frontier is judged on mean loss`
      : 'frontier: no arm that costs no more has a higher recovery beyond the readout (arms that diverged on a seed are left off)',
  );
  return lines.join('\n');
}

export function frontierToJson(f: Frontier, result: ExperimentResult): unknown {
  return { kind: 'frontier', config: result.config, transportGain: result.transportGain, ...f };
}
