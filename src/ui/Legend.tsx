/**
 * One entry per arm: its line sample, name and recovery so far (the paper's measure), worded by
 * recoveryReading.ts: one seed, full RTRL's own improvement beside it, "undefined" when full RTRL did
 * not adapt, and a note above 100 %. An arm identical to another (k = 0, k = n) is listed once.
 */
import { ABOVE_EXACT, fullImprovement, improvementText, recoveryWords, UNDEFINED_RECOVERY } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { ArmSwatch } from './armColors';

/** Full RTRL's own improvement from the store's mean losses (null before the drift or without it). */
export function useFullImprovement(): number | null {
  const arms = useLab((s) => s.arms);
  const meanLoss = useLab((s) => s.meanLoss);
  const fi = arms.findIndex((a) => a.id === 'frozen');
  const ui = arms.findIndex((a) => a.id === 'full');
  return fi >= 0 && ui >= 0 ? fullImprovement(meanLoss[fi], meanLoss[ui]) : null;
}

export function Legend() {
  const arms = useLab((s) => s.arms);
  const recovery = useLab((s) => s.recovery);
  const divergedAt = useLab((s) => s.divergedAt);
  const improvement = useFullImprovement();
  const hasFull = arms.some((a) => a.id === 'full');
  // the transformer's reference is the dense arm (every head carries gradient), the RNN's full RTRL
  const reference = useLab((s) => s.params.model) === 'transformer' ? 'the dense arm' : 'full RTRL';
  const undefinedRecovery = recoveryWords(0, improvement).kind === 'undefined';
  return (
    <div className="legend-block">
      <ul className="legend" aria-label="arms and their recovery so far" data-testid="legend">
        {arms.map((arm, a) => {
          if (arm.sameAs) return null;
          const twin = arms.find((x) => x.sameAs === arm.id);
          const diverged = (divergedAt[a] ?? -1) >= 0;
          const words = recoveryWords(recovery[a], improvement);
          return (
            <li key={arm.id} data-arm={arm.id}>
              <ArmSwatch id={arm.id} />
              <span className="legend-label">{arm.label}</span>
              {twin && (
                <span className="legend-note" data-testid="legend-twin" title={`The chosen ${twin.label} is identical to this arm, so it is run and drawn once.`}>
                  (= the chosen {twin.label})
                </span>
              )}
              {arm.id !== 'frozen' && arm.id !== 'full' && (
                <span className="legend-value">
                  {diverged ? (
                    `diverged at step ${divergedAt[a]}`
                  ) : words.kind === 'value' ? (
                    <>
                      recovery {words.text}
                      {words.aboveExact && (
                        <abbr className="above-exact" title={`Above 100 %: this arm ${ABOVE_EXACT} (full RTRL) over these steps.`} data-testid="above-exact">
                          {' '}
                          ↑ {ABOVE_EXACT}
                        </abbr>
                      )}
                    </>
                  ) : words.kind === 'undefined' ? (
                    'recovery undefined'
                  ) : (
                    'recovery —'
                  )}
                </span>
              )}
              {arm.id === 'full' && diverged && <span className="legend-value">diverged at step {divergedAt[a]}</span>}
            </li>
          );
        })}
      </ul>
      <p className="legend-foot" data-testid="recovery-note">
        {!hasFull
          ? `Recovery —: its reference, ${reference}, is not running.`
          : undefinedRecovery
            ? `Recovery is ${reference === 'full RTRL' ? UNDEFINED_RECOVERY : 'undefined: the dense arm did not adapt'} (its own improvement is under 5 % of the frozen loss). One seed.`
            : `One seed · ${improvementText(improvement, reference)}. Recovery = how much of ${reference}’s gain each arm gets.`}
      </p>
    </div>
  );
}
