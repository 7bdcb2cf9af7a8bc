/*
 * The static build's service worker (registered by src/app/page/serviceWorkerClient.ts in production only).
 * 1. Cross-origin isolation where the host cannot send headers: every response it serves carries
 *    COOP/COEP, so after one reload the page has SharedArrayBuffer and the CPU engine its threads.
 * 2. Offline after the first visit: it precaches the whole build (the list below is written by the
 *    precache plugin in vite.config.ts) and serves it cache-first; a new deploy installs beside the old
 *    one and waits until the page's banner asks for it, so one page never mixes two versions.
 * Only same-origin GETs are handled: the app requests nothing from other origins.
 */
const BUILD = /* precache */ { version: 'dev', bytes: 0, files: [] }; /* end precache */

const SCOPE = self.registration.scope;
// caches are per origin: the scope keeps two deployments on one origin (USER.github.io/A/, /B/) apart
const PREFIX = `sparse-rtrl-lab ${SCOPE} `;
const CACHE = PREFIX + BUILD.version;
// the app shell is cached under the scope's own URL ('./'), which every static host serves
const SHELL = new URL('./', SCOPE).href;
const SHELL_PATHS = [new URL(SHELL).pathname, new URL('index.html', SCOPE).pathname];

self.addEventListener('install', (event) => {
  // no-cache: revalidate against the host, never precache a stale index.html or weights from the HTTP cache
  const requests = BUILD.files.map((f) => new Request(new URL(f, SCOPE).href, { cache: 'no-cache' }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      // control the open page now, so its reload into isolation goes through this worker
      await self.clients.claim();
    })(),
  );
});

// the page's "reload" button: the waiting version takes over (the page reloads on controllerchange)
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

function withIsolation(response) {
  // opaque and redirect-filtered responses (status 0) cannot be rebuilt; they pass unchanged
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // a DevTools quirk: such requests fail when answered from a worker
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  const shell = request.mode === 'navigate' && SHELL_PATHS.includes(url.pathname);
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const hit = shell ? await cache.match(SHELL) : await cache.match(request);
      return withIsolation(hit ?? (await fetch(request)));
    })(),
  );
});
