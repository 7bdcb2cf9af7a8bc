/**
 * The transformer's heads, layers × heads: which heads' outputs carry gradient this step (the arm at the
 * chosen head fraction ρ), each head's gradient norm ‖∂L/∂o^h‖ (every head is measured, carrying or not),
 * and where the newest position attends over the window as a small heatmap (columns: window slots, the
 * newest at the right; rows: the latest samples, the newest at the bottom). The worker sends a sample about
 * every 150 ms. Styles are inline so the panel stands alone.
 */
import { scaleLinear, scaleSequential, interpolateBlues } from 'd3';
import { useRef } from 'react';
import { useLab } from '../app/page/store';
import type { HeadPanelData } from '../app/contract';
import { ARM_COLORS } from './armColors';
import { FormulaCard } from './FormulaCard';

/** attention rows kept per head for the heatmap */
const HISTORY = 32;
const CELL_W = 124;
const MAP_H = 96;
const BAR_H = 8;

interface History {
  key: string;
  step: number;
  /** per head (ℓ·H + h): the newest position's attention rows, oldest sample first */
  rows: Float32Array[][];
}

/** The latest HISTORY samples of each head's attention row (a new run, shape or a step back starts over). */
function useAttentionHistory(data: HeadPanelData | null): History | null {
  const ref = useRef<History | null>(null);
  if (!data) return null;
  const key = `${data.layers}×${data.heads}×${data.context}`;
  let h = ref.current;
  if (!h || h.key !== key || data.step < h.step) {
    h = { key, step: -1, rows: Array.from({ length: data.layers * data.heads }, () => []) };
    ref.current = h;
  }
  if (data.step !== h.step) {
    const W = data.context;
    for (let i = 0; i < data.layers * data.heads; i++) {
      const rows = h.rows[i];
      rows.push(data.attention.slice(i * W, i * W + W));
      if (rows.length > HISTORY) rows.shift();
    }
    h.step = data.step;
  }
  return h;
}

function Heatmap({ rows, W, length, label }: { rows: Float32Array[]; W: number; length: number; label: string }) {
  // scaled to the head's largest weight in view, so a diffuse head's pattern still shows (1/W is pale)
  let max = 1e-6;
  for (const row of rows) for (let j = 0; j < row.length; j++) if (row[j] > max) max = row[j];
  const color = scaleSequential(interpolateBlues).domain([0, max]);
  const cw = CELL_W / W;
  const rh = MAP_H / HISTORY;
  const offset = HISTORY - rows.length;
  return (
    <svg width={CELL_W} height={MAP_H} role="img" aria-label={label} style={{ display: 'block', background: '#f4f6f8' }}>
      {rows.map((row, r) =>
        Array.from(row, (v, j) =>
          j < length || r < rows.length - 1 ? (
            <rect key={`${r}-${j}`} x={j * cw} y={(offset + r) * rh} width={cw + 0.3} height={rh + 0.3} fill={color(Math.max(0, v))} />
          ) : null,
        ),
      )}
    </svg>
  );
}

