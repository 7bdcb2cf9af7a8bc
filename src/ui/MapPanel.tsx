/**
 * The recovery map: recovery beyond the readout over k (columns) × τ after the drift (rows) on the delay
 * task, for random and top-k selection side by side, run as a background job. d3 gives the band scales,
 * the axes and the viridis colour scale; React renders the cells, each with its mean and 95 % CI in a
 * title (the hover) and as text where the cell is large enough. Undefined cells are hatched and say why.
 */
import { axisBottom, axisLeft, hcl, interpolateViridis, range, scaleBand, scaleLinear, scaleSequential, select } from 'd3';
import { memo, useLayoutEffect, useMemo, useRef } from 'react';
import { heatCells, type HeatCell, type MapGrid } from '../app/page/analysisResults';
import { useLab } from '../app/page/store';
import { cancelMapJob, JOB_WARN_S, MAP_MAX_N, MAP_TAUS, mapCliCommand, mapJobNow, startMapJob, useMapJob } from '../app/page/sweepController';
import { STRATEGY_DESCRIPTIONS } from '../app/contract';
import { AxisTitles, ChartSvg } from './ChartFrame';
import { FormulaCard } from './FormulaCard';
import { JobProgressLine, JobStartLine } from './JobProgress';

const W = 440;
const CELL_H = 38;
const M = { left: 50, right: 14, top: 10 };
/** below the cells: the x axis and its label, then the legend bar with its ticks and label */
const BELOW = 112;
/** the colour scale's ends: the readout alone and full RTRL (values beyond take the end colours) */
const DOMAIN: [number, number] = [0, 100];

export const mapColor = scaleSequential(interpolateViridis).domain(DOMAIN).clamp(true);

/** Dark text on the light end of viridis, white on the dark end. */
function inkOn(fill: string): string {
  return hcl(fill).l > 60 ? '#111' : '#fff';
}

