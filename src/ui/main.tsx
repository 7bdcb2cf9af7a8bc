/**
 * Entry point: read the link, start the engine worker, pace it with animation frames, and render. The
 * page (React DOM, d3, the panels) is a separate chunk loaded after the worker has started, so the
 * engine's start-up and the page's load overlap (time to the first drawn point).
 */
import { onVisibility, restart, setParam, setPresenter, stepOnce, tick, togglePlay, writeHash } from '../app/page/controller';
import { CHOICES, decodeHash, sweepKs } from '../app/contract';
import { useLab } from '../app/page/store';
import { probeWebGpu } from '../app/page/webgpuProbe';
import { startServiceWorker } from '../app/page/serviceWorkerClient';
import { focusOf, HELP_EVENT, shortcutFor, trackPointerFocus, type ShortcutAction } from './keyboard';
import { showUpdateBanner } from './updateBanner';
import './styles.css';

const { params, view, ignored } = decodeHash(location.hash);
useLab.setState({ params, ignoredFields: ignored, presenter: view.present, claim: view.claim });
writeHash(params);
restart();
// production builds: offline cache, threads on hosts without COOP/COEP (one reload), the update banner
startServiceWorker(showUpdateBanner);
// The badge's own WebGPU probe waits for the first drawn point (or 3 s): the engine worker asks for an
// adapter on its way to that point, and two requests at once slow both.
let probed = false;
const probe = () => {
  if (probed) return;
  probed = true;
  void probeWebGpu().then((webgpu) => useLab.setState({ webgpu }));
};
const unsubscribe = useLab.subscribe((s) => {
  if (s.firstCurveMs !== null || s.status === 'error') {
    unsubscribe();
    probe();
  }
});
setTimeout(probe, 3000);

const loop = () => {
  tick();
  requestAnimationFrame(loop);
};
requestAnimationFrame(loop);

document.addEventListener('visibilitychange', () => onVisibility(document.hidden));
// The shortcuts work whatever has focus, also on the button a mouse just clicked (keyboard.ts).
trackPointerFocus(document);
let spaceTaken = false;
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && useLab.getState().presenter && !document.querySelector('.formula-card, [data-testid=shortcuts-overlay]')) {
    setPresenter(false);
    return;
  }
  const action = shortcutFor(e.key, focusOf(e.target), { ctrl: e.ctrlKey, meta: e.metaKey, alt: e.altKey });
  if (!action) return;
  if (e.key === ' ') {
    // the clicked button must not also be pressed (and the page not scrolled)
    e.preventDefault();
    spaceTaken = true;
  }
  runShortcut(action);
});
document.addEventListener('keyup', (e) => {
  // browsers that press a button on Space's release: the press was the shortcut's
  if (e.key === ' ' && spaceTaken) {
    e.preventDefault();
    spaceTaken = false;
  }
});

function runShortcut(action: ShortcutAction): void {
  const { params, presenter } = useLab.getState();
  if (action === 'toggle-play') togglePlay();
  else if (action === 'step') stepOnce();
  else if (action === 'reset') restart();
  else if (action === 'presenter') setPresenter(!presenter);
  else if (action === 'help') window.dispatchEvent(new Event(HELP_EVENT));
  else {
    const stops = params.model === 'transformer' ? [...CHOICES.headFraction] : sweepKs(params.n);
    const now = params.model === 'transformer' ? params.headFraction : params.k;
    const at = Math.max(
      0,
      stops.findLastIndex((v) => v <= now),
    );
    const next = stops[Math.min(stops.length - 1, Math.max(0, at + (action === 'k-up' ? 1 : -1)))];
    if (next !== now) setParam(params.model === 'transformer' ? 'headFraction' : 'k', next);
  }
}
// A link pasted into the same tab: read it again, as a fresh page would.
window.addEventListener('hashchange', () => {
  const next = decodeHash(location.hash);
  const current = useLab.getState().params;
  if (next.view.present !== useLab.getState().presenter) useLab.setState({ presenter: next.view.present, claim: next.view.claim });
  if (JSON.stringify(next.params) === JSON.stringify(current)) return;
  useLab.setState({ params: next.params, ignoredFields: next.ignored, presenter: next.view.present, claim: next.view.claim });
  writeHash(next.params);
  restart();
});

// the claims (and the engine facts they read) load with the panels, not in the entry chunk: the link's
// claim is checked here, before the first render
void Promise.all([import('react'), import('react-dom/client'), import('./App'), import('../claims/livePresets')]).then(
  ([{ StrictMode, createElement }, { createRoot }, { App }, { isClaimPreset }]) => {
    const { claim, ignoredFields } = useLab.getState();
    if (claim && !isClaimPreset(claim)) {
      useLab.setState({ claim: null, ignoredFields: [...ignoredFields, `claim=${claim} (no such claim)`] });
      writeHash(useLab.getState().params);
    }
    createRoot(document.getElementById('root')!).render(createElement(StrictMode, null, createElement(App)));
  },
);
