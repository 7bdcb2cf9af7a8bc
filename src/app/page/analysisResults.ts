/**
 * What the map and the frontier panels draw, from what the job worker sent: the worker summarised the
 * seeds with the engine's own summarize, collectMap and frontierOf (worker/sweep.ts); this file only
 * words and places them (cells with their hover text, the frontier's points, labels that avoid each other).
 */
import type { Frontier } from '../../engine/frontier';
import type { MapCell } from '../../engine/recoveryMap';
import type { SeedStatistics } from '../../engine/statistics';
import { NO_TRANSPORT_NEEDED, type MapGrid } from '../contract';

export type { MapGrid } from '../contract';

export type HeatState = 'value' | 'no-transport' | 'k-over-n' | 'undefined' | 'pending';

export interface HeatCell {
  xi: number;
  yi: number;
  x: number;
  y: number;
  state: HeatState;
  /** recovery beyond the readout (%), mean over seeds; null unless state is 'value' */
  value: number | null;
  ci95: [number, number] | null;
  seeds: number;
  /** what the cell shows: the mean, or why there is none */
  text: string;
  /** the cell's CI as text ('' without one) */
  ciText: string;
  /** the hover: the cell, its value with CI, full RTRL's gain over readout-only, the mean losses */
  title: string;
}

const pct = (v: number) => `${Math.round(v)}`;

function ciOf(s: SeedStatistics | null): [number, number] | null {
  return s?.ci95 && Number.isFinite(s.ci95[0]) && Number.isFinite(s.ci95[1]) ? s.ci95 : null;
}

function stateOf(cell: MapCell, pending: boolean): HeatState {
  if (pending) return 'pending';
  if (cell.label === null) return 'k-over-n';
  if (cell.beyondReadout && Number.isFinite(cell.beyondReadout.mean)) return 'value';
  return cell.beyondReadoutUndefined?.startsWith(NO_TRANSPORT_NEEDED) ? 'no-transport' : 'undefined';
}

const SHORT: Record<Exclude<HeatState, 'value' | 'pending'>, string> = {
  'no-transport': 'no transport needed',
  'k-over-n': 'k > n',
  undefined: 'undefined',
};

/**
 * The cells of a k × τ grid, row by row, with what each shows and says on hover; `pendingText` is what a
 * cell without a finished seed says ('running…' while the job runs, 'not run' after a cancel).
 */
export function heatCells(grid: MapGrid, pendingText = 'running…'): HeatCell[] {
  const [xAxis, yAxis] = grid.map.axes;
  return grid.map.cells.flatMap((row, yi) =>
    row.map((cell, xi): HeatCell => {
      const state = stateOf(cell, grid.pending[yi][xi]);
      const where = `${xAxis.name} = ${cell.x}, ${yAxis.name === 'tau' ? 'τ' : yAxis.name} = ${cell.y} (${grid.strategy})`;
      const b = cell.beyondReadout;
      const ci = state === 'value' ? ciOf(b) : null;
      const seeds = b?.count ?? 0;
      const ciText = ci ? `[${pct(ci[0])}, ${pct(ci[1])}]` : '';
      const gain = cell.transportGain?.improvement;
      const extra: string[] = [];
      if (gain && Number.isFinite(gain.mean)) extra.push(`full RTRL’s gain over readout-only ${(100 * gain.mean).toFixed(1)} %`);
      if (cell.meanLoss) {
        extra.push(
          `mean loss: arm ${cell.meanLoss.arm.toExponential(2)}, readout-only ${cell.meanLoss.readout.toExponential(2)}, full RTRL ${cell.meanLoss.full.toExponential(2)}`,
        );
      }
      if (cell.diverged > 0) extra.push(`${cell.diverged} seed(s) diverged`);
      let title: string;
      if (state === 'value') {
        title = `${where}: recovery beyond the readout ${pct(b!.mean)} %${ci ? `, 95 % CI ${ciText} %` : ' (one seed: no CI yet)'}, ${seeds} seed${seeds === 1 ? '' : 's'}`;
      } else if (state === 'pending') {
        title = `${where}: ${pendingText === 'running…' ? 'waiting for its first seed' : pendingText}`;
      } else {
        title = `${where}: ${SHORT[state]}${cell.beyondReadoutUndefined ? ` (${cell.beyondReadoutUndefined})` : ''}`;
      }
      if (extra.length && state !== 'pending') title += `; ${extra.join('; ')}`;
      return {
        xi,
        yi,
        x: cell.x as number,
        y: cell.y as number,
        state,
        value: state === 'value' ? b!.mean : null,
        ci95: ci,
        seeds,
        text: state === 'value' ? pct(b!.mean) : state === 'pending' ? pendingText : SHORT[state],
        ciText,
        title,
      };
    }),
  );
}

// ---- cost against quality ----

/** An arm's engine label in the panel's words: full → full RTRL, k=4 → k = 4, tbptt:8 → TBPTT(8). */
export function armName(label: string): string {
  const fixed: Record<string, string> = { full: 'full RTRL', readout: 'readout-only', frozen: 'frozen', snap1: 'SnAp-1', uoro: 'UORO', kf: 'KF-RTRL' };
  if (fixed[label]) return fixed[label];
  const t = /^tbptt:(\d+)$/.exec(label);
  if (t) return `TBPTT(${t[1]})`;
  return label.replace(/^k=/, 'k = ');
}

