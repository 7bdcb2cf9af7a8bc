/**
 * The page's side of the static build's service worker (public/sw.js), in production builds only: the
 * dev server sends COOP/COEP itself and must not be cached.
 * - Not cross-origin isolated (a host that cannot send headers): register at once and, when the worker is
 *   active, reload once so that the page comes through it with COOP/COEP and gets its threads. At most one
 *   automatic reload per page load: a page that is still not isolated after it stays on one thread (the
 *   engine's cost note says so), never reloads again.
 * - Already isolated: register after the first drawn point (precaching must not slow it), for offline use.
 * - No service worker (file://, plain http on a LAN address, some private modes, storage refused): nothing
 *   happens; one thread, as the cost note says.
 * A new deploy installs in the background and waits; `onUpdate` gets a function that switches to it.
 */
import { useLab } from './store';

const RELOAD_KEY = 'sparse-rtrl-lab.isolation-reload';

let started = false;

export function startServiceWorker(onUpdate: (apply: () => void) => void): void {
  if (started || !import.meta.env.PROD) return;
  started = true;
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const container = navigator.serviceWorker;
  const isolated = window.crossOriginIsolated;
  let reloadedBefore = false;
  try {
    reloadedBefore = sessionStorage.getItem(RELOAD_KEY) !== null;
    sessionStorage.removeItem(RELOAD_KEY);
  } catch {
    // no sessionStorage, no loop guard: no automatic reload (see below)
  }
  let reloading = false;
  const reloadIntoIsolation = () => {
    if (isolated || reloadedBefore || reloading) return;
    try {
      sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
    } catch {
      return;
    }
    reloading = true;
    location.reload();
  };

  let applying = false;
  container.addEventListener('controllerchange', () => {
    // the user asked for the new version; a first install's claim is handled by `ready` below
    if (applying && !reloading) {
      reloading = true;
      location.reload();
    }
  });

  let registered = false;
  const register = () => {
    if (registered) return;
    registered = true;
    container
      // BASE_URL is './' or '/REPO/': sw.js sits at the build's root, and its scope is that folder
      .register(new URL(import.meta.env.BASE_URL + 'sw.js', document.baseURI), { updateViaCache: 'none' })
      .then((registration) => {
        // a new version: installed (or installing) while an older one controls this page; the banner's
        // button switches to whichever version waits when it is pressed
        const apply = () => {
          applying = true;
          registration.waiting?.postMessage({ type: 'skip-waiting' });
        };
        const track = (worker: ServiceWorker | null) => {
          if (!worker || !container.controller) return;
          if (worker.state === 'installed') onUpdate(apply);
          else worker.addEventListener('statechange', () => worker.state === 'installed' && onUpdate(apply));
        };
        track(registration.waiting);
        track(registration.installing);
        registration.addEventListener('updatefound', () => track(registration.installing));
        // look for a new deploy now (Chromium's own check after a navigation waits until the worker idles)
        if (container.controller && navigator.onLine) registration.update().catch(() => {});
        // active (the navigation after a reload waits for an activating worker): come back through it
        return container.ready.then(reloadIntoIsolation);
      })
      .catch(() => {
        // registration refused (private mode, storage off, a host serving sw.js wrongly): one thread
      });
  };

  if (!isolated) return register();
  // isolated already: after the first drawn point (or 5 s), so that precaching does not compete with it
  const drawn = (s: { firstCurveMs: number | null; status: string }) => s.firstCurveMs !== null || s.status === 'error';
  if (drawn(useLab.getState())) return register();
  const unsubscribe = useLab.subscribe((s) => {
    if (drawn(s)) {
      unsubscribe();
      register();
    }
  });
  setTimeout(() => {
    unsubscribe();
    register();
  }, 5000);
}
