/**
 * The end of a run: recovery per arm from this one seed, full RTRL's own improvement, and the command
 * that measures the same settings over five seeds.
 */
import { play } from '../app/page/controller';
import { recoveryWords, ABOVE_EXACT, improvementText } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { useFullImprovement } from './Legend';

export function cliCommand(p: ReturnType<typeof useLab.getState>['params']): string {
  const ks = [...new Set([0, p.k])].join(',');
  return `npm run experiment -- --task ${p.task} --model ${p.model} --n ${p.n} --k ${ks} --strategy ${p.strategy} --optimizer ${p.optimizer} --lr ${p.lr} --leak ${p.leak} --adapt ${p.adapt} --seeds 5`;
}

export function RunSummary() {
  const status = useLab((s) => s.status);
  const arms = useLab((s) => s.arms);
  const recovery = useLab((s) => s.recovery);
  const params = useLab((s) => s.params);
  const improvement = useFullImprovement();
  if (status !== 'done') return null;
  const learning = arms.map((arm, a) => ({ arm, a })).filter(({ arm }) => arm.id !== 'frozen' && arm.id !== 'full' && !arm.sameAs);
  return (
    <div className="run-summary" role="status" data-testid="run-summary">
      <strong>Run finished</strong> after {params.adapt} adaptation steps. Recovery, <em>one seed</em>:{' '}
      {learning
        .map(({ arm, a }) => {
          const w = recoveryWords(recovery[a], improvement);
          return `${arm.label} ${w.kind === 'value' ? w.text + (w.aboveExact ? ` (${ABOVE_EXACT})` : '') : w.text}`;
        })
        .join(', ')}
      ; {improvementText(improvement)}. Five seeds, with confidence intervals: <code data-testid="cli-command">{cliCommand(params)}</code>{' '}
      <button type="button" className="small-button" onClick={play}>
        Run again
      </button>
    </div>
  );
}
