/**
 * Each claim of science.md §1 as a one-click preset of the live app: the settings to show it, and how to
 * read a verdict off one live seed. The headless suite (claims.ts) is the multi-seed measurement; a
 * live verdict is for the room and says when it is a one-seed reading.
 */
import type { LabParams } from '../app/labParams';
import { CLAIMS } from './claims';

export type LiveVerdict = 'holds' | 'does not hold' | 'running' | 'not modelled';

export interface LiveReading {
  /** the numbers the live run gives for the arms: frozen, full RTRL, k = 0, the chosen k */
  recovery: { full: number | null; k0: number | null; k: number | null };
  meanLoss: { frozen: number; full: number; k0: number; k: number };
  jacobianCondition: number | null;
  adaptedSteps: number;
}

export interface ClaimPreset {
  id: string;
  settings: Partial<LabParams>;
  /** adaptation steps before the live reading counts as a verdict */
  minSteps: number;
  read(r: LiveReading): { measured: string; verdict: Exclude<LiveVerdict, 'running'> };
}

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : `${x.toFixed(0)} %`);

const recoveryAtLeast = (threshold: number) => (r: LiveReading) => ({
  measured: `k = ${pct(r.recovery.k)}`,
  verdict: (r.recovery.k ?? -Infinity) >= threshold ? ('holds' as const) : ('does not hold' as const),
});

export const CLAIM_PRESETS: ClaimPreset[] = [
  { id: 'k4-recovers', settings: { task: 'sine', n: 64, k: 4, strategy: 'random', optimizer: 'adam', lr: 1e-3 }, minSteps: 500, read: recoveryAtLeast(72) },
  { id: 'k4-scales', settings: { task: 'sine', n: 128, k: 4, strategy: 'random', optimizer: 'adam', lr: 1e-3 }, minSteps: 300, read: recoveryAtLeast(70) },
  { id: 'selection-invariant', settings: { task: 'sine', n: 64, k: 4, strategy: 'bottom-k', optimizer: 'adam', lr: 1e-3 }, minSteps: 500, read: recoveryAtLeast(50) },
  {
    id: 'step-at-k1',
    settings: { task: 'sine', n: 64, k: 1, strategy: 'random', optimizer: 'adam', lr: 1e-3 },
    minSteps: 500,
    read: (r) => ({
      measured: `k = 0: ${pct(r.recovery.k0)}, k = 1: ${pct(r.recovery.k)}`,
      verdict: (r.recovery.k0 ?? Infinity) < 30 && (r.recovery.k ?? -Infinity) >= 60 ? 'holds' : 'does not hold',
    }),
  },
  {
    id: 'jacobian-isotropic',
    settings: { task: 'sine', n: 64, k: 4, leak: 0.3 },
    minSteps: 50,
    read: (r) => ({
      measured: r.jacobianCondition === null ? '—' : `cond(J) = ${r.jacobianCondition.toFixed(1)}`,
      verdict: r.jacobianCondition !== null && r.jacobianCondition >= 2 && r.jacobianCondition <= 8 ? 'holds' : 'does not hold',
    }),
  },
  {
    id: 'lorenz-stable',
    settings: { task: 'lorenz', n: 64, k: 4, strategy: 'random', optimizer: 'adam', lr: 1e-3 },
    minSteps: 500,
    // one seed cannot give a CV across seeds: the live reading is whether k = 4 ends at least as low as full
    read: (r) => ({
      measured: `one seed: L̄ k = 4 ${r.meanLoss.k.toExponential(2)} vs full ${r.meanLoss.full.toExponential(2)} (CV needs npm run claims)`,
      verdict: r.meanLoss.k <= r.meanLoss.full ? 'holds' : 'does not hold',
    }),
  },
  { id: 'neural-decoding', settings: { task: 'neural', n: 20, k: 4, strategy: 'random', optimizer: 'adam', lr: 1e-3 }, minSteps: 500, read: recoveryAtLeast(58) },
  { id: 'sgd', settings: { task: 'sine', n: 64, k: 4, strategy: 'random', optimizer: 'sgd', lr: 1e-2 }, minSteps: 500, read: recoveryAtLeast(85) },
  {
    id: 'needs-continuous-error',
    settings: { task: 'adding', n: 64, k: 4, strategy: 'random', optimizer: 'adam', lr: 1e-3 },
    minSteps: 30,
    read: (r) => {
      const best = Math.min(r.meanLoss.full, r.meanLoss.k0, r.meanLoss.k);
      const gain = (r.meanLoss.frozen - best) / r.meanLoss.frozen;
      return { measured: `best arm cuts the loss by ${(100 * gain).toFixed(0)} %`, verdict: gain <= 0.25 ? 'holds' : 'does not hold' };
    },
  },
];

export function isClaimPreset(id: string): boolean {
  return CLAIMS.some((c) => c.id === id);
}

/** The verdict for the live reading, or `running` until enough steps have passed. */
export function liveVerdict(id: string, r: LiveReading): { measured: string; verdict: LiveVerdict } {
  const preset = CLAIM_PRESETS.find((p) => p.id === id);
  if (!preset) return { measured: 'not modelled', verdict: 'not modelled' };
  const reading = preset.read(r);
  return r.adaptedSteps < preset.minSteps ? { measured: reading.measured, verdict: 'running' } : reading;
}
