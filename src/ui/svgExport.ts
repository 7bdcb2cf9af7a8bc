/**
 * One panel as a standalone SVG file: the panel's own drawing with its title drawn above it, its legend
 * (the swatches the page shows beside the drawing, each with its words) and the run's settings and link
 * below, on white, with the font family embedded. A file opened alone says what it shows.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface LegendEntry {
  color: string;
  /** the line's dash ('' solid); null: a filled square */
  dash: string | null;
  label: string;
}

/** Splits text into lines of at most `max` characters, breaking after '&', ',', ';' or a space where it can. */
export function wrapChars(text: string, max: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const at = Math.max(window.lastIndexOf('&'), window.lastIndexOf(' '), window.lastIndexOf(','), window.lastIndexOf(';'));
    const cut = at > max / 3 ? at + 1 : max;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) lines.push(rest);
  return lines;
}

/** The legend a page shows beside a drawing: each swatch with the words after it, up to the next swatch. */
export function legendEntries(scope: Element, exclude: Element): LegendEntry[] {
  const entries: LegendEntry[] = [];
  const swatches = [...scope.querySelectorAll<Element>('.swatch, svg.line-swatch')].filter((s) => !exclude.contains(s) && !s.closest('table'));
  for (const swatch of swatches) {
    let label = '';
    for (let node = swatch.nextSibling; node; node = node.nextSibling) {
      if (node instanceof Element && (node.matches('.swatch, svg.line-swatch') || node.querySelector('.swatch, svg.line-swatch'))) break;
      label += node.textContent ?? '';
    }
    label = label
      .replace(/\s+/g, ' ')
      .replace(/[\s,;]*(and)?[\s,;]*$/, '')
      .trim();
    if (!label) continue;
    if (swatch instanceof SVGSVGElement) {
      const line = swatch.querySelector('line');
      entries.push({ color: line?.getAttribute('stroke') ?? '#000', dash: line?.getAttribute('stroke-dasharray') ?? '', label: label.slice(0, 90) });
    } else {
      const style = getComputedStyle(swatch);
      const color = style.backgroundColor && style.backgroundColor !== 'rgba(0, 0, 0, 0)' ? style.backgroundColor : '#ffffff';
      entries.push({ color, dash: null, label: label.slice(0, 90) });
    }
  }
  return entries;
}

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The standalone file: the drawing moved down under a drawn title, the legend and the settings lines
 * below it. `notes` are the lines under the legend (settings, link), wrapped to the width.
 */
export function standaloneSvg(svg: SVGSVGElement, title: string, legend: readonly LegendEntry[], notes: readonly string[], font: string): string {
  const [, , w0, h0] = (svg.getAttribute('viewBox') ?? '0 0 560 260').split(/\s+/).map(Number);
  const W = Math.max(w0, 480);
  const chars = Math.floor((W - 24) / 6.2);
  const titleLines = wrapChars(title, Math.floor((W - 24) / 8));
  const top = 10 + titleLines.length * 20;
  const drawing = svg.cloneNode(true) as SVGSVGElement;
  drawing.removeAttribute('style');
  drawing.setAttribute('x', '0');
  drawing.setAttribute('y', String(top));
  drawing.setAttribute('width', String(w0));
  drawing.setAttribute('height', String(h0));
  // the legend: rows of entries, each a swatch and its words, wrapped to the width
  const legendGroup = el('g', { class: 'legend', 'data-role': 'legend' });
  let x = 12;
  let y = top + h0 + 16;
  for (const entry of legend) {
    const width = 34 + entry.label.length * 6.2;
    if (x > 12 && x + width > W - 12) {
      x = 12;
      y += 18;
    }
    legendGroup.appendChild(
      entry.dash === null
        ? el('rect', { x, y: y - 6, width: 12, height: 12, fill: entry.color, stroke: '#6b7079', 'stroke-width': 0.5 })
        : el('line', { x1: x, x2: x + 26, y1: y, y2: y, stroke: entry.color, 'stroke-width': 3, ...(entry.dash ? { 'stroke-dasharray': entry.dash } : {}) }),
    );
    legendGroup.appendChild(
      el('text', { x: x + (entry.dash === null ? 17 : 31), y, 'font-size': 11, 'dominant-baseline': 'middle', fill: '#111' }, entry.label),
    );
    x += width + 14;
  }
  if (legend.length === 0)
    legendGroup.appendChild(
      el(
        'text',
        { x: 12, y, 'font-size': 11, 'dominant-baseline': 'middle', fill: '#111' },
        'Legend: as drawn in the panel (its own key is part of the drawing).',
      ),
    );
  const noteLines = notes.flatMap((n) => wrapChars(n, chars));
  const H = y + 12 + noteLines.length * 15 + 8;
  const out = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    'font-family': font,
    style: `font-family: ${font}; background: #ffffff`,
  }) as SVGSVGElement;
  out.appendChild(el('title', {}, title));
  out.appendChild(el('rect', { width: W, height: H, fill: '#ffffff' }));
  titleLines.forEach((line, i) =>
    out.appendChild(el('text', { x: 12, y: 22 + i * 20, 'font-size': 15, 'font-weight': 700, fill: '#111', class: 'title' }, line)),
  );
  out.appendChild(drawing);
  out.appendChild(legendGroup);
  noteLines.forEach((line, i) => out.appendChild(el('text', { x: 12, y: y + 24 + i * 15, 'font-size': 10.5, fill: '#333' }, line)));
  return new XMLSerializer().serializeToString(out);
}
