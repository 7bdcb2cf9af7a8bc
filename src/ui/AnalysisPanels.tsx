/**
 * The analysis views beside the loss curves: the spectra of J_t and P_t, gradient fidelity and ‖P_t‖
 * over time, the kept paths on W, the cost of each arm, and after it the recovery map and cost against
 * quality (background jobs, MapPanel.tsx and FrontierPanel.tsx). Colours match the loss curves.
 */
import { scaleSequential } from 'd3';
import { interpolateRdBu } from 'd3';
import { useEffect, useRef, useState } from 'react';
import { useLab } from '../app/page/store';
import { LEAD_IN_STEPS, type ArmCost } from '../app/contract';
import { ARM_COLORS } from './armColors';
import { FormulaCard } from './FormulaCard';
import { FrontierPanel } from './FrontierPanel';
import { MapPanel } from './MapPanel';
import { MiniChart } from './MiniChart';

const J_COLOR = '#1f4e9c';
const P_COLOR = '#0b7a5a';

function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

export function SpectrumPanel() {
  const m = useLab((s) => s.metrics);
  const history = useLab((s) => s.metricsHistory);
  const n = useLab((s) => s.params.n);
  const j = m?.jacobian;
  const p = m?.sensitivity;
  const spectrum = [
    { label: 'σ(J_t)', color: J_COLOR, dots: true, points: (j?.singularValues ?? []).map((v, i) => [i + 1, v] as [number, number]) },
    ...(p
      ? [
          {
            label: 'σ(P_t) (scaled to max 1)',
            color: P_COLOR,
            dots: true,
            points: p.singularValues.map((v, i) => [i + 1, v / p.singularValues[0]] as [number, number]),
          },
        ]
      : []),
  ];
  const cond = [
    { label: 'cond(J_t)', color: J_COLOR, points: history.filter((h) => h.jacobian).map((h) => [h.step, h.jacobian!.condition] as [number, number]) },
    {
      label: 'cond(P_t)',
      color: P_COLOR,
      dashed: true,
      points: history.filter((h) => h.sensitivity).map((h) => [h.step, h.sensitivity!.condition] as [number, number]),
    },
  ];
  return (
    <section className="panel analysis" aria-labelledby="spectrum-title" data-testid="spectrum-panel">
      <h2 id="spectrum-title">
        Spectra: is the Jacobian near-isotropic?
        <FormulaCard label="condition number">
          J<sub>t</sub> = (1−α)I + D<sub>t</sub>W, D<sub>t</sub> = α(1 − tanh²a<sub>t</sub>)
          <br />
          cond(J<sub>t</sub>) = σ<sub>max</sub> / σ<sub>min</sub> = {fmt(j?.singularValues[0], 3)} / {fmt(j?.singularValues.at(-1), 3)} ={' '}
          <strong>{fmt(j?.condition)}</strong>
          <br />
          effective rank = (Σσ)² / Σσ² = <strong>{fmt(j?.effectiveRank, 1)}</strong> of {n}
          <br />
          σ(P<sub>t</sub>) = √eig(P<sub>t</sub>P<sub>t</sub>ᵀ), the n × n Gram matrix
        </FormulaCard>
      </h2>
      <p className="readout">
        cond(J<sub>t</sub>) = σ<sub>max</sub>/σ<sub>min</sub> = <strong data-testid="jacobian-condition">{fmt(j?.condition)}</strong> · effective rank (Σσ)²/Σσ²
        = <strong>{fmt(j?.effectiveRank, 1)}</strong> of {n} · cond(P<sub>t</sub>) = {fmt(p?.condition, 1)} · paper: 2.6 – 6.5
      </p>
      <div className="mini-row">
        <MiniChart
          title="Singular values, largest first"
          series={spectrum}
          xLabel="mode"
          yLabel="σ (log)"
          yLog
          summary={`Singular values of J_t: largest ${fmt(j?.singularValues[0])}, smallest ${fmt(j?.singularValues.at(-1))}; condition number ${fmt(j?.condition)}.`}
        />
        <MiniChart
          title="Condition numbers over time"
          series={cond}
          xLabel="step"
          yLabel="σmax/σmin (log)"
          yLog
          summary={`Condition number of J_t over ${history.length} samples, latest ${fmt(j?.condition)}.`}
        />
      </div>
      <p className="caption">
        J<sub>t</sub> = (1−α)I + D<sub>t</sub>W carries sensitivities one step. When its singular values are close together, every path carries a similar share,
        so any k of n paths give a representative gradient.
      </p>
    </section>
  );
}

