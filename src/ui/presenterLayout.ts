/**
 * Presenter mode scales the page for a projector, and only a wide screen is one: a presenter link
 * opened on a phone (the link a student gets) shows the normal layout, with the flag kept in the link.
 */
import { useEffect, useState } from 'react';
import { useLab } from '../app/page/store';

/** Narrower than this, the presenter layout's large type leaves no room for the chart. */
export const PRESENTER_MIN_WIDTH_PX = 900;

/** Whether a media query matches, following changes (a resized window, a rotated tablet). */
export function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setMatches(m.matches);
    on();
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, [query]);
  return matches;
}

/** Whether the presenter layout is on: the link asks for it and the screen is wide enough. */
export function usePresenter(): boolean {
  const asked = useLab((s) => s.presenter);
  const wide = useMediaQuery(`(min-width: ${PRESENTER_MIN_WIDTH_PX}px)`);
  return asked && wide;
}
