/**
 * The page. One screen at 1280×720 and above: the teaching controls at the left, the loss chart with its
 * legend and the task strip in the middle, the claims as cards at the right; the analysis panels below.
 * The claim or story on show is read in a caption beside the chart. Presenter mode (on wide screens only)
 * keeps the chart, its caption, direct labels and a small play/reset/k strip, at large type.
 */
import { useEffect, useState } from 'react';
import { setPresenter } from '../app/page/controller';
import { LEAD_IN_STEPS } from '../app/contract';
import { ONE_SEED_BAND_PCT } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { CostMeter, FidelityPanel, KeptPathsPanel, SpectrumPanel } from './AnalysisPanels';
import { ClaimCaption, ClaimsPanel } from './ClaimsPanel';
import { CsvImportDialog } from './CsvImport';
import { Controls, HeadFractionControl, KSlider, Transport } from './Controls';
import { ExportBar } from './ExportBar';
import { FormulaCard } from './FormulaCard';
import { HeadsPanel } from './HeadsPanel';
import { Legend, RecoveryReadout } from './Legend';
import { LossChart } from './LossChart';
import { usePresenter } from './presenterLayout';
import { ShortcutsButton, ShortcutsOverlay } from './ShortcutsOverlay';
import { LrPanel } from './LrPanel';
import { RecoveryPanel } from './RecoveryPanel';
import { RunSummary } from './RunSummary';
import { BackendBadge, Notices } from './StatusBar';
import { TaskStrip } from './TaskStrip';
import { Tour } from './Tour';

function RunLine() {
  const status = useLab((s) => s.status);
  const step = useLab((s) => s.step);
  const ms = useLab((s) => s.msPerStep);
  const pretrainMs = useLab((s) => s.pretrainMs);
  const shipped = useLab((s) => s.pretrainedShipped);
  const task = useLab((s) => s.params.task);
  const delay = useLab((s) => `τ ${s.params.delayA} → ${s.params.delayB}`);
  const length = useLab((s) => s.params.length);
  const n = useLab((s) => s.params.n);
  const k = useLab((s) => s.params.k);
  const adapt = useLab((s) => s.params.adapt);
  const transformer = useLab((s) => s.params.model === 'transformer');
  const rho = useLab((s) => s.params.headFraction);
  return (
    <p className="run-line" data-testid="run-line" data-status={status}>
      <strong>{status === 'done' ? 'finished' : status}</strong> · {task}
      {task === 'delay' ? ` (${delay})` : task === 'adding' || task === 'adding-difference' ? ` (T = ${length})` : ''},{' '}
      {transformer ? `transformer, head fraction ρ = ${rho}` : `n = ${n}, k = ${k}`} · step {step} of {LEAD_IN_STEPS + adapt}
      {/* the lead-in's steps are the pretrained network alone: the time per step means something after the drift */}
      {status !== 'done' &&
        status !== 'error' &&
        (ms > 0 && step > LEAD_IN_STEPS ? ` · ${ms < 1 ? ms.toFixed(2) : ms.toFixed(1)} ms per step` : ' · time per step: measuring…')}
      {shipped ? ' · pretrained weights shipped with the app' : pretrainMs > 0 && ` · pretrained in ${(pretrainMs / 1000).toFixed(1)} s`}
    </p>
  );
}

