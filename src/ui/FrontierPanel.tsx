/**
 * Cost against quality on the current task: every way of estimating the gradient (readout-only, full
 * RTRL, k = 0 … n, SnAp-1, UORO, KF-RTRL, TBPTT at the task's memory demand) placed by its multiply-adds
 * per step (log x) and its recovery beyond the readout (y), the frontier a step line through the arms no
 * cheaper arm beats. Where recovery beyond the readout is undefined the y axis is the mean loss.
 * d3 gives the scales, axes and the step line; React renders them.
 */
import { axisBottom, axisLeft, curveStepAfter, format, line, scaleLinear, scaleLog, select } from 'd3';
import { useLayoutEffect, useMemo, useRef } from 'react';
import { armName, frontierPlot, mergeCoincident, placeLabels, type FrontierPlotPoint } from '../app/page/analysisResults';
import { useLab } from '../app/page/store';
import { cancelFrontierJob, frontierNow, JOB_WARN_S, startFrontierJob, useFrontierJob } from '../app/page/sweepController';
import { AxisTitles, ChartSvg } from './ChartFrame';
import { FormulaCard } from './FormulaCard';
import { JobProgressLine, JobStartLine, noPointsYet } from './JobProgress';

const W = 560;
const H = 300;
const M = { left: 58, right: 16, top: 14, bottom: 44 };
const ON = '#0072b2';
const OFF = '#6b7079';
const macs = format('.3~s');
const lossTick = format('.2~g');

/** Powers of ten inside a log scale's domain (the axis labels), or d3's own ticks where there are fewer than two. */
function decades(domain: number[], fallback: number[]): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(domain[0])); 10 ** e <= domain[1]; e++) out.push(10 ** e);
  return out.length >= 2 ? out : fallback;
}

function withCi(mean: number, lo: number | null, hi: number | null, digits = 0): string {
  if (!Number.isFinite(mean)) return '—';
  return `${mean.toFixed(digits)}${lo !== null && hi !== null ? ` [${lo.toFixed(digits)}, ${hi.toFixed(digits)}]` : ''}`;
}

