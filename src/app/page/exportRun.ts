/**
 * The run as files: JSON (settings, seed, both recoveries, markers, curves) and CSV (one column per arm,
 * readout-only's last as its arm is).
 */
import { encodeHash, type ArmRole } from '../contract';
import type { LossSeries } from './lossSeries';
import type { LabState } from './store';

export interface RunExport {
  app: 'sparse-rtrl-lab';
  link: string;
  settings: LabState['params'];
  engine: string;
  steps: number;
  firstStep: number;
  markers: LabState['markers'];
  arms: {
    id: string;
    label: string;
    /** reference (full RTRL), baseline (frozen), floor (readout-only) or sparse */
    role: ArmRole;
    /** mean loss over the adaptation so far (null before the drift) */
    meanLoss: number | null;
    /** against frozen and full: the paper's recovery */
    recovery: number | null;
    /** against readout-only and full: recovery beyond the readout */
    recoveryBeyondReadout: number | null;
    divergedAt: number;
    loss: (number | null)[];
  }[];
}

/** The full link of these settings: the page's address with the settings' hash. */
export function fullLink(state: LabState, base = typeof location !== 'undefined' ? location.origin + location.pathname : ''): string {
  return base + encodeHash(state.params, { present: false, claim: state.claim });
}

export function runToJson(state: LabState, series: LossSeries | null): RunExport {
  const length = series?.length ?? 0;
  return {
    app: 'sparse-rtrl-lab',
    link: fullLink(state),
    settings: state.params,
    engine: state.engine,
    steps: state.step,
    firstStep: series?.firstStep ?? 0,
    markers: state.markers,
    arms: state.arms.map((arm, a) => ({
      id: arm.id,
      label: arm.label,
      role: arm.role,
      meanLoss: Number.isFinite(arm.meanLoss) ? arm.meanLoss : null,
      recovery: arm.recovery ?? null,
      recoveryBeyondReadout: arm.recoveryBeyondReadout ?? null,
      divergedAt: arm.divergedAt ?? -1,
      // JSON has no NaN: a diverged step is null
      loss: Array.from({ length }, (_, i) => {
        const v = series!.at(series!.raw, a, i);
        return Number.isFinite(v) ? v : null;
      }),
    })),
  };
}

/** CSV with one plain header row (spreadsheets read a leading comment as data); the link is in the JSON. */
export function runToCsv(state: LabState, series: LossSeries | null): string {
  const header = ['step', ...state.arms.map((a) => `loss ${a.label}`)].join(',');
  const rows: string[] = [header];
  const length = series?.length ?? 0;
  for (let i = 0; i < length; i++) {
    rows.push([series!.firstStep + i, ...state.arms.map((_, a) => series!.at(series!.raw, a, i))].map((v) => (Number.isFinite(v) ? String(v) : '')).join(','));
  }
  return rows.join('\n') + '\n';
}

export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
