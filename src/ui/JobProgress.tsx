/**
 * A background job in its panel: the button that starts it, and "steps done / total, ≈ s left" with a
 * bar and a Cancel button while it runs.
 */
import { Fragment, type ReactNode } from 'react';
import { progressText, type JobProgress, type JobStatus } from '../app/page/sweepController';

/** A button that starts a job: what it says, what it calls, its test id (`run-…`). */
export interface JobStart {
  label: string;
  onClick: () => void;
  testId: string;
}

/** A job panel's first line: the button(s) that start its job, then what the job runs or how it is going. */
export function JobStartLine({ starts, children }: { starts: JobStart[]; children: ReactNode }) {
  return (
    <p className="readout">
      {starts.map((start) => (
        <Fragment key={start.testId}>
          <button type="button" className="inline-button" onClick={start.onClick} data-testid={start.testId}>
            {start.label}
          </button>{' '}
        </Fragment>
      ))}
      {children}
    </p>
  );
}

/** A job's chart before its first point: "not run yet", or what became of the job that was started. */
export function noPointsYet(what: string, status: JobStatus): string {
  if (status === 'cancelled') return `${what}: cancelled before its first seed finished.`;
  if (status === 'running') return `${what}: running, no seed finished yet.`;
  if (status === 'refused') return `${what}: refused (see why above).`;
  if (status === 'error') return `${what}: failed.`;
  return `${what}: not run yet.`;
}

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
