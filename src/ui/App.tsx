/** The page: title and backend badge, notices, the settings beside the live loss curves. */
import { useLab } from '../app/store';
import { CostMeter, FidelityPanel, KeptPathsPanel, SpectrumPanel } from './AnalysisPanels';
import { ClaimsPanel } from './ClaimsPanel';
import { Controls } from './Controls';
import { ExportBar } from './ExportBar';
import { Legend } from './Legend';
import { Tour } from './Tour';
import { FormulaCard } from './FormulaCard';
import { RecoveryPanel } from './RecoveryPanel';
import { LossChart } from './LossChart';
import { BackendBadge, Notices } from './StatusBar';

function RunLine() {
  const status = useLab((s) => s.status);
  const step = useLab((s) => s.step);
  const ms = useLab((s) => s.msPerStep);
  const pretrainMs = useLab((s) => s.pretrainMs);
  const task = useLab((s) => s.params.task);
  const n = useLab((s) => s.params.n);
  const k = useLab((s) => s.params.k);
  return (
    <p className="run-line" data-testid="run-line" data-status={status}>
      <strong>{status}</strong> · {task}, n = {n}, k = {k} · step {step}
      {ms > 0 && ` · ${ms.toFixed(1)} ms per step (all arms)`}
      {pretrainMs > 0 && ` · pretrained in ${(pretrainMs / 1000).toFixed(1)} s`}
    </p>
  );
}

/** Recovery with this run's numbers in it. */
function RecoveryFormula() {
  const arms = useLab((s) => s.arms);
  const meanLoss = useLab((s) => s.meanLoss);
  const recovery = useLab((s) => s.recovery);
  const i = (id: string) => arms.findIndex((a) => a.id === id);
  const L = (id: string) => (i(id) >= 0 && Number.isFinite(meanLoss[i(id)]) ? meanLoss[i(id)].toExponential(2) : '—');
  const r = i('k') >= 0 ? recovery[i('k')] : null;
  return (
    <FormulaCard label="recovery">
      Recovery of the k arm = (L̄<sub>frozen</sub> − L̄<sub>k</sub>) / (L̄<sub>frozen</sub> − L̄<sub>full</sub>) × 100 %
      <br />= ({L('frozen')} − {L('k')}) / ({L('frozen')} − {L('full')}) × 100 % = <strong>{r === null || r === undefined ? '—' : `${r.toFixed(1)} %`}</strong>
      <br />L̄ is the mean of L<sub>t</sub> = ½‖y<sub>t</sub> − y*<sub>t</sub>‖² over the steps since the drift.
    </FormulaCard>
  );
}

export function App() {
  const presenter = useLab((s) => s.presenter);
  return (
    <div className={presenter ? 'app presenter' : 'app'} data-presenter={presenter}>
      <header>
        <div>
          <h1>Sparse RTRL Lab</h1>
          <p className="subtitle">
            Online learning after a drift: full RTRL carries every path of the sensitivity P<sub>t</sub> = ∂h<sub>t</sub>/∂θ; sparse-k keeps
            k of the n paths into each unit.
          </p>
        </div>
        <BackendBadge />
      </header>
      <Notices />
      <main>
        {!presenter && <Controls />}
        <section className="panel" aria-labelledby="loss-title">
          <h2 id="loss-title">
            Loss after the drift
            <RecoveryFormula />
          </h2>
          <RunLine />
          <LossChart />
          <Legend />
          <ExportBar />
          <p className="caption">
            Each arm starts from the same pretrained weights at the <span style={{ color: '#b00020' }}>drift</span> and sees the same stream.
            Faint: the loss at each step; bold: its moving average. Recovery = (L̄<sub>frozen</sub> − L̄<sub>arm</sub>) / (L̄<sub>frozen</sub> −
            L̄<sub>full</sub>) × 100 % over the steps since the drift. Keys: Space play/pause, → step, R reset.
          </p>
        </section>
      </main>
      <ClaimsPanel />
      <Tour />
      <div className="analysis-grid">
        <RecoveryPanel />
        <SpectrumPanel />
        <FidelityPanel />
        <KeptPathsPanel />
        <CostMeter />
      </div>
    </div>
  );
}
