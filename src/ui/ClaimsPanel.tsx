/**
 * Two stories, then the paper's claims, as cards beside the chart, one click each: the preset configures
 * and starts the run (also when paused) and brings the chart into view. A story says what to look at and,
 * once running, both recoveries of the live seed. A claim card shows the paper's number, the live one-seed
 * reading with full RTRL's own improvement, the verdict, and "steps done / needed, ≈ s left" with Cancel.
 * Recovery readings follow recoveryReading.ts: undefined when full RTRL did not adapt, and beyond the
 * readout undefined when the task does not need transport.
 */
import { clearClaim, applyPreset, pause } from '../app/page/controller';
import { LEAD_IN_STEPS } from '../app/contract';
import { improvementText, recoverySentences } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { CLAIMS } from '../claims/claims';
import { CLAIM_PRESETS, liveVerdict, STORY_PRESETS, type LiveReading } from '../claims/livePresets';
import { useFullImprovement, useRecoveryReading } from './Legend';

/** Claims whose live reading is a recovery: undefined when its reference did not adapt. */
const RECOVERY_CLAIMS = new Set(['k4-recovers', 'k4-scales', 'selection-invariant', 'step-at-k1', 'neural-decoding', 'sgd']);

function useReading(): LiveReading {
  const arms = useLab((s) => s.arms);
  const metrics = useLab((s) => s.metrics);
  const adaptedSteps = useLab((s) => s.adaptedSteps);
  const arm = (id: string) => arms.find((a) => a.id === id);
  const rec = (id: string) => arm(id)?.recovery ?? null;
  const loss = (id: string) => arm(id)?.meanLoss ?? NaN;
  const past = (id: string) => arm(id)?.recoveryBeyondReadout ?? null;
  const hasReadout = arm('readout') !== undefined;
  return {
    recovery: { full: rec('full'), k0: rec('k0'), k: rec('k'), readout: rec('readout') },
    ...(hasReadout ? { beyondReadout: { k0: past('k0'), k: past('k') } } : {}),
    meanLoss: { frozen: loss('frozen'), full: loss('full'), k0: loss('k0'), k: loss('k'), readout: loss('readout') },
    jacobianCondition: metrics?.jacobian?.condition ?? null,
    adaptedSteps,
  };
}

/** Scrolls the loss chart into view if it is not: a claim's verdict is read beside its curves. */
function showChart(): void {
  const chart = document.querySelector('[data-testid=loss-chart]');
  if (!chart) return;
  const r = chart.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) chart.scrollIntoView({ block: 'center', behavior: 'smooth' });
}

/** The two stories: one click each, the same as a claim's (the story's id rides in the link as `claim=`). */
function Stories() {
  const active = useLab((s) => s.claim);
  const reading = useRecoveryReading();
  const sentences = recoverySentences(reading);
  return (
    <div className="stories" role="group" aria-label="two stories" data-testid="stories">
      {STORY_PRESETS.map((story) => {
        const isActive = active === story.id;
        return (
          <div key={story.id}>
            <button
              type="button"
              className="story-card"
              aria-pressed={isActive}
              data-testid={story.id}
              onClick={() => {
                applyPreset(story.id, story.settings);
                showChart();
              }}
            >
              <strong>{story.title}</strong>
              <span>{story.text}</span>
            </button>
            {isActive && (
              <p className="caption" data-testid={`${story.id}-reading`}>
                Live, one seed: {reading.waiting ? `${reading.waiting}.` : `${sentences.paper}; ${sentences.beyond}.`}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}

export function ClaimsPanel() {
  const active = useLab((s) => s.claim);
  const step = useLab((s) => s.step);
  const stepsPerSecond = useLab((s) => s.stepsPerSecond);
  const status = useLab((s) => s.status);
  const reading = useReading();
  const improvement = useFullImprovement();
  return (
    <section className="panel claims" aria-labelledby="claims-title" data-testid="claims-panel">
      <h2 id="claims-title">Two stories, then the paper’s claims</h2>
      <Stories />
      <p className="caption">Click one: it sets up the run and reads a verdict off one live seed.</p>
      <ul className="claim-cards">
        {CLAIMS.map((c) => {
          const preset = CLAIM_PRESETS.find((p) => p.id === c.id);
          const isActive = active === c.id;
          const live = isActive ? liveVerdict(c.id, reading) : null;
          // the reading words recovery with its reference (undefined when full RTRL did not adapt), livePresets.ts
          const measured = !preset ? 'not modelled' : live ? live.measured : null;
          const verdict = !preset ? 'not modelled' : live ? live.verdict : 'click to run';
          // progress toward a verdict: adaptation steps with an error signal, of the preset's minimum
          const needed = preset?.minSteps ?? 0;
          const done = Math.min(reading.adaptedSteps, needed);
          const scoredPerStep = step > LEAD_IN_STEPS ? reading.adaptedSteps / (step - LEAD_IN_STEPS) : 1;
          const etaS = stepsPerSecond > 0 && scoredPerStep > 0 ? (needed - done) / scoredPerStep / stepsPerSecond : null;
          const waiting = isActive && live?.verdict === 'running';
          return (
            <li key={c.id} className={isActive ? 'claim-card active' : 'claim-card'} data-testid={`claim-${c.id}`}>
              {preset ? (
                <button
                  type="button"
                  className="claim-button"
                  onClick={() => {
                    applyPreset(c.id, preset.settings);
                    showChart();
                  }}
                  aria-pressed={isActive}
                >
                  {c.statement}
                </button>
              ) : (
                <span className="claim-static">{c.statement}</span>
              )}
              <div className="claim-row">
                <span>paper: {c.paper}</span>
              </div>
              {isActive && (
                <div className="claim-row">
                  live (one seed): <span data-testid={`claim-${c.id}-measured`}>{measured ?? '—'}</span>
                </div>
              )}
              {!isActive && <span hidden data-testid={`claim-${c.id}-measured`}>{measured ?? '—'}</span>}
              <div className="claim-row">
                <span data-testid={`claim-${c.id}-verdict`} className={`verdict ${verdict.replace(/ /g, '-')}`}>
                  {verdict}
                </span>
                {waiting && status !== 'paused' && (
                  <span className="claim-progress" data-testid={`claim-${c.id}-progress`}>
                    {' '}
                    · {done} / {needed} steps{etaS !== null ? `, ≈ ${Math.ceil(etaS)} s left` : ''}{' '}
                    <button
                      type="button"
                      className="small-button"
                      onClick={() => {
                        pause();
                        clearClaim();
                      }}
                    >
                      Cancel
                    </button>
                  </span>
                )}
              </div>
              {isActive && RECOVERY_CLAIMS.has(c.id) && <div className="claim-row small">{improvementText(improvement)}</div>}
            </li>
          );
        })}
      </ul>
      <p className="caption">
        A live verdict is one seed. <code>npm run claims</code> measures every claim over five seeds.
      </p>
    </section>
  );
}
