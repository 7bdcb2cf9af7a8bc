/**
 * The classroom's pure logic: which keys are the app's whatever has focus, the link notice's count, marker
 * labels that would overprint, wrapped export lines, and the live wording of claims (waiting for the drift,
 * the one-seed noise band, a spread-across-seeds claim that one seed cannot judge).
 */
import { describe, expect, it } from 'vitest';
import { linkNoticeText } from '../src/app/page/linkNotice';
import { ONE_SEED_BAND_PCT, recoveryWords } from '../src/app/page/recoveryReading';
import { aboveReferenceText, CLAIM_PRESETS, liveVerdict, type LiveReading } from '../src/claims/livePresets';
import { CLAIMS } from '../src/claims/claims';
import { shortcutFor, type FocusInfo } from '../src/ui/keyboard';
import { mergeMarkerLabels } from '../src/ui/markerLabels';
import { wrapChars } from '../src/ui/svgExport';

const none = { ctrl: false, meta: false, alt: false };
const body: FocusInfo = { tag: 'BODY', pressable: false, focusVisible: false };
const clickedButton: FocusInfo = { tag: 'BUTTON', pressable: true, focusVisible: false };
const tabbedButton: FocusInfo = { tag: 'BUTTON', pressable: true, focusVisible: true };

describe('keyboard shortcuts', () => {
  it('with nothing focused, Space, →, R, [ ], P and ? are the app’s', () => {
    expect(shortcutFor(' ', body, none)).toBe('toggle-play');
    expect(shortcutFor('ArrowRight', body, none)).toBe('step');
    expect(shortcutFor('r', body, none)).toBe('reset');
    expect(shortcutFor('R', body, none)).toBe('reset');
    expect(shortcutFor('[', body, none)).toBe('k-down');
    expect(shortcutFor(']', body, none)).toBe('k-up');
    expect(shortcutFor('p', body, none)).toBe('presenter');
    expect(shortcutFor('?', body, none)).toBe('help');
    expect(shortcutFor('x', body, none)).toBeNull();
  });

  it('on a button a mouse clicked (Pause, Step, a claim card) every key is still the app’s: Space pauses, it does not press the button again', () => {
    for (const [key, action] of [
      [' ', 'toggle-play'],
      ['ArrowRight', 'step'],
      ['r', 'reset'],
    ] as const)
      expect(shortcutFor(key, clickedButton, none)).toBe(action);
  });

  it('on a button Tab reached, Space presses it (as everywhere); → and R stay the app’s', () => {
    expect(shortcutFor(' ', tabbedButton, none)).toBeNull();
    expect(shortcutFor('ArrowRight', tabbedButton, none)).toBe('step');
    expect(shortcutFor('r', tabbedButton, none)).toBe('reset');
  });

  it('text fields and selects keep every key; a slider keeps its arrows', () => {
    for (const focus of [
      { tag: 'INPUT', type: 'number', pressable: false, focusVisible: true },
      { tag: 'INPUT', type: 'text', pressable: false, focusVisible: false },
      { tag: 'SELECT', pressable: false, focusVisible: false },
      { tag: 'TEXTAREA', pressable: false, focusVisible: false },
      { tag: 'DIV', contentEditable: true, pressable: false, focusVisible: false },
    ] satisfies FocusInfo[]) {
      for (const key of [' ', 'ArrowRight', 'r', '?']) expect(shortcutFor(key, focus, none), `${focus.tag} ${key}`).toBeNull();
    }
    const slider: FocusInfo = { tag: 'INPUT', type: 'range', pressable: false, focusVisible: false };
    expect(shortcutFor('ArrowRight', slider, none)).toBeNull();
    expect(shortcutFor(' ', slider, none)).toBe('toggle-play');
    expect(shortcutFor('r', slider, none)).toBe('reset');
  });

  it('modifier combinations are the browser’s (Ctrl+R reloads)', () => {
    expect(shortcutFor('r', body, { ctrl: true, meta: false, alt: false })).toBeNull();
    expect(shortcutFor('r', body, { ctrl: false, meta: true, alt: false })).toBeNull();
  });
});

describe('the link notice', () => {
  it('counts a folded flood of unknown keys as that many problems, not one', () => {
    const problems = [
      'junk0 (unknown setting)',
      'junk1 (unknown setting)',
      'junk2 (unknown setting)',
      'junk3 (unknown setting)',
      'junk4 (unknown setting)',
      '4995 more unknown settings',
    ];
    expect(linkNoticeText(problems)).toMatch(/junk4 \(unknown setting\); and 4995 more$/);
    expect(linkNoticeText([...problems, 'n given 2 times (the first is used)'])).toMatch(/and 4996 more$/);
  });

  it('lists a short list in full', () => {
    expect(linkNoticeText(['n given 2 times (the first is used)'])).toBe('n given 2 times (the first is used)');
  });
});

