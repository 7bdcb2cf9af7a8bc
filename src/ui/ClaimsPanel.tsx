/**
 * Two stories, then the paper's claims, as a compact list beside the chart, one click each: the preset
 * configures and starts the run (also when paused) and brings the chart into view. The active claim is
 * read in the caption beside the chart (ClaimCaption): its statement, the paper's number, the live
 * one-seed reading with the reference's own improvement, the verdict, its honest scope, and "steps done /
 * needed, ≈ s left" with Cancel. A card keeps the statement and the verdict, so the list stays short.
 * Recovery readings follow recoveryReading.ts: undefined when full RTRL did not adapt, and beyond the
 * readout undefined when the task does not need transport.
 */
import { clearClaim, applyPreset, pause } from '../app/page/controller';
import { LEAD_IN_STEPS } from '../app/contract';
import { improvementText, recoverySentences } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { usePresenter } from './presenterLayout';
import { CLAIMS } from '../claims/claims';
import { CLAIM_PRESETS, liveVerdict, STORY_PRESETS, type LiveReading } from '../claims/livePresets';
import { useFullImprovement, useRecoveryReading } from './Legend';

function useReading(): LiveReading {
  const transformer = useLab((s) => s.params.model === 'transformer');
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
    reference: transformer ? 'the dense arm' : 'full RTRL',
  };
}

/** Scrolls the chart and its caption into view if they are not: a claim's verdict is read beside its curves. */
function showChart(): void {
  const chart = document.querySelector('[data-testid=loss-chart]');
  const panel = chart?.closest('.chart-panel');
  if (!chart || !panel) return;
  const r = chart.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) panel.scrollIntoView({ block: 'start' });
}

/** The two stories: one click each, the same as a claim's (the story's id rides in the link as `claim=`); what to watch is in the caption. */
function Stories() {
  const active = useLab((s) => s.claim);
  return (
    <div className="stories" role="group" aria-label="two stories" data-testid="stories">
      {STORY_PRESETS.map((story) => (
        <button
          key={story.id}
          type="button"
          className="story-card"
          aria-pressed={active === story.id}
          data-testid={story.id}
          title={story.text}
          onClick={() => {
            applyPreset(story.id, story.settings);
            showChart();
          }}
        >
          <strong>{story.title}</strong>
        </button>
      ))}
    </div>
  );
}

/** Progress toward a verdict: adaptation steps with an error signal, of the preset's minimum, and the time left. */
function useProgress(needed: number): { done: number; etaS: number | null } {
  const step = useLab((s) => s.step);
  const stepsPerSecond = useLab((s) => s.stepsPerSecond);
  const adaptedSteps = useLab((s) => s.adaptedSteps);
  const done = Math.min(adaptedSteps, needed);
  const scoredPerStep = step > LEAD_IN_STEPS ? adaptedSteps / (step - LEAD_IN_STEPS) : 1;
  const etaS = stepsPerSecond > 0 && scoredPerStep > 0 ? (needed - done) / scoredPerStep / stepsPerSecond : null;
  return { done, etaS };
}

const verdictClass = (verdict: string) => `verdict ${verdict.replace(/ /g, '-')}`;

/**
 * The active claim beside the chart, in both layouts: what it says, the paper's number, the live
 * reading, the verdict and its scope ("one seed", or where the live setting differs from the claim's).
 * With a story active, the story's reading; with neither, in presenter mode, the page's one sentence.
 */
export function ClaimCaption() {
  const active = useLab((s) => s.claim);
  const status = useLab((s) => s.status);
  const presenter = usePresenter();
  const reading = useReading();
  const improvement = useFullImprovement();
  const story = STORY_PRESETS.find((s) => s.id === active);
  const storyReading = useRecoveryReading();
  const claim = CLAIMS.find((c) => c.id === active);
  const preset = CLAIM_PRESETS.find((p) => p.id === active);
  const progress = useProgress(preset?.minSteps ?? 0);
  if (story) {
    const sentences = recoverySentences(storyReading);
    return (
      <aside className="claim-caption" aria-label="the story on show" data-testid="claim-caption" data-claim={story.id}>
        <strong className="caption-title">{story.title}</strong>
        <p>{story.text}</p>
        <p data-testid={`${story.id}-reading`}>
          Live, one seed: {storyReading.waiting ? `${storyReading.waiting}.` : `${sentences.paper}; ${sentences.beyond}.`}
        </p>
      </aside>
    );
  }
  if (!claim) {
    if (!presenter) return null;
    return (
      <aside className="claim-caption idle" aria-label="what to watch" data-testid="claim-caption" data-claim="">
        <p>At the red line the data changes: watch which learners recover. Pick a claim below to read its verdict here.</p>
      </aside>
    );
  }
  const live = liveVerdict(claim.id, reading);
  const running = live.verdict === 'running';
  return (
    <aside className="claim-caption" aria-label="the claim on show" aria-live="polite" data-testid="claim-caption" data-claim={claim.id}>
      <strong className="caption-title">{claim.statement}</strong>
      <p>Paper: {claim.paper}</p>
      <p>
        Live: <span data-testid="claim-caption-measured">{live.measured}</span>
      </p>
      <p>
        <span className={verdictClass(live.verdict)} data-testid="claim-caption-verdict">
          {live.verdict === 'needs seeds' ? 'needs five seeds to judge' : live.verdict}
        </span>
        {running && status !== 'paused' && preset && (
          <span className="claim-progress" data-testid="claim-caption-progress">
            {' '}
            · {progress.done} / {preset.minSteps} steps{progress.etaS !== null ? `, ≈ ${Math.ceil(progress.etaS)} s left` : ''}{' '}
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
      </p>
      {preset && (
        <p className="caption-scope" data-testid="claim-caption-scope">
          Scope: {preset.scope}.
        </p>
      )}
      {/* the live line already gives the reference's improvement; on the projector its definition would push the legend off the screen */}
      {preset?.measures === 'recovery' && !running && !presenter && (
        <p className="caption-scope" data-testid="claim-caption-improvement">
          {improvementText(improvement, reading.reference)}
        </p>
      )}
    </aside>
  );
}

export function ClaimsPanel() {
  const active = useLab((s) => s.claim);
  const reading = useReading();
  return (
    <section className="panel claims" aria-labelledby="claims-title" data-testid="claims-panel">
      <h2 id="claims-title">Two stories, then the paper’s claims</h2>
      <Stories />
      <p className="caption">Click one: it sets up the run; its verdict, from one live seed, is read beside the chart.</p>
      <ul className="claim-cards">
        {CLAIMS.map((c) => {
          const preset = CLAIM_PRESETS.find((p) => p.id === c.id);
          const isActive = active === c.id;
          const live = isActive ? liveVerdict(c.id, reading) : null;
          const measured = !preset ? 'not modelled' : live ? live.measured : null;
          const verdict = !preset ? 'not modelled' : live ? live.verdict : 'click to run';
          return (
            <li key={c.id} className={isActive ? 'claim-card active' : 'claim-card'} data-testid={`claim-${c.id}`}>
              {preset ? (
                <button
                  type="button"
                  className="claim-button"
                  title={`paper: ${c.paper}`}
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
              <span hidden data-testid={`claim-${c.id}-measured`}>
                {measured ?? '—'}
              </span>{' '}
              <span data-testid={`claim-${c.id}-verdict`} className={verdictClass(verdict)}>
                {verdict}
              </span>
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
