/**
 * A small "how is this computed" card: a button that shows the panel's formula with the live numbers in
 * it, on hover or keyboard focus (and click, for touch screens).
 */
import { useId, useState, type ReactNode } from 'react';

export function FormulaCard({ label, children }: { label: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <span className="formula" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <button
        type="button"
        className="formula-button"
        aria-expanded={open}
        aria-controls={id}
        aria-label={`formula: ${label}`}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onClick={() => setOpen((o) => !o)}
      >
        ƒ
      </button>
      {open && (
        <span role="tooltip" id={id} className="formula-card">
          {children}
        </span>
      )}
    </span>
  );
}