/** Both recoveries with this run's numbers in them. */
function RecoveryFormula() {
  const arms = useLab((s) => s.arms);
  const arm = (id: string) => arms.find((a) => a.id === id);
  const L = (id: string) => {
    const loss = arm(id)?.meanLoss ?? NaN;
    return Number.isFinite(loss) ? loss.toExponential(2) : '—';
  };
  const value = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(1)} %`);
  const k = arm('k');
  const transformer = useLab((s) => s.params.model === 'transformer');
  const reference = transformer ? 'the dense arm' : 'full RTRL';
  return (
    <FormulaCard label="recovery">
      Recovery vs frozen (the paper’s definition) of the k arm = (L̄<sub>frozen</sub> − L̄<sub>k</sub>) / (L̄<sub>frozen</sub> − L̄<sub>full</sub>) × 100 %
      <br />= ({L('frozen')} − {L('k')}) / ({L('frozen')} − {L('full')}) × 100 % = <strong>{value(k?.recovery)}</strong>
      <br />
      Beyond the readout = (L̄<sub>readout</sub> − L̄<sub>k</sub>) / (L̄<sub>readout</sub> − L̄<sub>full</sub>) × 100 % = ({L('readout')} − {L('k')}) / (
      {L('readout')} − {L('full')}) × 100 % = <strong>{value(k?.recoveryBeyondReadout)}</strong>
      <br />
      L̄ is the mean of L<sub>t</sub> = ½‖y<sub>t</sub> − y*<sub>t</sub>‖² over the steps since the drift, one seed
      {transformer ? ', and “full” is the dense arm (ρ = 1). ' : '. '}
      {transformer
        ? 'Readout-only keeps the attention and MLP weights frozen and adapts only the readout, as every learning arm does besides the gradient through its heads'
        : 'Readout-only keeps W, U, b frozen and adapts only V, c, as every learning arm does besides its transport'}
      : so recovery vs frozen mostly measures what the arms share, and beyond the readout what the {transformer ? 'heads’ gradient' : 'transport'} adds. When{' '}
      {reference} cut the frozen loss by less than 5 %, the denominator is noise and both are undefined; when it beat readout-only by less than 5 %, the task
      does not need transport and recovery beyond the readout is undefined. Above 100 % by more than the one-seed noise band (± {ONE_SEED_BAND_PCT} points), the
      arm adapted better than {transformer ? 'dense backpropagation' : 'the exact online gradient'}; within it, about equal.
    </FormulaCard>
  );
}

/** Wide screens show recovery vs k beside the chart, under the claims. */
function useWide(): boolean {
  const query = '(min-width: 1560px)';
  const [wide, setWide] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setWide(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return wide;
}

function PresenterStrip() {
  const transformer = useLab((s) => s.params.model === 'transformer');
  return (
    <div className="presenter-strip" role="group" aria-label="presenter controls" data-testid="presenter-strip">
      <Transport compact />
      {transformer ? <HeadFractionControl /> : <KSlider />}
      <button type="button" className="exit-button" onClick={() => setPresenter(false)} data-testid="exit-presenter" aria-keyshortcuts="Escape">
        Exit presenter (Esc)
      </button>
    </div>
  );
}

export function App() {
  const presenter = usePresenter();
  const status = useLab((s) => s.status);
  // the analysis panels below the fold render once the first point is drawn (or after 1.5 s, when
  // pretraining a large n takes long): off the path to the first point
  // (in a later task than the first point's, so the browser paints that point before mounting them)
  const firstDrawn = useLab((s) => s.firstCurveMs !== null || s.status === 'error');
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setDrawn(true), firstDrawn ? 60 : 1500);
    return () => clearTimeout(t);
  }, [firstDrawn]);
  const wide = useWide();
  const model = useLab((s) => s.params.model);
  const transformer = model === 'transformer';
  return (
    <div className={presenter ? 'app presenter' : 'app'} data-presenter={presenter} data-status={status}>
      <header>
        <div>
          <h1>Sparse RTRL Lab</h1>
          <p className="story" data-testid="story" data-model={model}>
            {model === 'transformer'
              ? 'At the red line the data changes; watch which learners recover: dense backpropagation, which sends gradient through every attention head, or cheaper ones that send it through only a fraction ρ of the heads.'
              : `At the red line the data changes; watch which learners recover: exact RTRL, which tracks every path of influence through the ${model === 'lstm' ? 'LSTM' : 'network'}, cheap ones that keep only k paths per unit, or readout-only, which adapts just the output weights.`}
          </p>
        </div>
        <div className="header-side">
          {!presenter && (
            <button
              type="button"
              className="small-button enter-presenter"
              onClick={() => setPresenter(true)}
              data-testid="enter-presenter"
              aria-keyshortcuts="P"
            >
              Presenter mode
            </button>
          )}
          <ShortcutsButton />
          <BackendBadge />
        </div>
      </header>
      <Tour />
      <ShortcutsOverlay />
      <Notices />
      <CsvImportDialog />
      <main className="stage">
        {!presenter && <Controls />}
        <section className="panel chart-panel" aria-labelledby="loss-title">
          {presenter && <PresenterStrip />}
          <h2 id="loss-title">
            Loss after the drift
            <RecoveryFormula />
          </h2>
          {!presenter && <RunLine />}
          <div className="chart-row">
            <LossChart />
            <ClaimCaption />
          </div>
          <Legend />
          {!presenter && <RecoveryReadout />}
          <RunSummary />
          <TaskStrip />
          {!presenter && <ExportBar />}
        </section>
        {!presenter && (
          <aside className="side">
            <ClaimsPanel />
            {wide && drawn && <RecoveryPanel />}
          </aside>
        )}
      </main>
      {/* presenter mode is the chart for the room: the panels are the normal layout's */}
      {drawn && !presenter && (
        <div className="analysis-grid">
          {transformer && <HeadsPanel />}
          {!wide && <RecoveryPanel />}
          {/* the learning-rate sweep runs the RNN's arms */}
          {!transformer && <LrPanel />}
          {/* the spectra, fidelity and kept paths are the RNN's: the transformer shows its heads instead */}
          {!transformer && <SpectrumPanel />}
          {!transformer && <FidelityPanel />}
          {!transformer && <KeptPathsPanel />}
          <CostMeter />
        </div>
      )}
      {presenter && <ClaimsPanel />}
    </div>
  );
}
