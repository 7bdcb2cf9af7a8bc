/**
 * The lab's keyboard shortcuts, which work whatever has focus: a mouse click leaves focus on the button
 * it pressed (Pause, Step, a claim card), and the keys must still play, step and reset. Only a control
 * reached by the keyboard keeps its own keys (Space presses a button Tab reached, as everywhere else),
 * and text fields and selects keep every key, since typing there matters. The "?" overlay lists them.
 */

export interface Shortcut {
  /** the keys as the overlay writes them */
  keys: string;
  what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: 'Space', what: 'play / pause (never restarts a claim)' },
  { keys: '→', what: 'one step (pauses first)' },
  { keys: 'R', what: 'reset: the run starts over from the pretrained weights' },
  { keys: '[  ]', what: 'k one stop down / up (the head fraction for the transformer)' },
  { keys: 'P', what: 'presenter mode on / off' },
  { keys: '?', what: 'this list' },
  { keys: 'Esc', what: 'close this list, a formula card, or presenter mode' },
];

export type ShortcutAction = 'toggle-play' | 'step' | 'reset' | 'k-down' | 'k-up' | 'presenter' | 'help';

const ACTIONS: Record<string, ShortcutAction> = {
  ' ': 'toggle-play',
  ArrowRight: 'step',
  r: 'reset',
  R: 'reset',
  '[': 'k-down',
  ']': 'k-up',
  p: 'presenter',
  P: 'presenter',
  '?': 'help',
};

/** What has focus, as far as the keys are concerned. */
export interface FocusInfo {
  /** the element's tag, upper case (BODY when nothing has focus) */
  tag: string;
  /** an input's type ('text', 'range', 'checkbox', …) */
  type?: string;
  contentEditable?: boolean;
  /** inside a button, link, summary or other pressable control */
  pressable: boolean;
  /** the keyboard (or a script) put focus there, not a pointer's press */
  focusVisible: boolean;
}

const TEXT_LIKE_INPUTS = new Set([
  'text',
  'number',
  'search',
  'email',
  'url',
  'tel',
  'password',
  'date',
  'time',
  'datetime-local',
  'month',
  'week',
  'color',
  'file',
]);

/**
 * The app's action for a key, or null where the key belongs to the focused element (or to no one).
 * Modifier combinations are the browser's.
 */
export function shortcutFor(key: string, focus: FocusInfo, modifiers: { ctrl: boolean; meta: boolean; alt: boolean }): ShortcutAction | null {
  if (modifiers.ctrl || modifiers.meta || modifiers.alt) return null;
  const action = ACTIONS[key];
  if (!action) return null;
  // typing matters: every key is the field's
  if (focus.tag === 'TEXTAREA' || focus.tag === 'SELECT' || focus.contentEditable) return null;
  if (focus.tag === 'INPUT') {
    const type = (focus.type ?? 'text').toLowerCase();
    if (TEXT_LIKE_INPUTS.has(type)) return null;
    // a slider moves with the arrows; Space and R do nothing there
    if (type === 'range' && key === 'ArrowRight') return null;
    // a checkbox Tab reached toggles on Space
    if ((type === 'checkbox' || type === 'radio') && key === ' ' && focus.focusVisible) return null;
    return action;
  }
  // a button Tab reached presses on Space; one a mouse clicked does not (Space pauses, as the overlay says)
  if (focus.pressable && key === ' ' && focus.focusVisible) return null;
  return action;
}

/**
 * The control a pointer last pressed, while it keeps the focus that press gave it. Browsers' own
 * :focus-visible is no guide here: after any key press Chromium shows the ring on a clicked button too.
 */
let pointerFocused: Element | null = null;

/** Follows pointer presses and focus moves, so focusOf can tell a clicked control from one Tab reached. */
export function trackPointerFocus(doc: Document): void {
  doc.addEventListener(
    'pointerdown',
    (e) => {
      pointerFocused = e.target instanceof Element ? e.target.closest('button, a, summary, [role=button], input, select, textarea, [tabindex]') : null;
    },
    true,
  );
  doc.addEventListener(
    'focusin',
    (e) => {
      // focus that moved anywhere else (Tab, a script) was not the pointer's
      if (e.target !== pointerFocused) pointerFocused = null;
    },
    true,
  );
}

/** Reads the focus of a keyboard event's target. */
export function focusOf(target: EventTarget | null): FocusInfo {
  const el = target instanceof HTMLElement ? target : null;
  if (!el) return { tag: 'BODY', pressable: false, focusVisible: false };
  return {
    tag: el.tagName,
    type: el instanceof HTMLInputElement ? el.type : undefined,
    contentEditable: el.isContentEditable,
    pressable: el.closest('button, a, summary, [role=button]') !== null,
    focusVisible: el !== pointerFocused,
  };
}

/** The event the "?" key sends to the overlay (which loads with the page, after the entry chunk). */
export const HELP_EVENT = 'lab:shortcuts';