export function FidelityPanel() {
  const history = useLab((s) => s.metricsHistory);
  const arms = useLab((s) => s.arms);
  const k = useLab((s) => s.params.k);
  const latest = history.at(-1);
  const cos = [
    { label: `cos(g_k=${k}, g_full)`, color: ARM_COLORS.k, points: history.map((h) => [h.step, h.cosine.k ?? NaN] as [number, number]) },
    { label: 'cos(g_k=0, g_full)', color: ARM_COLORS.k0, dashed: true, points: history.map((h) => [h.step, h.cosine.k0 ?? NaN] as [number, number]) },
  ];
  const norms = arms
    .filter((arm) => !arm.sameAs)
    .map((arm) => ({ arm, a: arms.indexOf(arm) }))
    .map(({ arm, a }) => ({
      label: `‖P‖ ${arm.label}`,
      color: ARM_COLORS[arm.id],
      points: history.map((h) => [h.step, h.sensitivityNorm[a] ?? NaN] as [number, number]),
    }))
    .filter((s) => s.points.some(([, v]) => Number.isFinite(v)));
  return (
    <section className="panel analysis" aria-labelledby="fidelity-title" data-testid="fidelity-panel">
      <h2 id="fidelity-title">
        Gradient fidelity and stability
        <FormulaCard label="cosine">
          g = c<sub>t</sub>ᵀP<sub>t</sub>, c<sub>t</sub> = Vᵀe<sub>t</sub>; cos(g<sub>k</sub>, g<sub>full</sub>) = g<sub>k</sub>·g<sub>full</sub> / (‖g
          <sub>k</sub>‖ ‖g<sub>full</sub>‖) = <strong>{fmt(latest?.cosine.k, 3)}</strong> for k = {k}
          <br />
          ‖P<sub>t</sub>‖ = √Σ P<sub>ij</sub>² (Frobenius)
        </FormulaCard>
      </h2>
      <p className="readout">
        cos(g<sub>k</sub>, g<sub>full</sub>) = <strong data-testid="cosine-k">{fmt(latest?.cosine.k, 3)}</strong> (k = {k}) · k = 0: {fmt(latest?.cosine.k0, 3)}
      </p>
      <div className="mini-row">
        <MiniChart
          title="Cosine to the full-RTRL gradient"
          series={cos}
          xLabel="step"
          yLabel="cosine"
          yDomain={[-0.2, 1]}
          summary={`Cosine between the sparse and the full gradient on the full arm's trajectory; latest ${fmt(latest?.cosine.k, 3)}.`}
        />
        <MiniChart
          title="‖P_t‖ per arm"
          series={norms}
          xLabel="step"
          yLabel="‖P‖ (log)"
          yLog
          summary="Frobenius norm of each arm's sensitivity over time; a blow-up shows instability."
        />
      </div>
      <p className="caption">
        The shadow sparse transports ride on the full arm’s own trajectory, so the cosine isolates what the mask drops. ‖P<sub>t</sub>‖ growing without bound is
        the instability the paper reports for full RTRL on Lorenz.
      </p>
    </section>
  );
}

