/**
 * Live loss curves on a canvas with d3 scales: log-y, the raw trace faint, its EMA bold, one line (colour
 * and dash) per arm labelled at its right end, the drift and every live change marked, and a hover
 * read-out. It redraws on animation frames when the series version moved, never through React state per
 * step. Its height follows the window so chart, legend and controls share one screen.
 */
import { scaleLinear, scaleLog } from 'd3';
import { useEffect, useRef, useState } from 'react';
import { getSeries, markFirstCurve } from '../app/page/controller';
import { constantPredictorReference, LEAD_IN_STEPS, type ArmInfo, type LossReference, type Marker } from '../app/contract';
import type { LossSeries } from '../app/page/lossSeries';
import { useLab } from '../app/page/store';
import { usePresenter } from './presenterLayout';
import { ARM_COLORS, ARM_DASHES } from './armColors';
import { mergeMarkerLabels } from './markerLabels';

interface Hover {
  x: number;
  step: number;
  values: (number | null)[];
}

/** The chart's height for a window: what is left after the header, legend, strip and export row. */
export function chartHeight(width: number, presenter: boolean, captionAbove = false): number {
  // below it outside presenter mode: the legend, both recoveries' reading, the task strip and the export row
  // (and above it, a claim's caption when one is on show)
  const room = window.innerHeight - (presenter ? 330 : 380 + (captionAbove ? 80 : 0));
  return Math.round(Math.max(200, Math.min(520, width * 0.55, room)));
}

export interface DrawOptions {
  width: number;
  height: number;
  /** text scale: 2 in presenter mode */
  scale: number;
  /** a horizontal reference (the adding problems' constant predictor), drawn dotted and labelled */
  reference?: LossReference | null;
}

