/**
 * The end of a run: both recoveries per arm from this one seed (the paper's, against frozen, readout-only's
 * own among them, and beyond the readout), full RTRL's own improvement and its gain over readout-only, and
 * the command that measures the same settings over five seeds (cliCommand.ts, per model). In presenter
 * mode, one line: the chosen arm's recovery, one seed.
 */
import { cliCommand } from '../app/page/cliCommand';
import { play } from '../app/page/controller';
import { armValueText, gainText, improvementText, recoverySentences, type RecoveryReading } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { useRecoveryReading } from './Legend';
import { usePresenter } from './presenterLayout';

/** "k = 4 recovered 95 % of full RTRL’s adaptation (one seed)", or why there is no number. */
export function endVerdict(reading: RecoveryReading): string {
  const chosen = reading.arms.find((a) => a.arm.id === 'k') ?? reading.arms.find((a) => a.arm.id === 'k0');
  if (reading.waiting) return `Finished: ${reading.waiting}.`;
  if (!reading.hasFull) return `Finished: no recovery (its reference, ${reading.reference}, was not running).`;
  if (reading.paperUndefined) return `Finished: recovery ${reading.paperUndefined} (one seed).`;
  if (!chosen) return 'Finished (one seed).';
  if (chosen.diverged) return `Finished: ${chosen.arm.label} diverged (one seed).`;
  return `Finished, one seed: ${armValueText(chosen, chosen.paper, reading.reference).replace(/^(.*?) (-?\d+ %)/, `$1 recovered $2 of ${reading.reference}’s adaptation`)}.`;
}

export function RunSummary() {
  const status = useLab((s) => s.status);
  const params = useLab((s) => s.params);
  const reading = useRecoveryReading();
  const presenter = usePresenter();
  if (status !== 'done') return null;
  if (presenter) {
    return (
      <p className="run-summary one-line" role="status" data-testid="run-summary">
        {endVerdict(reading)}
      </p>
    );
  }
  const { paper, beyond } = recoverySentences(reading);
  return (
    <div className="run-summary" role="status" data-testid="run-summary">
      <strong>Run finished</strong> after {params.adapt} adaptation steps, <em>one seed</em>.{' '}
      <span data-testid="summary-paper">{paper.charAt(0).toUpperCase() + paper.slice(1)}</span>; <span data-testid="summary-beyond">{beyond}</span>;{' '}
      {improvementText(reading.improvement, reading.reference)}
      {reading.hasReadout ? `; ${gainText(reading.gain, reading.reference)}` : ''}. Five seeds, with confidence intervals:{' '}
      <code data-testid="cli-command">{cliCommand(params)}</code>{' '}
      <button type="button" className="small-button" onClick={play}>
        Run again
      </button>
    </div>
  );
}
