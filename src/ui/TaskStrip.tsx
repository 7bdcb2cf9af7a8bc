/**
 * The task itself, small: the latest steps of the input signal, the target and each arm's prediction,
 * with the drift marked while it is in view. It shows what "adapting after a drift" means before any
 * loss is read. Canvas, redrawn on the series version (transient data from the controller).
 */
import { scaleLinear } from 'd3';
import { useEffect, useRef } from 'react';
import { getTrace } from '../app/page/controller';
import { LEAD_IN_STEPS } from '../app/contract';
import { useLab } from '../app/page/store';
import { usePresenter } from './presenterLayout';
import { ARM_COLORS, ARM_DASHES } from './armColors';

const HEIGHT = 78;

export function TaskStrip() {
  const ref = useRef<HTMLCanvasElement>(null);
  const version = useLab((s) => s.seriesVersion);
  const arms = useLab((s) => s.arms);
  const task = useLab((s) => s.params.task);
  const presenter = usePresenter();
  useEffect(() => {
    const canvas = ref.current;
    const trace = getTrace();
    if (!canvas) return;
    const width = canvas.parentElement?.clientWidth ?? 600;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(HEIGHT * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${HEIGHT}px`;
    }
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    if (!trace || trace.length < 2) return;
    const n = trace.length;
    let lo = Infinity;
    let hi = -Infinity;
    const scan = (arr: Float32Array) => {
      for (let i = 0; i < n; i++) {
        const v = trace.at(arr, i);
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    };
    scan(trace.target);
    for (let a = 0; a < trace.arms; a++) scan(trace.prediction[a]);
    if (!(hi > lo)) hi = lo + 1;
    const pad = (hi - lo) * 0.08;
    const left = presenter ? 8 : 92;
    const x = scaleLinear()
      .domain([trace.firstStep, trace.firstStep + Math.max(n, 300) - 1])
      .range([left, width - 6]);
    const y = scaleLinear()
      .domain([lo - pad, hi + pad])
      .range([HEIGHT - 4, 4]);
    const line = (arr: Float32Array, color: string, lw: number, dash: number[]) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = lw;
      ctx.setLineDash(dash);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < n; i++) {
        const v = trace.at(arr, i);
        if (!Number.isFinite(v)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(x(trace.firstStep + i), y(v));
        else ctx.moveTo(x(trace.firstStep + i), y(v));
        pen = true;
      }
      ctx.stroke();
    };
    // the drift, while it is in view
    if (LEAD_IN_STEPS >= trace.firstStep && LEAD_IN_STEPS < trace.firstStep + n) {
      ctx.strokeStyle = '#b00020';
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x(LEAD_IN_STEPS), 2);
      ctx.lineTo(x(LEAD_IN_STEPS), HEIGHT - 2);
      ctx.stroke();
    }
    // the input signal, faint, on its own scale (its units are not the target's)
    let ilo = Infinity;
    let ihi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = trace.at(trace.input, i);
      if (Number.isFinite(v)) {
        ilo = Math.min(ilo, v);
        ihi = Math.max(ihi, v);
      }
    }
    if (ihi > ilo) {
      const yi = scaleLinear()
        .domain([ilo, ihi])
        .range([HEIGHT - 8, 8]);
      ctx.strokeStyle = '#a9adb3';
      ctx.lineWidth = 1;
      ctx.setLineDash([]);
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const v = trace.at(trace.input, i);
        if (i === 0) ctx.moveTo(x(trace.firstStep), yi(v));
        else ctx.lineTo(x(trace.firstStep + i), yi(v));
      }
      ctx.stroke();
    }
    line(trace.target, '#111', 3, []);
    // predictions drawn after the drift, counted for the tests (the GPU path records every step's output too)
    let adapted = 0;
    arms.forEach((arm, a) => {
      if (arm.sameAs || a >= trace.arms) return;
      line(trace.prediction[a], ARM_COLORS[arm.id], 1.6, ARM_DASHES[arm.id]);
      for (let i = 0; i < n; i++) if (trace.firstStep + i >= LEAD_IN_STEPS && Number.isFinite(trace.at(trace.prediction[a], i))) adapted++;
    });
    canvas.dataset.adaptedPredictions = String(adapted);
    ctx.setLineDash([]);
    if (!presenter) {
      ctx.fillStyle = '#222';
      ctx.font = '12px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      ctx.fillText('input (grey)', 4, 4);
      ctx.fillText('target (black)', 4, 20);
      ctx.fillText('predictions', 4, 36);
      ctx.fillText('(colours)', 4, 52);
    }
  });
  return (
    <div className="task-strip" data-testid="task-strip">
      <canvas
        ref={ref}
        role="img"
        data-version={version}
        aria-label={`The ${task} task over the latest steps: its input (grey), target (black) and each arm's prediction (the arms' colours); the red line is the drift.`}
      />
    </div>
  );
}
