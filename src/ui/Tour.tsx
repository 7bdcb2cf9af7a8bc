/**
 * A short guided tour for first-time visitors, docked as a slim bar under the header so it covers
 * nothing. It is shown once per browser (remembered in localStorage) and never in presenter mode.
 */
import { useState } from 'react';
import { usePresenter } from './presenterLayout';

const STEPS = [
  {
    title: 'What you see',
    text: 'A network learned regime A. At the red drift line the data changes, and every arm must adapt online, from the same weights, on the same stream.',
  },
  {
    title: 'The arms',
    text: 'Frozen does not learn. Full RTRL carries every path of the sensitivity (n⁴ work per step). Sparse-k keeps k of the n paths into each unit; k = 0 keeps only the immediate term. Readout only adapts just the output weights, as every learning arm also does.',
  },
  {
    title: 'Recovery',
    text: 'The legend shows how much of full RTRL’s improvement over frozen each arm gets (the paper’s recovery), and how much of its gain over readout-only (beyond the readout), from one seed. Move the k slider: the curves carry on and a marker shows when.',
  },
  {
    title: 'Stories and claims',
    text: 'At the right: two stories (where the readout does most of it, where propagation matters), then the paper’s claims; one click sets up the run. Every setting is in the link: share it to show the same run.',
  },
];
const KEY = 'sparse-rtrl-lab.tour-done';

function seen(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return true; // no storage (private mode): do not nag
  }
}

export function Tour() {
  const presenter = usePresenter();
  const [step, setStep] = useState(() => (seen() ? -1 : 0));
  if (presenter || step < 0) return null;
  const close = () => {
    try {
      localStorage.setItem(KEY, '1');
    } catch {
      /* nothing to remember it in */
    }
    setStep(-1);
  };
  const s = STEPS[step];
  return (
    <aside className="tour" aria-label="guided tour" data-testid="tour">
      <p>
        <span className="tour-title">{s.title}</span>{' '}
        <span className="tour-count">
          ({step + 1}/{STEPS.length})
        </span>{' '}
        {s.text}
      </p>
      <div className="tour-buttons">
        <button type="button" onClick={close}>
          Skip
        </button>
        {step + 1 < STEPS.length ? (
          <button type="button" onClick={() => setStep(step + 1)}>
            Next
          </button>
        ) : (
          <button type="button" onClick={close}>
            Done
          </button>
        )}
      </div>
    </aside>
  );
}
