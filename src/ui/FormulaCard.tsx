/**
 * A small "how is this computed" card: a button that opens the panel's formula with the live numbers in
 * it. Click or tap opens it (one tap on a touch screen), a second click, Esc or a click elsewhere closes
 * it. Hover does nothing, so a click never closes what hovering opened.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

export function FormulaCard({ label, children }: { label: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        ref.current?.querySelector('button')?.focus();
      }
    };
    const onDown = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onDown);
    };
  }, [open]);
  return (
    <span className="formula" ref={ref}>
      <button
        type="button"
        className="formula-button"
        aria-expanded={open}
        aria-controls={id}
        aria-label={`formula: ${label}`}
        onClick={() => setOpen((o) => !o)}
        data-testid="formula-button"
      >
        ƒ
      </button>
      {open && (
        <span role="dialog" aria-label={`how ${label} is computed`} id={id} className="formula-card" data-testid="formula-card">
          {children}
        </span>
      )}
    </span>
  );
}
