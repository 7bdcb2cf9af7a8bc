/**
 * The "?" overlay: every keyboard shortcut in one list. "?" or the header's Keys button opens it; Esc, a
 * click outside or Close shuts it and gives focus back.
 */
import { useEffect, useRef, useState } from 'react';
import { HELP_EVENT, SHORTCUTS } from './keyboard';

export function ShortcutsButton() {
  return (
    <button
      type="button"
      className="small-button"
      onClick={() => window.dispatchEvent(new Event(HELP_EVENT))}
      aria-keyshortcuts="?"
      data-testid="shortcuts-button"
    >
      Keys (?)
    </button>
  );
}

export function ShortcutsOverlay() {
  const [open, setOpen] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<Element | null>(null);
  useEffect(() => {
    const toggle = () => setOpen((o) => !o);
    window.addEventListener(HELP_EVENT, toggle);
    return () => window.removeEventListener(HELP_EVENT, toggle);
  }, []);
  useEffect(() => {
    if (!open) return;
    returnTo.current = document.activeElement;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (returnTo.current instanceof HTMLElement) returnTo.current.focus();
    };
  }, [open]);
  if (!open) return null;
  return (
    <div className="overlay-backdrop" onClick={() => setOpen(false)}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        className="overlay"
        data-testid="shortcuts-overlay"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <p className="caption">They work wherever focus is, also right after a click; only text fields and menus keep their keys.</p>
        <dl className="shortcut-list">
          {SHORTCUTS.map((s) => (
            <div key={s.keys}>
              <dt>
                <kbd>{s.keys}</kbd>
              </dt>
              <dd>{s.what}</dd>
            </div>
          ))}
        </dl>
        <button type="button" ref={closeRef} className="small-button" onClick={() => setOpen(false)}>
          Close (Esc)
        </button>
      </div>
    </div>
  );
}