export function FrontierPanel() {
  const s = useFrontierJob();
  const params = useLab((st) => st.params);
  const next = useMemo(() => frontierNow(params), [params]);
  const plot = useMemo(() => (s.frontier ? frontierPlot(s.frontier) : null), [s.frontier]);
  const pts = plot?.points ?? [];
  const beyond = plot?.mode !== 'loss';
  const xDomain = pts.length ? [Math.min(...pts.map((p) => p.x)) / 2, Math.max(...pts.map((p) => p.x)) * 2] : [10, 1e7];
  const x = scaleLog()
    .domain(xDomain)
    .range([M.left, W - M.right]);
  const ys = pts.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]).filter(Number.isFinite);
  const y = beyond
    ? scaleLinear()
        .domain([Math.min(0, ...ys), Math.max(100, ...ys)])
        .range([H - M.bottom, M.top])
        .nice()
    : scaleLog()
        .domain(ys.length ? [Math.min(...ys.filter((v) => v > 0)) / 1.15, Math.max(...ys) * 1.15] : [1e-3, 1])
        .range([H - M.bottom, M.top]);
  const xRef = useRef<SVGGElement>(null);
  const yRef = useRef<SVGGElement>(null);
  const key = `${xDomain.join()}|${y.domain().join()}|${beyond}`;
  useLayoutEffect(() => {
    const style = (g: SVGGElement) => select(g).attr('font-family', null).attr('font-size', 11);
    if (xRef.current)
      style(xRef.current).call(
        axisBottom(x)
          .tickValues(decades(x.domain(), x.ticks(4)))
          .tickFormat((v) => macs(Number(v)))
          .tickSizeOuter(0),
      );
    if (yRef.current) {
      // within a decade the log axis takes d3's own ticks, which need two significant digits
      const yAxis = beyond
        ? axisLeft(y).ticks(6)
        : axisLeft(y)
            .tickValues(decades(y.domain(), y.ticks(4)))
            .tickFormat((v) => lossTick(Number(v)));
      style(yRef.current).call(yAxis.tickSizeOuter(0));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const step = line<FrontierPlotPoint>()
    .x((p) => x(p.x))
    .y((p) => y(p.y))
    .curve(curveStepAfter);
  const on = plot?.frontier ?? [];
  // one label per place (k = n sits on full RTRL), each where it covers the least
  const labelled = mergeCoincident(pts.map((p) => ({ px: x(p.x), py: y(p.y), text: armName(p.label) })));
  const shown = labelled.filter((l) => !l.hidden);
  const spots = placeLabels(shown, { x0: M.left, x1: W - M.right, y0: M.top, y1: H - M.bottom });
  const spotOf = new Map(shown.map((l, i) => [l, spots[i]]));
  const summary = pts.length
    ? `Cost against quality on ${s.run?.task ?? params.task}: ${beyond ? 'recovery beyond the readout' : 'mean loss'} by multiply-adds per step; on the frontier: ${on.map((p) => armName(p.label)).join(', ')}.`
    : noPointsYet('Cost against quality', s.status);
  const seedsDone = s.seedsDone;
  const c = next.run;
  const tbptt = c.arms.find((a) => a.kind === 'tbptt');
  const running = s.status !== 'idle' && s.status !== 'refused';
  return (
    <section className="panel analysis frontier-panel" aria-labelledby="frontier-title" data-testid="frontier-panel">
      <h2 id="frontier-title">
        Cost against quality
        <FormulaCard label="the frontier">
          x: the arm’s multiply-adds per step (the engine’s cost model, log scale). y: recovery beyond the readout, (L̄<sub>readout</sub> − L̄<sub>arm</sub>) / (L̄
          <sub>readout</sub> − L̄<sub>full</sub>) × 100 % per seed, mean and 95 % CI over seeds. An arm is on the frontier when no arm that costs no more does
          better; an arm that diverged on a seed is never on it.
        </FormulaCard>
      </h2>
      <JobStartLine starts={[{ label: 'Run cost against quality', onClick: startFrontierJob, testId: 'run-frontier' }]}>
        <span data-testid="frontier-description">
          {running
            ? `${s.label}; ${seedsDone} seed${seedsDone === 1 ? '' : 's'} done`
            : `${params.task}, ${params.model !== 'rnn' ? 'the RNN (the jobs run the RNN’s arms), ' : ''}n = ${c.n}: readout-only, full RTRL, k = 0 … ${c.n} (${params.strategy}), SnAp-1, UORO, KF-RTRL and TBPTT(${tbptt?.kind === 'tbptt' ? tbptt.truncation : '—'}) at the task’s memory demand, ${c.seeds.length} seeds; each pretrains ${c.pretrain.steps} steps and adapts ${c.adaptSteps}, in the background.${
                next.check.refused
                  ? ` Not on the CPU at n = ${c.n}: about ${Math.round(next.check.estimateS)} s.`
                  : next.check.estimateS > JOB_WARN_S
                    ? ` Estimated ≈ ${Math.round(next.check.estimateS)} s.`
                    : ''
              }`}
        </span>
      </JobStartLine>
      <JobProgressLine progress={s} onCancel={cancelFrontierJob} testId="frontier-progress" />
      {plot && plot.mode === 'loss' && (
        <p className="readout frontier-undefined" data-testid="frontier-undefined">
          Recovery beyond the readout is undefined here: {plot.undefinedReason}. The plot shows each arm’s mean loss instead (lower is better).
        </p>
      )}
      {running && (
        <ChartSvg width={W} height={H} summary={summary} data-testid="frontier-chart" data-points={pts.length} data-mode={plot?.mode ?? ''}>
          {beyond &&
            [0, 100].map((v) => (
              <g key={v}>
                <line x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} stroke="#9aa0a8" strokeDasharray="3 3" />
                {/* full RTRL's arms sit at the right, readout-only at the left: the line names go at the other ends */}
                <text x={v === 0 ? W - M.right - 2 : M.left + 4} y={y(v) - 4} textAnchor={v === 0 ? 'end' : 'start'} fontSize="10" fill="#555b64">
                  {v === 0 ? '0: readout alone' : '100: full RTRL'}
                </text>
              </g>
            ))}
          <g ref={xRef} transform={`translate(0 ${H - M.bottom})`} />
          <g ref={yRef} transform={`translate(${M.left} 0)`} />
          <AxisTitles
            width={W}
            margin={M}
            plotBottom={H - M.bottom}
            xTitleY={H - 8}
            yTitleX={13}
            x="multiply-adds per step (log)"
            y={plot?.yLabel ?? 'recovery beyond the readout (%)'}
          />
          {on.length > 1 && <path d={step(on) ?? undefined} fill="none" stroke={ON} strokeWidth={2} data-testid="frontier-line" />}
          {pts.map((p, i) => {
            const l = labelled[i];
            const spot = spotOf.get(l);
            const cx = x(p.x);
            const cy = y(p.y);
            const color = p.onFrontier ? ON : OFF;
            const lo = p.lo !== null && (beyond || p.lo > 0) ? y(p.lo) : null;
            const hi = p.hi !== null ? y(p.hi) : null;
            return (
              <g key={p.label} data-testid="frontier-point" data-label={p.label} data-on-frontier={p.onFrontier}>
                <title>
                  {`${armName(p.label)}: ${macs(p.x)} multiply-adds per step; ${beyond ? `recovery beyond the readout ${withCi(p.y, p.lo, p.hi)} %` : `mean loss ${p.y.toExponential(3)}`}${p.onFrontier ? '; on the frontier' : ''}${p.diverged ? `; diverged on ${p.diverged} seed(s)` : ''}`}
                </title>
                {lo !== null && hi !== null && <line x1={cx} x2={cx} y1={lo} y2={hi} stroke={color} strokeWidth={1.5} />}
                <circle cx={cx} cy={cy} r={4.5} fill={p.onFrontier ? ON : '#fff'} stroke={color} strokeWidth={2} />
                {spot && (
                  <text x={cx + spot.dx} y={cy + spot.dy} textAnchor={spot.anchor} fontSize="10" fill="#1a1c20">
                    {l.text}
                  </text>
                )}
              </g>
            );
          })}
        </ChartSvg>
      )}
      {s.frontier && (
        <table className="cost frontier-table" data-testid="frontier-table">
          <thead>
            <tr>
              <th scope="col">arm</th>
              <th scope="col">MAC/step</th>
              <th scope="col">beyond readout % [95 % CI]</th>
              <th scope="col">mean loss</th>
              <th scope="col">on frontier</th>
            </tr>
          </thead>
          <tbody>
            {s.frontier.points.map((p) => (
              <tr key={p.label} data-on-frontier={p.onFrontier}>
                <th scope="row">{armName(p.label)}</th>
                <td>{macs(p.macsPerStep)}</td>
                <td>{p.beyondReadout ? withCi(p.beyondReadout.mean, p.beyondReadout.ci95?.[0] ?? null, p.beyondReadout.ci95?.[1] ?? null) : 'undefined'}</td>
                <td>{Number.isFinite(p.meanLoss.mean) ? p.meanLoss.mean.toExponential(2) : '—'}</td>
                <td>{p.onFrontier ? 'yes' : p.diverged ? `no (diverged on ${p.diverged})` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="caption">
        <span className="swatch" style={{ background: ON }} aria-hidden="true" /> on the frontier (the step line),{' '}
        <span className="swatch frontier-off" aria-hidden="true" /> off it. Multiply-adds are the engine’s cost model per step, not measured time.{' '}
        {beyond ? '0 = the readout alone, 100 = full RTRL.' : 'Lower loss is better.'}
      </p>
    </section>
  );
}
