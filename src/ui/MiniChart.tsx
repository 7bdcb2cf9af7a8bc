/**
 * A small SVG line chart for the analysis panels (tens to hundreds of points): d3 computes the scales,
 * axes ticks and paths, React renders them. Every chart carries a text summary for screen readers.
 */
import { line, scaleLinear, scaleLog } from 'd3';
import { AxisTitles, ChartSvg } from './ChartFrame';

export interface MiniSeries {
  label: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
  /** draw points as dots instead of a line (spectra) */
  dots?: boolean;
}

interface Props {
  title: string;
  series: MiniSeries[];
  xLabel: string;
  yLabel: string;
  yLog?: boolean;
  yDomain?: [number, number];
  summary: string;
  height?: number;
  testId?: string;
}

const W = 420;
const M = { left: 52, right: 10, top: 10, bottom: 34 };

export function MiniChart({ title, series, xLabel, yLabel, yLog, yDomain, summary, height = 220, testId }: Props) {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!yLog || y > 0));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  let yMin = yDomain?.[0] ?? (ys.length ? Math.min(...ys) : yLog ? 0.1 : 0);
  let yMax = yDomain?.[1] ?? (ys.length ? Math.max(...ys) : 1);
  if (yLog) {
    yMin = Math.max(yMin, 1e-12) / 1.5;
    yMax = Math.max(yMax * 1.5, yMin * 10);
  } else if (yMax === yMin) {
    yMax = yMin + 1;
  }
  const x = scaleLinear()
    .domain([xMin, xMax])
    .range([M.left, W - M.right]);
  const y = (yLog ? scaleLog() : scaleLinear())
    .domain([yMin, yMax])
    .range([height - M.bottom, M.top])
    .nice();
  const path = line<[number, number]>()
    .defined(([, v]) => Number.isFinite(v) && (!yLog || v > 0))
    .x(([v]) => x(v))
    .y(([, v]) => y(v));
  const yTicks = yLog ? y.ticks(4).filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9) : y.ticks(5);
  const yFmt = y.tickFormat(yLog ? 4 : 5, yLog ? '.0e' : undefined);
  return (
    <figure className="mini" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <ChartSvg width={W} height={height} summary={summary}>
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#e1e4e8" />
            <text x={M.left - 5} y={y(t)} textAnchor="end" dominantBaseline="middle" fontSize="11">
              {yFmt(t)}
            </text>
          </g>
        ))}
        {x.ticks(5).map((t) => (
          <text key={`x${t}`} x={x(t)} y={height - M.bottom + 14} textAnchor="middle" fontSize="11">
            {t}
          </text>
        ))}
        <AxisTitles width={W} margin={M} plotBottom={height - M.bottom} xTitleY={height - 4} x={xLabel} y={yLabel} />
        {series.map((s, si) =>
          s.dots ? (
            <g key={`${si}-${s.label}`} fill={s.color}>
              {s.points
                .filter(([, v]) => Number.isFinite(v) && (!yLog || v > 0))
                .map(([px, py], i) => (
                  <circle key={i} cx={x(px)} cy={y(py)} r={2.2} />
                ))}
            </g>
          ) : (
            <path
              key={`${si}-${s.label}`}
              d={path(s.points) ?? undefined}
              fill="none"
              stroke={s.color}
              strokeWidth={2}
              strokeDasharray={s.dashed ? '5 4' : undefined}
            />
          ),
        )}
      </ChartSvg>
      <div className="mini-legend">
        {series.map((s, si) => (
          <span key={`${si}-${s.label}`}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" /> {s.label}
          </span>
        ))}
      </div>
    </figure>
  );
}
