/**
 * Live loss curves on a canvas with d3 scales: log-y, the raw trace faint, its EMA bold, one line per
 * arm, the drift and every live change marked, and a hover read-out. It redraws on animation frames when
 * the series version moved, never through React state per step.
 */
import { scaleLinear, scaleLog } from 'd3';
import { useEffect, useRef, useState } from 'react';
import { getSeries, markFirstCurve } from '../app/controller';
import { useLab } from '../app/store';
import { ARM_COLORS } from './armColors';

const MARGIN = { left: 64, right: 16, top: 14, bottom: 36 };

interface Hover {
  x: number;
  step: number;
  values: (number | null)[];
}

export function LossChart() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [points, setPoints] = useState(0);
  const arms = useLab((s) => s.arms);
  const version = useLab((s) => s.seriesVersion);
  const markers = useLab((s) => s.markers);
  const step = useLab((s) => s.step);
  const scalesRef = useRef<{ x: (v: number) => number; invertX: (px: number) => number } | null>(null);

  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const canvas = canvasRef.current;
      const wrap = wrapRef.current;
      const series = getSeries();
      if (!canvas || !wrap) return;
      const width = wrap.clientWidth;
      const height = Math.max(260, Math.min(520, Math.round(width * 0.5)));
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
      const n = series?.length ?? 0;
      setPoints(n);
      if (!series || n === 0) {
        ctx.fillStyle = '#555';
        ctx.font = '15px system-ui, sans-serif';
        ctx.fillText('Pretraining on regime A…', MARGIN.left, height / 2);
        return;
      }
      // y range from the smoothed traces (raw spikes would flatten the view), padded
      let lo = Infinity;
      let hi = 0;
      for (let a = 0; a < series.arms; a++) {
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
      const x0 = series.firstStep;
      const x1 = series.firstStep + Math.max(n, 50);
      const x = scaleLinear().domain([x0, x1]).range([MARGIN.left, width - MARGIN.right]);
      const y = scaleLog().domain([lo, hi]).range([height - MARGIN.bottom, MARGIN.top]).clamp(true);
      scalesRef.current = { x, invertX: (px) => x.invert(px) };

      // axes
      ctx.strokeStyle = '#d0d3d8';
      ctx.fillStyle = '#333';
      ctx.font = '12px system-ui, sans-serif';
      ctx.lineWidth = 1;
      // decades only: d3's log ticks include 2…9 × 10^k, too many lines for a projector
      const yTicks = y.ticks(5).filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
      for (const t of yTicks) {
        const py = Math.round(y(t)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(MARGIN.left, py);
        ctx.lineTo(width - MARGIN.right, py);
        ctx.stroke();
      }
      const yFormat = y.tickFormat(5, '.0e');
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (const t of yTicks) ctx.fillText(yFormat(t) || t.toExponential(0), MARGIN.left - 6, y(t));
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (const t of x.ticks(6)) ctx.fillText(String(t), x(t), height - MARGIN.bottom + 6);
      ctx.fillText('step', (MARGIN.left + width - MARGIN.right) / 2, height - 16);
      ctx.save();
      ctx.translate(14, (MARGIN.top + height - MARGIN.bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText('loss ½‖y − y*‖² (log)', 0, 0);
      ctx.restore();

      // markers: the drift and each live change
      ctx.setLineDash([4, 4]);
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      for (const m of markers) {
        if (m.step < x0) continue;
        const px = Math.round(x(m.step)) + 0.5;
        ctx.strokeStyle = m.label === 'drift' ? '#b00020' : '#666';
        ctx.beginPath();
        ctx.moveTo(px, MARGIN.top);
        ctx.lineTo(px, height - MARGIN.bottom);
        ctx.stroke();
        ctx.fillStyle = m.label === 'drift' ? '#b00020' : '#444';
        ctx.fillText(m.label, px + 4, MARGIN.top + 2);
      }
      ctx.setLineDash([]);

      // curves: raw faint, EMA bold; one sample per pixel column at most
      const plotWidth = width - MARGIN.left - MARGIN.right;
      const stride = Math.max(1, Math.floor(n / (plotWidth * 2)));
      ctx.save();
      ctx.beginPath();
      ctx.rect(MARGIN.left, MARGIN.top, plotWidth, height - MARGIN.top - MARGIN.bottom);
      ctx.clip();
      arms.forEach((arm, a) => {
        if (a >= series.arms) return;
        const color = ARM_COLORS[arm.id];
        for (const [data, alpha, lw] of [[series.raw, 0.18, 1], [series.smooth, 1, 2.25]] as const) {
          ctx.globalAlpha = alpha;
          ctx.strokeStyle = color;
          ctx.lineWidth = lw;
          ctx.beginPath();
          let pen = false;
          for (let i = 0; i < n; i += stride) {
            const v = series.at(data, a, i);
            if (!(Number.isFinite(v) && v > 0)) {
              pen = false;
              continue;
            }
            const px = x(x0 + i);
            const py = y(v);
            if (pen) ctx.lineTo(px, py);
            else ctx.moveTo(px, py);
            pen = true;
          }
          ctx.stroke();
        }
      });
      ctx.restore();
      ctx.globalAlpha = 1;
      markFirstCurve();
    });
    return () => cancelAnimationFrame(frame);
  }, [version, arms, markers]);

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

  const summary = arms.length
    ? `Loss curves of ${arms.map((a) => a.label).join(', ')} over ${step} steps; ${markers.length} marker(s): ${markers.map((m) => `${m.label} at step ${m.step}`).join(', ')}.`
    : 'Loss curves: pretraining.';

  return (
    <div className="chart" ref={wrapRef} data-testid="loss-chart" data-points={points}>
      <canvas ref={canvasRef} role="img" aria-label={summary} onMouseMove={onMove} onMouseLeave={() => setHover(null)} />
      {hover && (
        <div className="hover" style={{ left: Math.min(hover.x + 12, (wrapRef.current?.clientWidth ?? 400) - 190) }} data-testid="hover">
          <div className="hover-step">step {hover.step}</div>
          {arms.map((arm, a) => (
            <div key={arm.id}>
              <span className="swatch" style={{ background: ARM_COLORS[arm.id] }} /> {arm.label}:{' '}
              {hover.values[a] !== null && Number.isFinite(hover.values[a]!) ? hover.values[a]!.toExponential(2) : '—'}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
