/**
 * A setting's field, as the controls panel and the CSV form show it: the label above its control, what
 * follows (a hint) below. A typed value is a draft until blur or Enter commits it, so a half-typed number
 * never reaches the run.
 */
import { useEffect, useState, type ReactNode } from 'react';

/** The `.field` block: a label for the control with id `id`, then the control and its hint (the children). */
export function Field({ id, label, children }: { id: string; label: ReactNode; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

/**
 * A text input's draft: it follows `value` when that changes from outside, and `commit` gets the text on
 * blur or Enter. `inputProps` go on the input; `setText` puts a value back (a refused one, say).
 */
export function useDraft(value: string, commit: (text: string) => void) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const inputProps = {
    value: text,
    onChange: (e: { target: { value: string } }) => setText(e.target.value),
    onBlur: () => commit(text),
    onKeyDown: (e: { key: string }) => {
      if (e.key === 'Enter') commit(text);
    },
  };
  return { text, setText, inputProps };
}