/** The d3 axis drawn into a <g> React owns but leaves empty. */
function useAxis(ref: React.RefObject<SVGGElement | null>, draw: (g: SVGGElement) => void, deps: unknown[]) {
  useLayoutEffect(() => {
    if (ref.current) draw(ref.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}

// memo: the progress line re-renders the panel many times a second; a map changes when a seed lands
const Heatmap = memo(function Heatmap({ grid, running }: { grid: MapGrid; running: boolean }) {
  const cells = useMemo(() => heatCells(grid, running ? 'running…' : 'not run'), [grid, running]);
  const [xAxis, yAxis] = grid.map.axes;
  const xs = xAxis.values.map(String);
  const ys = yAxis.values.map(String);
  const cellsBottom = M.top + ys.length * CELL_H;
  const H = cellsBottom + BELOW;
  const x = scaleBand<string>()
    .domain(xs)
    .range([M.left, W - M.right])
    .padding(0.05);
  const y = scaleBand<string>().domain(ys).range([M.top, cellsBottom]).padding(0.06);
  const legend = scaleLinear()
    .domain(DOMAIN)
    .range([M.left, W - M.right - 110]);
  const xRef = useRef<SVGGElement>(null);
  const yRef = useRef<SVGGElement>(null);
  const lRef = useRef<SVGGElement>(null);
  const key = `${xs.join()}|${ys.join()}`;
  const style = (g: SVGGElement) => select(g).attr('font-family', null).attr('font-size', 11);
  useAxis(xRef, (g) => style(g).call(axisBottom(x).tickSizeOuter(0)), [key]);
  useAxis(yRef, (g) => style(g).call(axisLeft(y).tickSizeOuter(0)), [key]);
  useAxis(
    lRef,
    (g) =>
      style(g).call(
        axisBottom(legend)
          .ticks(5)
          .tickFormat((v) => `${v}`)
          .tickSizeOuter(0),
      ),
    [key],
  );
  const safe = grid.strategy.replace(/[^a-z0-9]/gi, '');
  const hatch = `map-hatch-${safe}`;
  const gradient = `map-gradient-${safe}`;
  const bw = x.bandwidth();
  const bh = y.bandwidth();
  // text in a cell only where it fits: the mean from 26 px, its CI below from 52 px wide
  const showText = bw >= 26;
  const showCi = bw >= 52 && bh >= 30;
  const defined = cells.filter((c) => c.state === 'value');
  const summary = `Recovery map, ${grid.strategy} selection: recovery beyond the readout for k in ${xs.join(', ')} and τ in ${ys.join(', ')}; ${defined.length} of ${cells.length} cells defined${
    defined.length ? ` (${defined.map((c) => `k=${c.x}, τ=${c.y}: ${c.text} %`).join('; ')})` : ''
  }.`;
  return (
    <ChartSvg width={W} height={H} summary={summary} data-testid={`map-${grid.strategy}`} data-cells={cells.length}>
      <defs>
        <pattern id={hatch} patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)">
          <rect width="7" height="7" fill="#eceef1" />
          <line x1="0" y1="0" x2="0" y2="7" stroke="#8a9099" strokeWidth="2" />
        </pattern>
        <linearGradient id={gradient} x1="0" x2="1" y1="0" y2="0">
          {range(0, 1.0001, 0.1).map((t) => (
            <stop key={t} offset={`${(100 * t).toFixed(0)}%`} stopColor={interpolateViridis(t)} />
          ))}
        </linearGradient>
      </defs>
      {cells.map((c) => (
        <Cell key={`${c.xi}-${c.yi}`} c={c} x={x(String(c.x))!} y={y(String(c.y))!} w={bw} h={bh} hatch={hatch} showText={showText} showCi={showCi} />
      ))}
      <g ref={xRef} transform={`translate(0 ${cellsBottom})`} />
      <g ref={yRef} transform={`translate(${M.left} 0)`} />
      <AxisTitles
        width={W}
        margin={M}
        plotBottom={cellsBottom}
        xTitleY={cellsBottom + 32}
        yTitleX={13}
        x="kept paths per unit k"
        y="τ after the drift (steps)"
      />
      <g data-testid="map-legend">
        <rect
          x={legend.range()[0]}
          y={cellsBottom + 48}
          width={legend.range()[1] - legend.range()[0]}
          height={12}
          fill={`url(#${gradient})`}
          stroke="#9aa0a8"
          strokeWidth={0.5}
        />
        <g ref={lRef} transform={`translate(0 ${cellsBottom + 60})`} />
        <text x={legend.range()[0]} y={cellsBottom + 92} fontSize="10.5">
          recovery beyond the readout (%): 0 = readout alone, 100 = full RTRL
        </text>
        <rect x={W - M.right - 96} y={cellsBottom + 48} width={14} height={12} fill={`url(#${hatch})`} stroke="#9aa0a8" strokeWidth={0.5} />
        <text x={W - M.right - 78} y={cellsBottom + 58} fontSize="10.5">
          undefined: why
        </text>
        <text x={W - M.right - 78} y={cellsBottom + 71} fontSize="10.5">
          in the cell
        </text>
      </g>
    </ChartSvg>
  );
});

function Cell({
  c,
  x,
  y,
  w,
  h,
  hatch,
  showText,
  showCi,
}: {
  c: HeatCell;
  x: number;
  y: number;
  w: number;
  h: number;
  hatch: string;
  showText: boolean;
  showCi: boolean;
}) {
  const fill = c.state === 'value' ? mapColor(c.value!) : c.state === 'pending' ? '#fafbfc' : `url(#${hatch})`;
  const ink = c.state === 'value' ? inkOn(fill) : c.state === 'pending' ? '#6b7079' : '#1a1c20';
  const cx = x + w / 2;
  const cy = y + h / 2;
  // the reasons are words: two short lines, on a white backing so the hatching does not cross them
  const words = c.state === 'no-transport' ? ['no transport', 'needed'] : [c.text];
  return (
    <g data-testid="map-cell" data-state={c.state} data-value={c.value ?? ''} data-k={c.x} data-tau={c.y}>
      <title>{c.title}</title>
      <rect
        x={x}
        y={y}
        width={w}
        height={h}
        fill={fill}
        stroke={c.state === 'pending' ? '#c3c7cd' : 'none'}
        strokeDasharray={c.state === 'pending' ? '3 3' : undefined}
      />
      {showText && c.state === 'value' && (
        <text x={cx} y={showCi && c.ciText ? cy - 5 : cy} textAnchor="middle" dominantBaseline="middle" fontSize="12" fontWeight={600} fill={ink}>
          {c.text}
        </text>
      )}
      {showText && showCi && c.state === 'value' && c.ciText && (
        <text x={cx} y={cy + 9} textAnchor="middle" dominantBaseline="middle" fontSize="9" fill={ink}>
          {c.ciText}
        </text>
      )}
      {showText && c.state !== 'value' && (
        <>
          {c.state !== 'pending' && (
            <rect x={x + 3} y={cy - 6.5 * words.length - 1} width={w - 6} height={13 * words.length + 2} fill="#fff" opacity={0.85} rx={2} />
          )}
          {words.map((wd, i) => (
            <text key={wd} x={cx} y={cy + (i - (words.length - 1) / 2) * 12} textAnchor="middle" dominantBaseline="middle" fontSize="9.5" fill={ink}>
              {wd}
            </text>
          ))}
        </>
      )}
    </g>
  );
}

export function MapPanel() {
  const s = useMapJob();
  const params = useLab((st) => st.params);
  // what a run would be at the current settings (the description, the estimate, the refusal)
  const now = useMemo(() => mapJobNow(params), [params]);
  const grids = s.job ? s.grids : null;
  const c = now.job.runs[0];
  const ks = now.job.ks.join(', ');
  const capped = (s.status === 'idle' ? now.job : (s.job ?? now.job)).capNote;
  const showMaps = grids !== null && s.status !== 'idle' && s.status !== 'refused';
  const seedsDone = grids ? Math.min(...grids.map((g) => g.seedsDone)) : 0;
  const jobSeeds = s.job?.runs[0].seeds.length ?? 0;
  // the row where τ after the drift equals τ before it has no drift at all
  const tauA = (s.job ?? now.job).runs[0].taskOptions?.delay?.A;
  return (
    <section className="panel analysis map-panel" aria-labelledby="map-title" data-testid="map-panel">
      <h2 id="map-title">
        Recovery map: where does the transport matter?
        <FormulaCard label="recovery beyond the readout">
          Per seed: beyond readout<sub>k</sub> = (L̄<sub>readout</sub> − L̄<sub>k</sub>) / (L̄<sub>readout</sub> − L̄<sub>full</sub>) × 100 %, where readout-only
          freezes θ and adapts only V, c. Each cell: mean and 95 % bootstrap CI over seeds. Undefined (“no transport needed”) where full RTRL improves on
          readout-only by under 5 % or its CI includes 0: the readout alone does what the exact gradient does, so there is nothing beyond it to recover.
        </FormulaCard>
      </h2>
      <JobStartLine starts={[{ label: 'Run the map', onClick: startMapJob, testId: 'run-map' }]}>
        <span data-testid="map-description">
          {s.status === 'idle' || s.status === 'refused' ? (
            <>
              The {params.model !== 'rnn' ? 'RNN (the jobs run the RNN’s arms) on the ' : ''}delay task
              {params.task !== 'delay' ? ` (the current task is ${params.task}; τ is the delay task’s)` : ''}: k = {ks} (up to n/2) × τ = {MAP_TAUS.join(', ')}{' '}
              after the drift (τ = {c.taskOptions?.delay?.A} before it), random and top-k side by side; n = {now.job.n}, {c.optimizer.kind} lr {c.optimizer.lr},
              leak {c.leak}, {c.seeds.length} seeds. Short runs, like the sweeps: each pretrains {c.pretrain.steps} steps ({c.pretrain.epochs} epochs) and
              adapts {c.adaptSteps} steps (the CLI: 4000 and 1000); {now.job.runs.length} runs in the background.
              {now.check.refused
                ? ` Not on the CPU: about ${Math.round(now.check.estimateS)} s.`
                : now.check.estimateS > JOB_WARN_S
                  ? ` Estimated ≈ ${Math.round(now.check.estimateS)} s.`
                  : ''}
            </>
          ) : (
            `${s.label}; ${seedsDone} of ${jobSeeds} seeds in every cell${s.status === 'running' ? ' so far' : ''}`
          )}
        </span>
      </JobStartLine>
      <JobProgressLine progress={s} onCancel={cancelMapJob} testId="map-progress" />
      {capped && (
        <p className="readout map-cap" data-testid="map-cap">
          At most n = {MAP_MAX_N} on the CPU: {capped}.
        </p>
      )}
      {(capped || s.status === 'refused') && (
        <div className="map-cli" data-testid="map-cli">
          The CLI runs it at n = {now.job.labN}, one map per strategy:
          {now.job.strategies.map((st) => (
            <code key={st}>{mapCliCommand(now.job, st)}</code>
          ))}
        </div>
      )}
      {showMaps && (
        <div className="map-row">
          {grids.map((g) => (
            <figure className="mini map-figure" key={g.strategy}>
              <figcaption>
                {g.strategy}: {STRATEGY_DESCRIPTIONS[g.strategy]}
              </figcaption>
              <Heatmap grid={g} running={s.status === 'running'} />
            </figure>
          ))}
        </div>
      )}
      <p className="caption">
        Colour: recovery beyond the readout, 0 = the readout alone, 100 = full RTRL (viridis; values below 0 or above 100 take the end colours, the number says
        which). Hatched: undefined, and the cell says why: “no transport needed” (full RTRL gains under 5 % over readout-only, or its CI includes 0) or “k &gt;
        n”. Hover a cell for its mean, 95 % CI, seeds and losses.
        {tauA !== undefined && MAP_TAUS.includes(tauA) && ` The row τ = ${tauA} is the τ before the drift too: there the task does not change at all.`}
      </p>
    </section>
  );
}