export function KeptPathsPanel() {
  const kept = useLab((s) => s.keptPaths);
  const strategy = useLab((s) => s.params.strategy);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ i: number; q: number } | null>(null);
  const size = 300;
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !kept) return;
    const { n, k, W, sources } = kept;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = size * dpr;
    canvas.height = size * dpr;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    let maxAbs = 0;
    for (let i = 0; i < W.length; i++) maxAbs = Math.max(maxAbs, Math.abs(W[i]));
    const color = scaleSequential(interpolateRdBu).domain([maxAbs, -maxAbs]);
    const cell = size / n;
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < n; q++) {
        ctx.fillStyle = color(W[i * n + q]);
        ctx.fillRect(q * cell, i * cell, Math.ceil(cell), Math.ceil(cell));
      }
    }
    ctx.strokeStyle = '#111';
    ctx.lineWidth = Math.max(1, Math.min(2, cell / 4));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const q = sources[i * k + j];
        if (cell >= 3) ctx.strokeRect(q * cell + 0.5, i * cell + 0.5, cell - 1, cell - 1);
        else {
          ctx.fillStyle = '#111';
          ctx.fillRect(q * cell, i * cell, Math.max(1, cell), Math.max(1, cell));
        }
      }
    }
  }, [kept]);
  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!kept) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const q = Math.floor(((e.clientX - rect.left) / rect.width) * kept.n);
    const i = Math.floor(((e.clientY - rect.top) / rect.height) * kept.n);
    setHover(i >= 0 && i < kept.n && q >= 0 && q < kept.n ? { i, q } : null);
  };
  const rowSet = hover && kept ? Array.from(kept.sources.subarray(hover.i * kept.k, hover.i * kept.k + kept.k)) : [];
  return (
    <section className="panel analysis" aria-labelledby="kept-title" data-testid="kept-paths-panel">
      <h2 id="kept-title">
        Kept paths on W
        <FormulaCard label="masked transport">
          P<sub>t</sub> = (1−α)P<sub>t−1</sub> + D<sub>t</sub>((W ⊙ Ω)P<sub>t−1</sub> + M<sub>t</sub>), Ω<sub>iq</sub> = 1 iff q ∈ S<sub>i</sub>, |S<sub>i</sub>
          | = k = {kept?.k ?? '—'}: {kept ? `${kept.k * kept.n} of ${kept.n * kept.n} paths (${((100 * kept.k) / kept.n).toFixed(1)} %)` : ''}. The forward pass
          always uses the full W.
        </FormulaCard>
      </h2>
      <div className="kept">
        <canvas
          ref={canvasRef}
          style={{ width: size, height: size }}
          role="img"
          aria-label={
            kept
              ? `W of the k arm, ${kept.n} by ${kept.n}, with ${kept.k} kept entries outlined in each row (strategy ${strategy}).`
              : 'No kept-path view: waiting for the drift, or the model is the LSTM.'
          }
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
          data-testid="kept-paths-canvas"
        />
        <div className="kept-side">
          <p>
            Row i is unit i; column q is the path from unit q. Outlined: the k = {kept?.k ?? '—'} sources each unit keeps ({strategy}). Colour: W<sub>iq</sub>{' '}
            (red positive, blue negative).
          </p>
          <p data-testid="kept-hover" className="readout">
            {hover && kept
              ? `W[${hover.i}, ${hover.q}] = ${kept.W[hover.i * kept.n + hover.q].toFixed(3)}${rowSet.includes(hover.q) ? ' (kept)' : ''}; row ${hover.i} keeps {${rowSet.join(', ')}}`
              : 'Hover a cell to read it.'}
          </p>
        </div>
      </div>
    </section>
  );
}

