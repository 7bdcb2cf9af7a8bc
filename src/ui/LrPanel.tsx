/**
 * Learning-rate sensitivity: the current settings run at each rate of the grid in a background worker,
 * mean adaptation loss per arm (the sweep's arms: frozen, full RTRL, k = 0, k = 4, and readout-only when the
 * sweep runs it) on log–log axes, the live run's rate
 * marked. This is the picture that shows why full RTRL can lose: its best rate is not the others'.
 * d3 computes scales, ticks and paths; React renders them.
 */
import { line, scaleLog } from 'd3';
import { useLab } from '../app/page/store';
import { cancelLrSweep, estimateNote, startLrSweep, useLrSweep } from '../app/page/sweepController';
import type { ArmId } from '../app/contract';
import { ARM_COLORS, ARM_DASHES, ArmSwatch } from './armColors';
import { AxisTitles, ChartSvg } from './ChartFrame';
import { FormulaCard } from './FormulaCard';
import { JobProgressLine, JobStartLine, noPointsYet } from './JobProgress';

const W = 560;
const H = 270;
const M = { left: 60, right: 16, top: 14, bottom: 42 };

/** The engine's arm labels to the app's arm ids (colours). */
function armId(label: string): ArmId {
  return label === 'frozen' ? 'frozen' : label === 'full' ? 'full' : label === 'readout' ? 'readout' : label === 'k=0' ? 'k0' : 'k';
}

/** The engine's arm label as the live view names the arm. */
function armName(label: string): string {
  return label === 'full' ? 'full RTRL' : label === 'readout' ? 'readout only' : label.replace('=', ' = ');
}

function meanStd(v: number[]): { mean: number; std: number } {
  const f = v.filter(Number.isFinite);
  if (f.length === 0) return { mean: NaN, std: 0 };
  const mean = f.reduce((a, b) => a + b, 0) / f.length;
  return { mean, std: f.length > 1 ? Math.sqrt(f.reduce((a, b) => a + (b - mean) ** 2, 0) / (f.length - 1)) : 0 };
}

export function LrPanel() {
  const s = useLrSweep();
  useLab((st) => st.params);
  const series = s.arms.map((label, a) => ({
    label: armName(label),
    id: armId(label),
    points: s.lrs.map((lr, i) => ({ lr, ...meanStd(s.meanLoss[i]?.[a] ?? []) })).filter((p) => Number.isFinite(p.mean) && p.mean > 0),
  }));
  const all = series.flatMap((x) => x.points);
  const lrs = s.lrs.length ? s.lrs : [1e-5, 1e-2];
  const x = scaleLog()
    .domain([Math.min(...lrs) / 1.5, Math.max(...lrs) * 1.5])
    .range([M.left, W - M.right]);
  const lo = all.length ? Math.min(...all.map((p) => Math.max(p.mean - p.std, p.mean / 3))) : 1e-3;
  const hi = all.length ? Math.max(...all.map((p) => p.mean + p.std)) : 1;
  const y = scaleLog()
    .domain([lo / 1.3, hi * 1.3])
    .range([H - M.bottom, M.top])
    .nice();
  const path = line<{ lr: number; mean: number }>()
    .x((p) => x(p.lr))
    .y((p) => y(p.mean));
  const best = series.map((sr) => (sr.points.length ? sr.points.reduce((b, p) => (p.mean < b.mean ? p : b)) : null));
  const summary = all.length
    ? `Mean loss by learning rate: ${series.map((sr, i) => (sr.id === 'frozen' ? `${sr.label} does not learn` : `${sr.label} best at lr ${best[i]?.lr ?? '—'}`)).join('; ')}.`
    : noPointsYet('Learning-rate sweep', s.status);
  const yTicks = y.ticks(4).filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
  return (
    <section className="panel analysis" aria-labelledby="lr-title" data-testid="lr-panel">
      <h2 id="lr-title">
        Learning-rate sensitivity
        <FormulaCard label="learning-rate sweep">
          For each rate on the grid {s.lrs.length ? s.lrs.join(', ') : ''}: the lab’s settings, one run from the same pretrained weights, mean loss L̄ over the
          adaptation steps per arm. The arm with the lowest curve at a rate adapts best at that rate; recovery compares the arms at one rate, so it depends on
          which rate is chosen.
        </FormulaCard>
      </h2>
      <JobStartLine starts={[{ label: 'Sweep learning rate', onClick: startLrSweep, testId: 'run-lr-sweep' }]}>
        {s.status === 'idle'
          ? `Runs the current settings at each rate of the grid in the background: frozen, full RTRL, k = 0 and k = 4.${estimateNote('lr')}`
          : `${s.label}. ${s.seeds === 1 ? 'One seed per point: no error bars.' : `Mean ± std over ${s.seeds} seeds.`}`}
      </JobStartLine>
      <JobProgressLine progress={s} onCancel={cancelLrSweep} testId="lr-progress" />
      <ChartSvg width={W} height={H} summary={summary} data-testid="lr-chart" data-points={all.length}>
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#e1e4e8" />
            <text x={M.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" fontSize="11">
              {t.toExponential(0)}
            </text>
          </g>
        ))}
        {lrs.map((lr) => (
          <text key={`x${lr}`} x={x(lr)} y={H - M.bottom + 16} textAnchor="middle" fontSize="11">
            {lr.toExponential(0)}
          </text>
        ))}
        {Number.isFinite(s.chosenLr) && s.lrs.length > 0 && (
          <g data-testid="lr-chosen">
            <line x1={x(s.chosenLr)} x2={x(s.chosenLr)} y1={M.top} y2={H - M.bottom} stroke="#b00020" strokeDasharray="4 4" />
            <text x={x(s.chosenLr) + 4} y={M.top + 10} fontSize="11" fill="#b00020">
              live lr {s.chosenLr}
            </text>
          </g>
        )}
        <AxisTitles width={W} margin={M} plotBottom={H - M.bottom} xTitleY={H - 6} x="learning rate (log)" y="mean loss L̄ (log)" />
        {series.map((sr) => (
          <g key={sr.id} stroke={ARM_COLORS[sr.id]} fill={ARM_COLORS[sr.id]}>
            <path d={path(sr.points) ?? undefined} fill="none" strokeWidth={2} strokeDasharray={ARM_DASHES[sr.id].join(' ') || undefined} />
            {sr.points.map((p) => (
              <g key={p.lr}>
                {p.std > 0 && <line x1={x(p.lr)} x2={x(p.lr)} y1={y(Math.max(p.mean - p.std, p.mean / 3))} y2={y(p.mean + p.std)} strokeWidth={1.5} />}
                <circle cx={x(p.lr)} cy={y(p.mean)} r={3.5} />
              </g>
            ))}
          </g>
        ))}
      </ChartSvg>
      <p className="caption">
        {series.map((sr, i) => (
          <span key={sr.id} className="caption-item">
            <ArmSwatch id={sr.id} /> {sr.label}
            {/* frozen does not learn: the rate changes nothing, so it has no best one */}
            {sr.id === 'frozen' ? ' (does not learn: no rate helps)' : best[i] ? ` (best ${best[i]!.lr})` : ''}
          </span>
        ))}
        {series.length === 0 && 'Lower is better. The dashed red line is the rate of the live run.'}
      </p>
    </section>
  );
}
