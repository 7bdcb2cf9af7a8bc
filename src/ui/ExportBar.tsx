/**
 * Slide-ready exports: the figure as shown (PNG at 2× on white with title, legend, settings and the link,
 * wrapped), one chosen panel as a standalone SVG (svgExport.ts: title, legend, settings, link, font family
 * embedded; the button waits for a choice), the kept-paths heatmap as PNG, the curves as CSV (one plain
 * header row) and the run as JSON (with the full link).
 */
import { useState } from 'react';
import { getSeries } from '../app/page/controller';
import { download, fullLink, runToCsv, runToJson } from '../app/page/exportRun';
import { readArms } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { ARM_COLORS, ARM_DASHES } from './armColors';
import { drawLossChart } from './LossChart';
import { constantPredictorReference } from '../app/contract';
import { legendEntries, standaloneSvg } from './svgExport';

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

function stamp(): string {
  const p = useLab.getState().params;
  return `sparse-rtrl-${p.task}-n${p.n}-k${p.k}-seed${p.seed}`;
}

/** The run's settings in one line, for the exports. */
export function settingsLine(state: ReturnType<typeof useLab.getState>): string {
  const p = state.params;
  const shape =
    p.model === 'transformer'
      ? `transformer, head fraction ρ = ${p.headFraction}`
      : `${p.model.toUpperCase()}, n = ${p.n}, k = ${p.k} (${p.strategy}), leak ${p.leak}`;
  return `Settings: ${p.task} task, ${shape}, ${p.optimizer} lr ${p.lr}, seed ${p.seed}, ${state.adaptedSteps} of ${p.adapt} adaptation steps, one seed, engine ${state.engine}.`;
}

/** Splits text into lines no wider than `max` pixels in ctx's font, breaking after '&' or a space where it can. */
function wrapToWidth(ctx: CanvasRenderingContext2D, text: string, max: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest && ctx.measureText(rest).width > max) {
    let cut = rest.length;
    while (cut > 1 && ctx.measureText(rest.slice(0, cut)).width > max) cut--;
    const at = Math.max(rest.lastIndexOf('&', cut - 1), rest.lastIndexOf(' ', cut - 1));
    if (at > cut / 3) cut = at + 1;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) lines.push(rest);
  return lines;
}

/** The figure as shown, drawn afresh at 2× on white: title, the curves, legend, settings, link. */
export function figureCanvas(): HTMLCanvasElement {
  const state = useLab.getState();
  const p = state.params;
  const W = 1200;
  const chartH = 520;
  // the link, wrapped to the figure's width (a long link must not run off the right edge)
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = `13px ${FONT}`;
  const linkLines = wrapToWidth(measure, fullLink(state), W - 48);
  // room for a second row of the legend (five arms with both recoveries do not fit one)
  const H = 60 + chartH + 40 + 70 + 24 + 20 * (linkLines.length - 1);
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = W * scale;
  canvas.height = H * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#111';
  ctx.font = `700 22px ${FONT}`;
  ctx.textBaseline = 'top';
  ctx.fillText(`Loss after the drift: ${p.task}, n = ${p.n}, k = ${p.k} (${p.strategy})`, 24, 18);
  ctx.save();
  ctx.translate(0, 60);
  drawLossChart(ctx, getSeries(), state.arms, state.markers, { width: W, height: chartH, scale: 1.3, reference: constantPredictorReference(p.task) });
  ctx.restore();
  // legend: each arm with both recoveries (the paper's and beyond the readout), as the page words them
  const reading = readArms(state.arms, { ...state, transformer: p.model === 'transformer' });
  const improvement = reading.improvement;
  const byIndex = new Map(reading.arms.map((r) => [r.index, r]));
  const short = (w: { kind: string; text: string }) => (w.kind === 'undefined' ? 'undefined' : w.text);
  let x = 24;
  let y = 60 + chartH + 14;
  ctx.font = `15px ${FONT}`;
  ctx.textBaseline = 'middle';
  state.arms.forEach((arm, a) => {
    if (arm.sameAs) return;
    const r = reading.waiting ? undefined : byIndex.get(a);
    const text = `${arm.label}${r ? `: recovery ${short(r.paper)}${r.beyond ? `, beyond the readout ${short(r.beyond)}` : ''}` : ''}`;
    if (x > 24 && x + 36 + ctx.measureText(text).width > W - 24) {
      x = 24;
      y += 24;
    }
    ctx.strokeStyle = ARM_COLORS[arm.id];
    ctx.lineWidth = 3;
    ctx.setLineDash(ARM_DASHES[arm.id]);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 30, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#111';
    ctx.fillText(text, x + 36, y);
    x += 36 + ctx.measureText(text).width + 28;
  });
  ctx.fillStyle = '#333';
  ctx.font = `13px ${FONT}`;
  ctx.fillText(
    `One seed (${p.seed}), ${state.adaptedSteps} adaptation steps · ${p.model.toUpperCase()}, ${p.optimizer} lr ${p.lr}, leak ${p.leak} · full RTRL’s own improvement ${improvement === null ? '—' : `${(100 * improvement).toFixed(0)} %`}${reading.hasReadout ? ` · over readout-only ${reading.gain === null ? '—' : `${(100 * reading.gain).toFixed(0)} %`}${reading.beyondUndefined && !reading.paperUndefined ? ' (the task does not need transport)' : ''}` : ''} · engine ${state.engine}`,
    24,
    y + 30,
  );
  ctx.fillStyle = '#0b4f9c';
  linkLines.forEach((line, i) => ctx.fillText(line, 24, y + 52 + 20 * i));
  return canvas;
}

