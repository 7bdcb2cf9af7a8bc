/**
 * One entry per arm: its line sample, name and its two recoveries so far, worded by recoveryReading.ts:
 * the paper's (against frozen) and beyond the readout (against readout-only), one seed, full RTRL's own
 * improvement beside them, "undefined" when full RTRL did not adapt or the task does not need transport,
 * a note above 100 %, and "waiting for the drift" before it. An arm identical to another (k = 0, k = n)
 * is listed once. Below the list, the reading says both recoveries in full, with their labels.
 */
import {
  ABOVE_EXACT,
  ABOVE_EXACT_BAND,
  aboutEqualText,
  BEYOND_READOUT_LABEL,
  fullImprovement,
  improvementText,
  PAPER_RECOVERY_LABEL,
  readArms,
  recoverySentences,
  type RecoveryReading,
  type RecoveryWords,
} from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { ArmSwatch } from './armColors';

/** Full RTRL's own improvement from the store's mean losses (null before the drift or without it). */
export function useFullImprovement(): number | null {
  const arms = useLab((s) => s.arms);
  const frozen = arms.find((a) => a.id === 'frozen');
  const full = arms.find((a) => a.id === 'full');
  return frozen && full ? fullImprovement(frozen.meanLoss, full.meanLoss) : null;
}

/** Both recoveries of the run on show, read from the store (recoveryReading.ts). */
export function useRecoveryReading(): RecoveryReading {
  const arms = useLab((s) => s.arms);
  const markers = useLab((s) => s.markers);
  const adaptedSteps = useLab((s) => s.adaptedSteps);
  const transformer = useLab((s) => s.params.model === 'transformer');
  return readArms(arms, { markers, adaptedSteps, transformer });
}

function Value({ words, testId, reference = 'full RTRL' }: { words: RecoveryWords; testId?: string; reference?: string }) {
  if (words.kind === 'value') {
    return (
      <span data-testid={testId}>
        {words.text}
        {words.aboveExact && (
          <abbr className="above-exact" title={`Above 100 %: this arm ${ABOVE_EXACT_BAND} (${reference}) over these steps.`} data-testid="above-exact">
            {' '}
            ↑ {ABOVE_EXACT}
          </abbr>
        )}
        {words.aboutExact && (
          <abbr className="above-exact" title={`Above 100 % but ${aboutEqualText(reference)}: one seed cannot tell them apart.`} data-testid="about-exact">
            {' '}
            ≈ {reference === 'full RTRL' ? reference : 'dense'}
          </abbr>
        )}
      </span>
    );
  }
  return <span data-testid={testId}>{words.kind === 'undefined' ? 'undefined' : '—'}</span>;
}

export function Legend() {
  const arms = useLab((s) => s.arms);
  const reading = useRecoveryReading();
  const { reference, improvement, waiting } = reading;
  const byIndex = new Map(reading.arms.map((r) => [r.index, r]));
  return (
    <div className="legend-block">
      <ul className="legend" aria-label="arms and their recovery so far" data-testid="legend">
        {arms.map((arm, a) => {
          // an arm identical to another is listed once, and so is a label two arms share for a moment
          if (arm.sameAs || arms.findIndex((x) => !x.sameAs && x.label === arm.label) !== a) return null;
          const twin = arms.find((x) => x.sameAs === arm.id);
          const diverged = arm.divergedAt >= 0;
          const r = byIndex.get(a);
          return (
            <li key={arm.id} data-arm={arm.id}>
              <ArmSwatch id={arm.id} />
              <span className="legend-label">{arm.label}</span>
              {twin && (
                <span
                  className="legend-note"
                  data-testid="legend-twin"
                  title={`The chosen ${twin.label} is identical to this arm, so it is run and drawn once.`}
                >
                  (= the chosen {twin.label})
                </span>
              )}
              {r && !waiting && (
                <span className="legend-value">
                  {diverged ? (
                    `diverged at step ${arm.divergedAt}`
                  ) : (
                    <>
                      <span title={PAPER_RECOVERY_LABEL}>
                        recovery <Value words={r.paper} reference={reference} />
                      </span>
                      {r.beyond && (
                        <span className="legend-beyond" title={`recovery ${BEYOND_READOUT_LABEL}: (L̄readout − L̄arm)/(L̄readout − L̄full)`}>
                          {' '}
                          · {BEYOND_READOUT_LABEL} <Value words={r.beyond} reference={reference} />
                        </span>
                      )}
                    </>
                  )}
                </span>
              )}
              {arm.id === 'full' && diverged && <span className="legend-value">diverged at step {arm.divergedAt}</span>}
            </li>
          );
        })}
      </ul>
      <p className="legend-foot" data-testid="recovery-note">
        {waiting
          ? `Recovery: ${waiting}. One seed.`
          : !reading.hasFull
            ? `Recovery —: its reference, ${reference}, is not running.`
            : reading.paperUndefined
              ? `Recovery is ${reading.paperUndefined} (its own improvement is under 5 % of the frozen loss). One seed.`
              : `One seed · ${improvementText(improvement, reference)}${reading.hasReadout && reading.gain !== null ? `, over readout-only ${(100 * reading.gain).toFixed(0)} %` : ''}. Recovery = how much of ${reference}’s gain each arm gets.`}
      </p>
    </div>
  );
}

/** Both recoveries in full, with their labels: the paper's and beyond the readout (readout-only's own among the first). */
export function RecoveryReadout() {
  const reading = useRecoveryReading();
  const { paper, beyond } = recoverySentences(reading);
  return (
    <div className="recovery-reading" data-testid="recovery-reading" data-waiting={reading.waiting !== null} aria-live="off">
      <p data-testid="recovery-paper">{paper}</p>
      <p data-testid="recovery-beyond">{beyond}</p>
    </div>
  );
}