/** Draws the curves into ctx (CSS pixels); shared by the live canvas and the "figure as shown" export. */
export function drawLossChart(
  ctx: CanvasRenderingContext2D,
  series: LossSeries | null,
  arms: ArmInfo[],
  markers: Marker[],
  o: DrawOptions,
): { x: (v: number) => number; invertX: (px: number) => number } | null {
  const { width, height, scale } = o;
  const font = (px: number) => `${Math.round(px * scale)}px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif`;
  const shown = arms.map((a, i) => ({ arm: a, i })).filter(({ arm }) => !arm.sameAs);
  // room at the right for the direct labels
  const labelWidth = Math.round((shown.reduce((w, { arm }) => Math.max(w, arm.label.length), 0) * 7 + 14) * scale);
  const M = { left: Math.round(56 * scale), right: labelWidth, top: Math.round(14 * scale), bottom: Math.round(34 * scale) };
  const n = series?.length ?? 0;
  if (!series || n === 0) {
    ctx.fillStyle = '#444';
    ctx.font = font(15);
    ctx.fillText('Pretraining on regime A…', M.left, height / 2);
    return null;
  }
  // y range from the smoothed traces (raw spikes would flatten the view), padded
  let lo = Infinity;
  let hi = 0;
  for (const { i: a } of shown) {
    if (a >= series.arms) continue;
    for (let i = 0; i < n; i++) {
      const v = series.at(series.smooth, a, i);
      if (Number.isFinite(v) && v > 0) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 1e-4;
    hi = 1;
  }
  // at most five decades, so a near-zero lead-in does not squash the part that matters
  lo = Math.max(1e-7, lo / 3, hi / 1e5);
  hi = Math.max(hi * 3, lo * 10);
  const ref = o.reference;
  if (ref) {
    lo = Math.min(lo, ref.loss / 2);
    hi = Math.max(hi, ref.loss * 2);
  }
  const x0 = series.firstStep;
  const x1 = series.firstStep + Math.max(n, 50);
  const x = scaleLinear()
    .domain([x0, x1])
    .range([M.left, width - M.right]);
  const y = scaleLog()
    .domain([lo, hi])
    .range([height - M.bottom, M.top])
    .clamp(true);

  // axes
  ctx.strokeStyle = '#d0d3d8';
  ctx.fillStyle = '#222';
  ctx.font = font(12);
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  // decades only: d3's log ticks include 2…9 × 10^k, too many lines for a projector
  const yTicks = y.ticks(5).filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
  for (const t of yTicks) {
    const py = Math.round(y(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(M.left, py);
    ctx.lineTo(width - M.right, py);
    ctx.stroke();
  }
  const yFormat = y.tickFormat(5, '.0e');
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yTicks) ctx.fillText(yFormat(t) || t.toExponential(0), M.left - 6, y(t));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of x.ticks(scale > 1 ? 4 : 6)) ctx.fillText(String(t), x(t), height - M.bottom + 5);
  ctx.fillText('step', (M.left + width - M.right) / 2, height - Math.round(15 * scale));
  ctx.save();
  ctx.translate(Math.round(12 * scale), (M.top + height - M.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('loss (log)', 0, 0);
  ctx.restore();

  if (ref) {
    // the constant predictor: an arm above this line learned nothing usable
    const py = Math.round(y(ref.loss)) + 0.5;
    ctx.strokeStyle = '#555';
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(M.left, py);
    ctx.lineTo(width - M.right, py);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#333';
    ctx.font = font(12);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(ref.label, width - M.right - 4, py - 2);
  }

  // markers: the drift and each live change; markers whose labels would overprint share one label
  ctx.setLineDash([4, 4]);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  const shownMarkers = markers.filter((m) => m.step >= x0);
  for (const m of shownMarkers) {
    const px = Math.round(x(m.step)) + 0.5;
    ctx.strokeStyle = m.label === 'drift' ? '#b00020' : '#666';
    ctx.beginPath();
    ctx.moveTo(px, M.top);
    ctx.lineTo(px, height - M.bottom);
    ctx.stroke();
  }
  for (const group of mergeMarkerLabels(
    shownMarkers,
    (m) => x(m.step),
    (text) => ctx.measureText(text).width,
  )) {
    ctx.fillStyle = group.drift ? '#b00020' : '#333';
    ctx.fillText(group.label, group.px + 4, M.top + 2);
  }
  ctx.setLineDash([]);
  if (x0 < LEAD_IN_STEPS) {
    ctx.fillStyle = '#555';
    ctx.font = font(12);
    ctx.textBaseline = 'bottom';
    const text = 'before the drift: the pretrained network, all arms alike';
    const short = 'pretrained network';
    const room = Math.min(x(LEAD_IN_STEPS), width - M.right) - M.left - 10;
    const label = ctx.measureText(text).width <= room ? text : ctx.measureText(short).width <= room ? short : '';
    if (label) ctx.fillText(label, M.left + 4, height - M.bottom - 3);
  }

  // curves: raw faint, EMA bold; one sample per pixel column at most. A sparse-error task (adding) has
  // one raw point per sequence: dots, not a line.
  const plotWidth = width - M.left - M.right;
  const stride = Math.max(1, Math.floor(n / (plotWidth * 2)));
  ctx.save();
  ctx.beginPath();
  ctx.rect(M.left, M.top, plotWidth, height - M.top - M.bottom);
  ctx.clip();
  const ends: { a: number; y: number; label: string; color: string }[] = [];
  for (const { arm, i: a } of shown) {
    if (a >= series.arms) continue;
    const color = ARM_COLORS[arm.id];
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    // faint raw trace
    ctx.globalAlpha = 0.13;
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    // before the drift every arm is the same pretrained network: only the first arm draws it
    const from = a === shown[0].i ? 0 : Math.max(0, LEAD_IN_STEPS - x0);
    if (series.sparse) {
      for (let i = from; i < n; i++) {
        const v = series.at(series.raw, a, i);
        if (Number.isFinite(v) && v > 0) ctx.fillRect(x(x0 + i) - 1, y(v) - 1, 2.5, 2.5);
      }
    } else {
      strokeSeries(ctx, series, series.raw, a, from, n, stride, (i) => x(x0 + i), y);
    }
    // bold average in the arm's dash
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2.5 * Math.min(scale, 1.4);
    ctx.setLineDash(ARM_DASHES[arm.id].map((d) => d * Math.min(scale, 1.4)));
    const last = strokeSeries(ctx, series, series.smooth, a, from, n, stride, (i) => x(x0 + i), y);
    if (last !== null) ends.push({ a, y: y(last), label: arm.label, color });
  }
  ctx.restore();
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);

  // direct labels at the right ends, pushed apart so they never overlap
  const gap = 15 * scale;
  ends.sort((p, q) => p.y - q.y);
  for (let i = 1; i < ends.length; i++) ends[i].y = Math.max(ends[i].y, ends[i - 1].y + gap);
  const overflow = ends.length ? ends[ends.length - 1].y - (height - M.bottom) : 0;
  if (overflow > 0) for (const e of ends) e.y -= overflow;
  ctx.font = `600 ${font(13)}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const e of ends) {
    ctx.fillStyle = e.color;
    ctx.fillText(e.label, width - M.right + 6, Math.max(M.top + 6, e.y));
  }
  return { x, invertX: (px) => x.invert(px) };
}

/** Strokes one arm's series; returns its last finite value (null: none). */
function strokeSeries(
  ctx: CanvasRenderingContext2D,
  series: LossSeries,
  data: Float32Array[],
  a: number,
  from: number,
  n: number,
  stride: number,
  px: (i: number) => number,
  y: (v: number) => number,
): number | null {
  ctx.beginPath();
  let pen = false;
  let last: number | null = null;
  for (let i = from; i < n; i += stride) {
    const v = series.at(data, a, i);
    if (!(Number.isFinite(v) && v > 0)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(px(i), y(v));
    else ctx.moveTo(px(i), y(v));
    pen = true;
    last = v;
  }
  const end = series.at(data, a, n - 1);
  if (Number.isFinite(end) && end > 0) last = end;
  ctx.stroke();
  return last;
}

export function LossChart() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [, setResized] = useState(0);
  const arms = useLab((s) => s.arms);
  const version = useLab((s) => s.seriesVersion);
  const markers = useLab((s) => s.markers);
  const step = useLab((s) => s.step);
  const presenter = usePresenter();
  const task = useLab((s) => s.params.task);
  const captionAbove = useLab((s) => s.claim !== null);
  const scalesRef = useRef<{ x: (v: number) => number; invertX: (px: number) => number } | null>(null);

  useEffect(() => {
    const onResize = () => setResized((r) => r + 1);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  // Drawn right after each render that the series version (or a resize) caused: no extra frame of delay,
  // and the point count is written to the DOM directly, not through React state.
  useEffect(() => {
    const canvas = canvasRef.current;
    const wrap = wrapRef.current;
    const series = getSeries();
    if (!canvas || !wrap) return;
    const width = wrap.clientWidth;
    const height = chartHeight(width, presenter, captionAbove);
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    scalesRef.current = drawLossChart(ctx, series, arms, markers, { width, height, scale: presenter ? 2 : 1, reference: constantPredictorReference(task) });
    wrap.dataset.reference = constantPredictorReference(task)?.label ?? '';
    wrap.dataset.points = String(series?.length ?? 0);
    if (scalesRef.current) markFirstCurve();
  });

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const series = getSeries();
    const scales = scalesRef.current;
    if (!series || !scales || series.length === 0) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const s = Math.round(scales.invertX(px));
    const i = s - series.firstStep;
    if (i < 0 || i >= series.length) {
      setHover(null);
      return;
    }
    setHover({ x: px, step: s, values: arms.map((_, a) => (a < series.arms ? series.at(series.smooth, a, i) : null)) });
  };

  const shown = arms.filter((a) => !a.sameAs);
  const summary = arms.length
    ? `Loss curves of ${shown.map((a) => a.label).join(', ')} over ${step} steps; ${markers.length} marker(s): ${markers.map((m) => `${m.label} at step ${m.step}`).join(', ')}.`
    : 'Loss curves: pretraining.';

  return (
    <div className="chart" ref={wrapRef} data-testid="loss-chart" data-version={version}>
      <canvas ref={canvasRef} role="img" aria-label={summary} onMouseMove={onMove} onMouseLeave={() => setHover(null)} />
      {hover && (
        <div className="hover" style={{ left: Math.min(hover.x + 12, (wrapRef.current?.clientWidth ?? 400) - 190) }} data-testid="hover">
          <div className="hover-step">step {hover.step}</div>
          {arms.map((arm, a) =>
            arm.sameAs ? null : (
              <div key={arm.id}>
                <span className="swatch" style={{ background: ARM_COLORS[arm.id] }} /> {arm.label}:{' '}
                {hover.values[a] !== null && Number.isFinite(hover.values[a]!) ? hover.values[a]!.toExponential(2) : '—'}
              </div>
            ),
          )}
        </div>
      )}
    </div>
  );
}