/** The SVG panels on the page, by their headings, for the "one panel as SVG" choice. */
function svgPanels(): { id: string; title: string; svg: SVGSVGElement; scope: Element }[] {
  const out: { id: string; title: string; svg: SVGSVGElement; scope: Element }[] = [];
  document.querySelectorAll<HTMLElement>('section.analysis').forEach((section) => {
    const heading = section.querySelector('h2')?.firstChild?.textContent?.trim() ?? 'panel';
    section.querySelectorAll<SVGSVGElement>('svg[role=img]').forEach((svg, i, all) => {
      const sub = all.length > 1 ? (svg.closest('figure')?.querySelector('figcaption')?.textContent ?? `${i + 1}`) : '';
      // the legend beside a drawing: its figure's (a small multiple), else its panel's
      out.push({ id: `${section.dataset.testid ?? 'panel'}-${i}`, title: sub ? `${heading}: ${sub}` : heading, svg, scope: svg.closest('figure') ?? section });
    });
  });
  return out;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50);
}

/** A panel as a standalone SVG file: its title, drawing, legend, the run's settings and link. */
export function svgFile(svg: SVGSVGElement, title: string, scope: Element = svg.parentElement ?? svg): string {
  const state = useLab.getState();
  return standaloneSvg(svg, title, legendEntries(scope, svg), [settingsLine(state), fullLink(state)], FONT);
}

export function ExportBar() {
  const [panel, setPanel] = useState('');
  const [choices, setChoices] = useState<{ id: string; title: string }[]>([]);
  const exportJson = () =>
    download(`${stamp()}.json`, new Blob([JSON.stringify(runToJson(useLab.getState(), getSeries()), null, 1)], { type: 'application/json' }));
  const exportCsv = () => download(`${stamp()}.csv`, new Blob([runToCsv(useLab.getState(), getSeries())], { type: 'text/csv' }));
  const exportPng = () => figureCanvas().toBlob((blob) => blob && download(`${stamp()}-figure.png`, blob), 'image/png');
  const exportHeatmap = () => {
    const src = document.querySelector<HTMLCanvasElement>('[data-testid=kept-paths-canvas]');
    if (!src) return;
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(src, 0, 0);
    c.toBlob((blob) => blob && download(`${stamp()}-kept-paths.png`, blob), 'image/png');
  };
  const exportSvg = () => {
    const all = svgPanels();
    const chosen = all.find((p) => p.id === panel);
    if (!chosen) return;
    download(`${stamp()}-${slug(chosen.title)}.svg`, new Blob([svgFile(chosen.svg, chosen.title, chosen.scope)], { type: 'image/svg+xml' }));
  };
  return (
    <div className="export" role="group" aria-label="export">
      <span>Export:</span>
      <button type="button" onClick={exportPng} data-testid="export-png">
        figure as shown (PNG)
      </button>
      <button type="button" onClick={exportCsv} data-testid="export-csv">
        curves (CSV)
      </button>
      <button type="button" onClick={exportJson} data-testid="export-json">
        run (JSON)
      </button>
      <button type="button" onClick={exportHeatmap} data-testid="export-heatmap">
        kept paths (PNG)
      </button>
      <label className="export-choice">
        <span className="visually-hidden">panel to export as SVG</span>
        <select
          value={panel}
          onFocus={() => setChoices(svgPanels().map(({ id, title }) => ({ id, title })))}
          onPointerDown={() => setChoices(svgPanels().map(({ id, title }) => ({ id, title })))}
          onChange={(e) => setPanel(e.target.value)}
          data-testid="export-svg-choice"
        >
          <option value="">choose a panel…</option>
          {choices.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={exportSvg} data-testid="export-svg" disabled={panel === ''} title={panel === '' ? 'choose a panel first' : undefined}>
        panel (SVG)
      </button>
    </div>
  );
}