export function HeadsPanel() {
  const data = useLab((s) => s.heads);
  const history = useAttentionHistory(data);
  if (!data) {
    return (
      <section className="panel analysis" aria-labelledby="heads-title" data-testid="heads-panel">
        <h2 id="heads-title">Heads: gradient and attention</h2>
        <p className="hint">Waiting for the first step…</p>
      </section>
    );
  }
  const { layers, heads, context } = data;
  const finite = data.gradNorm.filter((g): g is number => g !== null);
  const maxNorm = Math.max(1e-12, ...finite);
  const bar = scaleLinear().domain([0, maxNorm]).range([0, CELL_W]);
  const kept = data.carrying.slice(0, heads).reduce((a, b) => a + b, 0);
  return (
    <section className="panel analysis" aria-labelledby="heads-title" data-testid="heads-panel" data-step={data.step}>
      <h2 id="heads-title">
        Heads: which carry gradient, their gradient norms and attention
        <FormulaCard label="heads">
          Head-sparse transport: out<sub>ℓ</sub> = Σ
          <sub>
            h∈S<sub>ℓ</sub>
          </sub>{' '}
          W<sub>O</sub>
          <sup>h</sup> o<sup>h</sup> + Σ
          <sub>
            h∉S<sub>ℓ</sub>
          </sub>{' '}
          W<sub>O</sub>
          <sup>h</sup> sg(o<sup>h</sup>), |S<sub>ℓ</sub>| = round(ρH). The forward pass is the same for every arm; in the backward pass only the heads in S
          <sub>ℓ</sub> pass gradient on to their Q, K, V and the layers below. The bar is ‖∂L/∂o<sup>h</sup>‖ of this step, measured for every head; the heatmap
          is the newest position’s softmax attention over the last {context} inputs.
        </FormulaCard>
      </h2>
      <p className="hint" data-testid="heads-caption">
        {data.arm}
        {data.updated
          ? ` · ${kept} of ${heads} heads per layer carry gradient this step (filled)`
          : data.arm.startsWith('pretrained')
            ? ' · before the drift no arm learns'
            : ' · no error signal this step: no head carries gradient'}{' '}
        · step {data.step}
      </p>
      {Array.from({ length: layers }, (_, l) => (
        <div
          key={l}
          data-testid={`heads-layer-${l}`}
          style={{ display: 'flex', flexWrap: 'wrap', gap: '0.6rem', alignItems: 'flex-start', marginBottom: '0.6rem' }}
        >
          <div style={{ width: '3.2rem', fontSize: '0.85rem', paddingTop: '0.2rem' }}>layer {l + 1}</div>
          {Array.from({ length: heads }, (_, h) => {
            const i = l * heads + h;
            const carrying = data.carrying[i] === 1;
            const g = data.gradNorm[i];
            return (
              <figure
                key={h}
                data-testid="head-cell"
                data-layer={l}
                data-head={h}
                data-carrying={carrying ? 1 : 0}
                style={{
                  margin: 0,
                  padding: '0.3rem',
                  width: CELL_W + 8,
                  border: `2px solid ${carrying ? ARM_COLORS.k : '#c8ccd0'}`,
                  borderRadius: 6,
                  background: carrying ? 'rgba(0, 158, 115, 0.08)' : 'transparent',
                }}
              >
                <figcaption style={{ display: 'flex', justifyContent: 'space-between', fontSize: '0.8rem', marginBottom: '0.2rem' }}>
                  <span>
                    <span aria-hidden="true" style={{ color: carrying ? ARM_COLORS.k : '#8a9096' }}>
                      {carrying ? '●' : '○'}
                    </span>{' '}
                    head {h + 1}
                    <span className="visually-hidden">{carrying ? ' carries gradient' : ' stop-gradient'}</span>
                  </span>
                  <span data-testid="head-norm" title="‖∂L/∂o^h‖ this step">
                    {g === null ? '—' : g.toExponential(1)}
                  </span>
                </figcaption>
                <svg width={CELL_W} height={BAR_H} aria-hidden="true" style={{ display: 'block', marginBottom: 3 }}>
                  <rect x={0} y={0} width={CELL_W} height={BAR_H} fill="#eceff1" />
                  {g !== null && <rect x={0} y={0} width={bar(g)} height={BAR_H} fill={carrying ? ARM_COLORS.k : '#9aa0a6'} />}
                </svg>
                {history && (
                  <Heatmap
                    rows={history.rows[i]}
                    W={context}
                    length={data.length}
                    label={`layer ${l + 1} head ${h + 1}: attention of the newest position over the window`}
                  />
                )}
              </figure>
            );
          })}
        </div>
      ))}
      <p className="hint" style={{ fontSize: '0.8rem' }}>
        Filled: the head’s output passes gradient; hollow: stop-gradient (its W<sub>O</sub> columns still learn locally). Heatmap columns: the window, oldest at
        the left, newest at the right; rows: the last {HISTORY} samples, newest at the bottom; darker = more attention (scaled to each head’s largest weight
        shown).
      </p>
    </section>
  );
}
