/**
 * The paper's claims, one click each: the preset configures and restarts the run, and the row shows the
 * paper's number beside the live measurement and a plain verdict. The link carries the claim on show.
 */
import { applyPreset } from '../app/controller';
import { useLab } from '../app/store';
import { CLAIMS } from '../claims/claims';
import { CLAIM_PRESETS, liveVerdict, type LiveReading } from '../claims/livePresets';

function useReading(): LiveReading {
  const arms = useLab((s) => s.arms);
  const recovery = useLab((s) => s.recovery);
  const meanLoss = useLab((s) => s.meanLoss);
  const metrics = useLab((s) => s.metrics);
  const adaptedSteps = useLab((s) => s.adaptedSteps);
  const at = (id: string) => arms.findIndex((a) => a.id === id);
  const rec = (id: string) => (at(id) >= 0 ? recovery[at(id)] ?? null : null);
  const loss = (id: string) => (at(id) >= 0 ? meanLoss[at(id)] ?? NaN : NaN);
  return {
    recovery: { full: rec('full'), k0: rec('k0'), k: rec('k') },
    meanLoss: { frozen: loss('frozen'), full: loss('full'), k0: loss('k0'), k: loss('k') },
    jacobianCondition: metrics?.jacobian?.condition ?? null,
    adaptedSteps,
  };
}

export function ClaimsPanel() {
  const active = useLab((s) => s.claim);
  const reading = useReading();
  return (
    <section className="panel analysis claims" aria-labelledby="claims-title" data-testid="claims-panel">
      <h2 id="claims-title">The paper’s claims, one click each</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">claim</th>
            <th scope="col">paper</th>
            <th scope="col">live</th>
            <th scope="col">verdict</th>
          </tr>
        </thead>
        <tbody>
          {CLAIMS.map((c) => {
            const preset = CLAIM_PRESETS.find((p) => p.id === c.id);
            const isActive = active === c.id;
            const live = isActive ? liveVerdict(c.id, reading) : null;
            return (
              <tr key={c.id} className={isActive ? 'active' : undefined} data-testid={`claim-${c.id}`}>
                <th scope="row">
                  {preset ? (
                    <button type="button" className="claim-button" onClick={() => applyPreset(c.id, preset.settings)} aria-pressed={isActive}>
                      {c.statement}
                    </button>
                  ) : (
                    <span>{c.statement}</span>
                  )}
                </th>
                <td>{c.paper}</td>
                <td data-testid={`claim-${c.id}-measured`}>{preset ? (live ? live.measured : '—') : 'not modelled'}</td>
                <td data-testid={`claim-${c.id}-verdict`} className={`verdict ${live?.verdict.replace(/ /g, '-') ?? ''}`}>
                  {preset ? (live ? live.verdict : 'click to run') : 'not modelled'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="caption">
        A live verdict reads one seed of the run on screen; <code>npm run claims</code> measures every claim over five seeds. Each verdict rule is stated in
        src/claims/claims.ts.
      </p>
    </section>
  );
}