describe('marker labels', () => {
  const width = (t: string) => t.length * 7;
  it('markers a slider gesture leaves close together share one label, first → last', () => {
    const groups = mergeMarkerLabels(
      [
        { step: 150, label: 'drift' },
        { step: 300, label: 'k = 8' },
        { step: 302, label: 'k = 16' },
        { step: 305, label: 'k = 32' },
        { step: 600, label: 'k = 4' },
      ],
      (m) => m.step,
      width,
    );
    expect(groups.map((g) => g.label)).toEqual(['drift', 'k = 8 → k = 32', 'k = 4']);
  });

  it('a change on the drift reads "drift, k = 4" in the drift’s colour', () => {
    const groups = mergeMarkerLabels(
      [
        { step: 151, label: 'k = 4' },
        { step: 150, label: 'drift' },
      ],
      (m) => m.step,
      width,
    );
    expect(groups).toEqual([{ px: 150, label: 'drift, k = 4', drift: true }]);
  });
});

describe('export text wrapping', () => {
  it('wraps a long link at its & separators, losing no character', () => {
    const link = 'https://example.org/lab/#v=1&task=sine&model=rnn&n=64&k=4&strategy=random&lr=0.001&leak=0.3&seed=1&speed=4&adapt=2000&claim=k4-recovers';
    const lines = wrapChars(link, 40);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines.join('')).toBe(link);
    expect(lines.length).toBeGreaterThan(2);
  });
});

const reading = (over: Partial<LiveReading> = {}): LiveReading => ({
  recovery: { full: 100, k0: 20, k: 90, readout: 60 },
  beyondReadout: { k0: -10, k: 70 },
  meanLoss: { frozen: 1, full: 0.5, k0: 0.9, k: 0.55, readout: 0.7 },
  jacobianCondition: 4,
  adaptedSteps: 600,
  ...over,
});

describe('live claim wording', () => {
  it('before the first adapted step every claim waits for the drift: no verdict, nothing undefined', () => {
    for (const p of CLAIM_PRESETS) {
      const v = liveVerdict(p.id, reading({ adaptedSteps: 0, meanLoss: { frozen: NaN, full: NaN, k0: NaN, k: NaN } }));
      expect(v.verdict, p.id).toBe('running');
      expect(v.measured, p.id).toBe('Waiting for the drift');
    }
  });

  it('above 100 %: better than exact only beyond the one-seed band, otherwise about equal, naming the band', () => {
    expect(aboveReferenceText(105)).toContain(`about equal to full RTRL: within the one-seed noise band of 100 ± ${ONE_SEED_BAND_PCT} %`);
    expect(aboveReferenceText(100 + ONE_SEED_BAND_PCT + 1)).toContain('better than the exact online gradient');
    expect(aboveReferenceText(95)).toBe('');
    const near = recoveryWords(101, 0.5);
    expect(near.kind === 'value' && !near.aboveExact && near.aboutExact).toBe(true);
    const far = recoveryWords(130, 0.5);
    expect(far.kind === 'value' && far.aboveExact && !far.aboutExact).toBe(true);
  });

  it('the Lorenz claim, about the spread across seeds, is not judged from one seed', () => {
    const v = liveVerdict('lorenz-stable', reading());
    expect(v.verdict).toBe('needs seeds');
    expect(CLAIM_PRESETS.find((p) => p.id === 'lorenz-stable')!.scope).toMatch(/spread across seeds/);
  });

  it('a preset measures recovery exactly when its reading goes undefined with a reference that did not adapt; the recorded-data claims are recoveries', () => {
    // the caption says the reference's own improvement beside every recovery (ClaimsPanel reads `measures`)
    const stillReference = reading({ meanLoss: { frozen: 1, full: 1, k0: 1, k: 1, readout: 1 } });
    for (const p of CLAIM_PRESETS) expect(p.measures === 'recovery', p.id).toBe(liveVerdict(p.id, stillReference).verdict === 'undefined');
    const recoveries = CLAIM_PRESETS.filter((p) => p.measures === 'recovery').map((p) => p.id);
    expect(recoveries).toEqual(expect.arrayContaining(['recorded-weather', 'recorded-co2', 'k4-recovers', 'transformers']));
    expect(recoveries).not.toContain('lorenz-stable');
  });

  it('the 64 → 256 card says it runs n = 128 live and where n = 256 runs', () => {
    const p = CLAIM_PRESETS.find((c) => c.id === 'k4-scales')!;
    expect(p.settings.n).toBe(128);
    expect(p.scope).toContain('live at n = 128; n = 256 runs in the claims suite');
  });

  it('every claim has a live preset with its scope, the transformers’ one on the transformer, the rest on the RNN', () => {
    for (const c of CLAIMS) {
      const p = CLAIM_PRESETS.find((x) => x.id === c.id);
      expect(p, c.id).toBeDefined();
      expect(p!.scope).toMatch(/one seed/);
      expect(p!.settings.model).toBe(c.id === 'transformers' ? 'transformer' : 'rnn');
    }
    const v = liveVerdict('transformers', reading({ reference: 'the dense arm' }));
    expect(v.measured).toMatch(/^ρ = 0.5: 90 % of the dense arm’s adaptation; one seed; the dense arm improved on frozen by 50 %$/);
  });
});
