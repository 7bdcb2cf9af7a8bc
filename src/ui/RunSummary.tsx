/**
 * The end of a run: both recoveries per arm from this one seed (the paper's, against frozen, readout-only's
 * own among them, and beyond the readout), full RTRL's own improvement and its gain over readout-only, and
 * the command that measures the same settings over five seeds.
 */
import { play } from '../app/page/controller';
import { gainText, improvementText, recoverySentences } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { useRecoveryReading } from './Legend';

/** The CLI's task options of these settings (the CLI takes them for the recurrent models only). */
function taskFlags(p: ReturnType<typeof useLab.getState>['params']): string {
  if (p.model === 'transformer') return '';
  if (p.task === 'delay') return ` --delay ${p.delayA}:${p.delayB}`;
  if (p.task === 'adding' || p.task === 'adding-difference') return ` --length ${p.length}`;
  return '';
}

export function cliCommand(p: ReturnType<typeof useLab.getState>['params']): string {
  const ks = [...new Set([0, p.k])].join(',');
  return `npm run experiment -- --task ${p.task}${taskFlags(p)} --model ${p.model} --n ${p.n} --k ${ks} --strategy ${p.strategy} --optimizer ${p.optimizer} --lr ${p.lr} --leak ${p.leak} --adapt ${p.adapt} --seeds 5`;
}

export function RunSummary() {
  const status = useLab((s) => s.status);
  const params = useLab((s) => s.params);
  const reading = useRecoveryReading();
  if (status !== 'done') return null;
  const { paper, beyond } = recoverySentences(reading);
  return (
    <div className="run-summary" role="status" data-testid="run-summary">
      <strong>Run finished</strong> after {params.adapt} adaptation steps, <em>one seed</em>. <span data-testid="summary-paper">{paper.charAt(0).toUpperCase() + paper.slice(1)}</span>;{' '}
      <span data-testid="summary-beyond">{beyond}</span>; {improvementText(reading.improvement, reading.reference)}
      {reading.hasReadout ? `; ${gainText(reading.gain, reading.reference)}` : ''}. Five seeds, with confidence intervals:{' '}
      <code data-testid="cli-command">{cliCommand(params)}</code>{' '}
      <button type="button" className="small-button" onClick={play}>
        Run again
      </button>
    </div>
  );
}
