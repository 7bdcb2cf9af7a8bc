/** How the app words both recoveries: waiting before the drift, undefined with its reason, the labels. */
import { describe, expect, it } from 'vitest';
import {
  BEYOND_READOUT_LABEL,
  PAPER_RECOVERY_LABEL,
  readRecovery,
  recoverySentences,
  UNDEFINED_RECOVERY,
  WAITING_FOR_DRIFT,
  type RecoveryInput,
} from '../src/app/page/recoveryReading';
import type { ArmInfo } from '../src/app/worker/liveEngine';
import { recoveryPercent } from '../src/engine/metrics';

const ARMS: ArmInfo[] = [
  { id: 'frozen', label: 'frozen' },
  { id: 'full', label: 'full RTRL' },
  { id: 'k0', label: 'k = 0' },
  { id: 'k', label: 'k = 4' },
  { id: 'readout', label: 'readout only' },
];

/** A run's store numbers from its arms' mean losses (frozen, full, k0, k, readout). */
function input(meanLoss: number[], over: Partial<RecoveryInput> = {}): RecoveryInput {
  return {
    arms: ARMS,
    meanLoss,
    recovery: meanLoss.map((l) => recoveryPercent(meanLoss[0], l, meanLoss[1])),
    recoveryBeyondReadout: meanLoss.map((l) => recoveryPercent(meanLoss[4], l, meanLoss[1])),
    divergedAt: meanLoss.map(() => -1),
    markers: [{ step: 150, label: 'drift' }],
    adaptedSteps: 500,
    ...over,
  };
}

describe('readRecovery', () => {
  it('before the drift it waits: nothing is called undefined', () => {
    const r = readRecovery(
      input([NaN, NaN, NaN, NaN, NaN], { markers: [], adaptedSteps: 0, recovery: ARMS.map(() => null), recoveryBeyondReadout: ARMS.map(() => null) }),
    );
    expect(r.waiting).toBe(WAITING_FOR_DRIFT);
    const { paper, beyond } = recoverySentences(r);
    expect(paper).toBe(`${PAPER_RECOVERY_LABEL}: ${WAITING_FOR_DRIFT}`);
    expect(beyond).toBe(`${BEYOND_READOUT_LABEL}: ${WAITING_FOR_DRIFT}`);
    expect(`${paper} ${beyond}`).not.toContain('undefined');
  });

  it('both recoveries, readout-only’s own among the paper’s, readout-only last', () => {
    // frozen 1.0, full 0.2, k = 0 0.6, k = 4 0.28, readout 0.4: full beats readout-only by 50 %
    const r = readRecovery(input([1, 0.2, 0.6, 0.28, 0.4]));
    expect(r.arms.map((a) => a.arm.id)).toEqual(['k0', 'k', 'readout']);
    const { paper, beyond } = recoverySentences(r);
    expect(paper).toBe('recovery vs frozen (paper’s definition): k = 0 50 %, k = 4 90 %, readout only 75 %');
    expect(beyond).toBe('beyond the readout: k = 0 -100 %, k = 4 60 %');
    expect(r.gain).toBeCloseTo(0.5, 12);
  });

  it('when full RTRL barely beats readout-only, beyond the readout is undefined: the task does not need transport', () => {
    const r = readRecovery(input([1, 0.2, 0.25, 0.21, 0.205]));
    expect(r.paperUndefined).toBeNull();
    expect(r.beyondUndefined).toContain('the task does not need transport: the readout alone adapts about as well as full RTRL');
    // with the measured gain
    expect(r.beyondUndefined).toContain('full RTRL improved on readout-only by 2 %');
    const { paper, beyond } = recoverySentences(r);
    expect(paper).toMatch(/k = 4 99 %/);
    expect(beyond).toBe(`${BEYOND_READOUT_LABEL}: ${r.beyondUndefined}`);
  });

  it('when full RTRL did not adapt, both are undefined for that reason', () => {
    const r = readRecovery(input([1, 0.98, 0.99, 0.97, 0.99]));
    expect(r.paperUndefined).toBe(UNDEFINED_RECOVERY);
    expect(r.beyondUndefined).toBe(UNDEFINED_RECOVERY);
    expect(r.arms.every((a) => a.paper.kind === 'undefined')).toBe(true);
  });

  it('without full RTRL (the CPU cap) neither has a reference; without readout-only there is no floor', () => {
    const noFull = readRecovery(input([1, 0.2, 0.6, 0.3, 0.4], { arms: ARMS.filter((a) => a.id !== 'full') }));
    expect(recoverySentences(noFull).beyond).toContain('is not running');
    const noReadout = readRecovery({ ...input([1, 0.2, 0.6, 0.3]), arms: ARMS.slice(0, 4) });
    expect(recoverySentences(noReadout).beyond).toContain('no readout-only arm');
  });

  it('a diverged arm says so; the transformer’s reference is the dense arm', () => {
    const r = readRecovery(input([1, 0.2, 0.6, 0.3, 0.4], { divergedAt: [-1, -1, -1, 12, -1] }));
    expect(recoverySentences(r).paper).toContain('k = 4 diverged');
    const t = readRecovery(input([1, 0.2, 0.25, 0.21, 0.205], { transformer: true }));
    expect(t.beyondUndefined).toContain('about as well as the dense arm');
  });
});