export interface FrontierPlotPoint {
  label: string;
  /** multiply-adds per step */
  x: number;
  /** recovery beyond the readout (%), or mean loss where that is undefined */
  y: number;
  /** its 95 % CI where there is one */
  lo: number | null;
  hi: number | null;
  onFrontier: boolean;
  diverged: number;
}

export interface FrontierPlot {
  /** 'beyond': y is recovery beyond the readout; 'loss': it is undefined on this task, y is the mean loss */
  mode: 'beyond' | 'loss';
  /** why recovery beyond the readout is undefined (null in 'beyond' mode) */
  undefinedReason: string | null;
  yLabel: string;
  /** every arm with a finite y, cheapest first */
  points: FrontierPlotPoint[];
  /** the on-frontier points, cheapest first: the step line goes through them */
  frontier: FrontierPlotPoint[];
}

/** The frontier as a plot: y per arm, its CI, the step line's points. Arms with no finite y are left out. */
export function frontierPlot(f: Frontier): FrontierPlot {
  const mode = f.beyondReadoutUndefined === null ? 'beyond' : 'loss';
  const points = f.points
    .map((p): FrontierPlotPoint => {
      const s = mode === 'beyond' ? p.beyondReadout : p.meanLoss;
      const ci = ciOf(s);
      return { label: p.label, x: p.macsPerStep, y: s?.mean ?? NaN, lo: ci?.[0] ?? null, hi: ci?.[1] ?? null, onFrontier: p.onFrontier, diverged: p.diverged };
    })
    .filter((p) => Number.isFinite(p.y) && p.x > 0)
    .sort((a, b) => a.x - b.x);
  return {
    mode,
    undefinedReason: f.beyondReadoutUndefined,
    yLabel: mode === 'beyond' ? 'recovery beyond the readout (%)' : 'mean loss L̄ (log, lower is better)',
    points,
    frontier: points.filter((p) => p.onFrontier),
  };
}

/** Where a point's label goes: offset from the point and the text anchor. */
export interface LabelSpot {
  dx: number;
  dy: number;
  anchor: 'start' | 'middle' | 'end';
}

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));

/**
 * Labels beside points (in pixels) so they cover as little as they can of each other and of the points:
 * each label in turn takes the first of six spots around its point with the least overlap with the
 * labels already placed, the points and the plot's edges. Text width is estimated at `charW` per character.
 */
export function placeLabels(items: readonly { px: number; py: number; text: string }[], plot: Box, charW = 5.8, lineH = 11, r = 5): LabelSpot[] {
  const spots: LabelSpot[] = [
    { dx: 7, dy: -6, anchor: 'start' },
    { dx: 7, dy: 13, anchor: 'start' },
    { dx: -7, dy: -6, anchor: 'end' },
    { dx: -7, dy: 13, anchor: 'end' },
    { dx: 0, dy: -10, anchor: 'middle' },
    { dx: 0, dy: 19, anchor: 'middle' },
  ];
  const dots: Box[] = items.map((p) => ({ x0: p.px - r, x1: p.px + r, y0: p.py - r, y1: p.py + r }));
  const placed: Box[] = [];
  return items.map((p) => {
    const w = p.text.length * charW;
    let best = spots[0];
    let bestCost = Infinity;
    let bestBox: Box | null = null;
    for (const s of spots) {
      const x = p.px + s.dx;
      const x0 = s.anchor === 'start' ? x : s.anchor === 'end' ? x - w : x - w / 2;
      const box = { x0, x1: x0 + w, y0: p.py + s.dy - lineH + 2, y1: p.py + s.dy + 2 };
      const inside = { x0: Math.max(box.x0, plot.x0), x1: Math.min(box.x1, plot.x1), y0: Math.max(box.y0, plot.y0), y1: Math.min(box.y1, plot.y1) };
      const outside = w * lineH - Math.max(0, inside.x1 - inside.x0) * Math.max(0, inside.y1 - inside.y0);
      const cost = [...placed, ...dots].reduce((c, b) => c + overlap(box, b), 0) + 2 * outside;
      if (cost < bestCost) {
        best = s;
        bestCost = cost;
        bestBox = box;
      }
      if (cost === 0) break;
    }
    placed.push(bestBox!);
    return best;
  });
}

/** Points drawn at the same place (k = n and full RTRL) share one label: their names joined. */
export function mergeCoincident<T extends { px: number; py: number; text: string }>(items: readonly T[], within = 2): (T & { hidden: boolean })[] {
  const out = items.map((p) => ({ ...p, hidden: false }));
  out.forEach((p, i) => {
    if (p.hidden) return;
    for (let j = i + 1; j < out.length; j++) {
      const q = out[j];
      if (!q.hidden && Math.abs(q.px - p.px) <= within && Math.abs(q.py - p.py) <= within) {
        p.text = `${p.text}, ${q.text}`;
        q.hidden = true;
      }
    }
  });
  return out;
}
