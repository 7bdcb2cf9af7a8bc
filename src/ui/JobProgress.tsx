/** "steps done / total, ≈ s left" for a background job, with a bar and a Cancel button while it runs. */
import { progressText, type JobProgress } from '../app/page/sweepController';

export function JobProgressLine({ progress, onCancel, testId }: { progress: JobProgress; onCancel: () => void; testId: string }) {
  if (progress.status === 'idle') return null;
  const fraction = progress.stepsTotal > 0 ? progress.stepsDone / progress.stepsTotal : 0;
  return (
    <div className={`job-progress ${progress.status}`} data-testid={testId} data-status={progress.status}>
      {progress.status === 'running' && <progress max={1} value={fraction} aria-label="progress" />}
      <span className="job-text">{progressText(progress)}</span>
      {progress.status === 'running' && (
        <button type="button" className="small-button" onClick={onCancel} data-testid={`${testId}-cancel`}>
          Cancel
        </button>
      )}
    </div>
  );
}