function eng(x: number): string {
  if (!Number.isFinite(x)) return '—';
  for (const [v, u] of [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const)
    if (x >= v) return `${(x / v).toFixed(x / v >= 100 ? 0 : 1)} ${u}`;
  return x.toFixed(0);
}

/** Milliseconds, or microseconds below 0.1 ms. */
function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

/** The GPU's measured kernel time (GpuBatch.timings): per kernel with timestamp queries, else submit-to-done per step. */
function GpuTimings() {
  const t = useLab((s) => s.kernelTimings);
  const gpu = useLab((s) => s.gpuInfo);
  const source = t?.source ?? gpu?.timingSource ?? null;
  const stamps = source === 'timestamp-query';
  const total = t ? t.kernels.reduce((a, k) => a + (Number.isFinite(k.ms) ? k.ms : 0), 0) : 0;
  return (
    <div className="gpu-timings" data-testid="gpu-timings" data-source={source ?? ''}>
      <h3>{stamps ? 'GPU time per kernel (timestamp queries)' : 'GPU time per step (submit-to-done)'}</h3>
      {t === null ? (
        <p className="caption">Measured from the drift on, when the arms step on the GPU.</p>
      ) : (
        <>
          <p className="caption" data-testid="gpu-ms-per-step">
            {duration(t.msPerStep)} per step for all arms together, over {t.steps} {stamps ? 'timed ' : ''}step{t.steps === 1 ? '' : 's'}
            {stamps
              ? ': the sum of the kernels’ GPU time, timed at the first step of every chunk.'
              : ': wall time from a chunk’s submit until its results are back, per step. It includes the queue’s latency and, on a software adapter, the CPU it shares with everything else; this adapter has no timestamp queries, so there is no per-kernel split.'}
          </p>
          {t.kernels.length > 0 && (
            <table className="cost" data-testid="gpu-kernels">
              <thead>
                <tr>
                  <th scope="col">kernel</th>
                  <th scope="col">per step</th>
                  <th scope="col">share</th>
                </tr>
              </thead>
              <tbody>
                {t.kernels.map((k) => (
                  <tr key={k.name}>
                    <th scope="row">{k.name}</th>
                    <td>{duration(k.ms)}</td>
                    <td>{total > 0 && Number.isFinite(k.ms) ? `${Math.round((100 * k.ms) / total)} %` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}

/**
 * The cost meter, then the RNN's job panels that place the arms by cost and quality (the transformer has
 * its own head-fraction sweep): they sit in the analysis grid after it, as sections like the others, so
 * the page's SVG export finds them the same way.
 */
export function CostMeter() {
  const transformer = useLab((s) => s.params.model === 'transformer');
  return (
    <>
      <CostMeterPanel />
      {!transformer && <MapPanel />}
      {!transformer && <FrontierPanel />}
    </>
  );
}

function CostMeterPanel() {
  const arms = useLab((s) => s.arms);
  const ms = useLab((s) => s.msPerStep);
  const engine = useLab((s) => s.engine);
  const n = useLab((s) => s.params.n);
  const transformer = useLab((s) => s.params.model === 'transformer');
  const lstm = useLab((s) => s.params.model === 'lstm');
  const afterDrift = useLab((s) => s.step > LEAD_IN_STEPS);
  // the memory column: P for the recurrent models; the transformer has no P and carries its context window
  const memory = (c: ArmCost | undefined): string => {
    if (!c) return '—';
    if (transformer) return c.windowFloats !== undefined ? `${eng(c.windowFloats * 4)}B` : '—';
    return `${eng(c.sensitivityFloats * 4)}B`;
  };
  return (
    <section className="panel analysis" aria-labelledby="cost-title" data-testid="cost-meter">
      <h2 id="cost-title">
        Cost per step
        {transformer ? (
          <FormulaCard label="cost">
            One online step over a full window of W positions: the forward pass, the backward pass through the window with gradient through the heads in S only,
            and Adam over every weight. There is no sensitivity matrix P: what an arm carries from step to step is its window of the last W inputs.
          </FormulaCard>
        ) : lstm ? (
          <FormulaCard label="cost">
            The LSTM’s four gates give p = 4n(n + m + 1) parameters, and it carries two sensitivities (through h and through c), each n × p. Full RTRL: 2·n·n·p
            ≈ 8 n⁴ = {eng(8 * n ** 4)} multiply-adds. Sparse-k: 2·k·n·p ≈ 8 k n³. Bytes: the k source rows read and one row written per unit, 4 bytes a float.
          </FormulaCard>
        ) : (
          <FormulaCard label="cost">
            P is n × p with p = n² + n m + n. Full RTRL: W P costs n·n·p multiply-adds ≈ n⁴ = {eng(n ** 4)}. Sparse-k: k·n·p ≈ k n³. Bytes: the k source rows
            read and one row written per unit, 4 bytes a float.
          </FormulaCard>
        )}
      </h2>
      <table className="cost">
        <thead>
          <tr>
            <th scope="col">arm</th>
            <th scope="col">multiply-adds</th>
            <th scope="col">bytes moved</th>
            <th scope="col" data-testid="cost-memory-column">
              {transformer ? 'context window carried' : 'memory of P'}
            </th>
          </tr>
        </thead>
        <tbody>
          {arms.map((arm) => (
            <tr key={arm.id}>
              <th scope="row">
                <span className="swatch" style={{ background: ARM_COLORS[arm.id] }} aria-hidden="true" /> {arm.label}
              </th>
              <td>{eng(arm.cost?.macs ?? NaN)}</td>
              <td>{eng(arm.cost?.bytes ?? NaN)}B</td>
              <td>{memory(arm.cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="caption">
        {transformer
          ? 'Dense backpropagates through every head; a head fraction ρ sends gradient through round(ρH) heads per layer. No P: each arm carries its window of the last W inputs. '
          : lstm
            ? `LSTM, four gates and two sensitivities: full RTRL ≈ 8 n⁴ = ${eng(8 * n ** 4)} multiply-adds; sparse-k ≈ 8 k n³. `
            : `Full RTRL: n·n·p ≈ n⁴ = ${eng(n ** 4)} multiply-adds; sparse-k: k·n·p ≈ k n³. `}
        Measured on the {engine} engine: {ms > 0 && afterDrift ? `${ms.toFixed(2)} ms` : 'measuring…'} per step for all arms together
        {engine !== 'CPU' ? ' in the worker, read-backs included' : ''}.
      </p>
      {engine !== 'CPU' && <GpuTimings />}
    </section>
  );
}
