/**
 * The production build on a plain static host: built by `vite build` (the default relative base, and an
 * absolute /lab/ base as the GitHub Pages workflow builds it), served by a Node static server under /lab/
 * WITHOUT COOP/COEP headers, and at the root WITH them. In Chromium: the first curve draws with no console
 * error; the service worker reloads the page once into cross-origin isolation and the CPU engine runs on
 * threads; a second visit with the network off still draws; a new deploy shows the update banner; with the
 * headers there is no reload. Times to the first drawn point and the precache size go to
 * test-results/static-build.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, useChromium } from './appServer';

const OUT = 'test-results';
mkdirSync(OUT, { recursive: true });

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

interface StaticServer {
  origin: string;
  /** requests answered so far (the offline visit must add none) */
  requests: string[];
  close(): Promise<void>;
}

/** A plain static host: files of `root` under `prefix`, with COOP/COEP only when asked. */
async function serveStatic(root: string, prefix: string, isolate: boolean): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (isolate) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    // like GitHub Pages: the folder without its slash redirects
    if (path === prefix.slice(0, -1)) {
      res.writeHead(301, { Location: prefix }).end();
      return;
    }
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    let rel = path.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the static server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `vite build` in a child process (vitest's NODE_ENV=test would give a development build). */
function build(outDir: string, base: string): void {
  const env = { ...process.env };
  delete env.NODE_ENV;
  delete env.LAB_BASE;
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--base', base, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    env,
    stdio: 'pipe',
  });
}

interface FirstPoint {
  /** ms from the document's navigation start */
  ms: number;
  isolated: boolean;
  navigation: string;
}

/** Each document of the tab notes its first drawn point in sessionStorage, so a reload keeps the earlier ones. */
async function newStopwatchPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(() => {
    localStorage.setItem('sparse-rtrl-lab.tour-done', '1');
    new MutationObserver((_, observer) => {
      const n = Number(document.querySelector('[data-testid=loss-chart]')?.getAttribute('data-points') ?? 0);
      if (n < 1) return;
      observer.disconnect();
      const list = JSON.parse(sessionStorage.getItem('test.first-points') ?? '[]');
      const navigation = (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type ?? '';
      list.push({ ms: performance.now(), isolated: window.crossOriginIsolated, navigation });
      sessionStorage.setItem('test.first-points', JSON.stringify(list));
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-points'], childList: true });
  });
  return page;
}

/** The tab's first drawn points so far (retried while a reload replaces the document). */
async function firstPoints(page: Page): Promise<FirstPoint[]> {
  for (;;) {
    try {
      return await page.evaluate(() => JSON.parse(sessionStorage.getItem('test.first-points') ?? '[]'));
    } catch (e) {
      if (!/context was destroyed|navigat/i.test(String(e))) throw e;
      await page.waitForLoadState('domcontentloaded');
    }
  }
}

/** Waits for a first drawn point that matches; returns it. */
async function firstPoint(page: Page, match: (p: FirstPoint) => boolean = () => true, timeout = 90_000): Promise<FirstPoint> {
  let found: FirstPoint | undefined;
  await expect.poll(async () => (found = (await firstPoints(page)).find(match)) !== undefined, { timeout, interval: 100 }).toBe(true);
  return found!;
}

/**
 * The CPU engine's threads as the badge's tooltip and the cost note give them ("WebAssembly SIMD, 2
 * threads"), checked to be more than one where the machine has more than one core.
 */
async function cpuThreads(page: Page): Promise<{ threads: number; text: string }> {
  await expect.poll(() => page.getAttribute('[data-testid=backend-badge]', 'title'), { timeout: 30_000 }).toMatch(/WebAssembly SIMD, \d+ threads?/);
  const text = (await page.getAttribute('[data-testid=backend-badge]', 'title')) ?? '';
  const threads = Number(/WebAssembly SIMD, (\d+) thread/.exec(text)![1]);
  if ((await page.evaluate(() => navigator.hardwareConcurrency)) > 1) expect(threads).toBeGreaterThan(1);
  return { threads, text };
}

/** Marks the document, lets `meanwhile` and 1.5 s pass, and checks the mark is still there: the page did not reload. */
async function expectNoReload(page: Page, meanwhile: () => Promise<void> = async () => {}): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __stay: boolean }).__stay = true));
  await meanwhile();
  await page.waitForTimeout(1500);
  expect(await page.evaluate(() => (window as unknown as { __stay?: boolean }).__stay)).toBe(true);
}

/**
 * A static host for `root` under `prefix` (COOP/COEP when `isolate`) and a fresh browser context of 1280×800
 * for `visit`; both closed after it, whatever it throws.
 */
async function withStaticHost(
  root: string,
  prefix: string,
  isolate: boolean,
  visit: (host: StaticServer, context: BrowserContext) => Promise<void>,
): Promise<void> {
  const host = await serveStatic(root, prefix, isolate);
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await visit(host, context);
  } finally {
    await context.close();
    await host.close();
  }
}

const navigationType = (page: Page) => page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type);

function precacheOf(dir: string): { version: string; bytes: number; files: string[] } {
  const sw = readFileSync(join(dir, 'sw.js'), 'utf8');
  return JSON.parse(/const BUILD = (\{.*\});/.exec(sw)![1]);
}

let relativeDir: string;
let absoluteDir: string;
const report: Record<string, unknown> = {};

beforeAll(() => {
  relativeDir = mkdtempSync(join(tmpdir(), 'lab-static-'));
  absoluteDir = mkdtempSync(join(tmpdir(), 'lab-static-abs-'));
  build(relativeDir, './');
  build(absoluteDir, '/lab/');
});
afterAll(() => {
  writeFileSync(`${OUT}/static-build.json`, JSON.stringify(report, null, 2));
  for (const dir of [relativeDir, absoluteDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});
const chromium = useChromium(false);

describe('the static build', () => {
  it('lists the whole build in the service worker, with the manifest, the weights and the headers file', () => {
    const precache = precacheOf(relativeDir);
    expect(precache.files).toContain('./');
    expect(precache.files).toContain('manifest.webmanifest');
    expect(precache.files).toContain('pretrained/sine-rnn-n64-leak0.3-seed1-p3000x6.json');
    expect(precache.files.some((f) => /^assets\/engineWorker-.*\.js$/.test(f))).toBe(true);
    expect(precache.files.some((f) => /^assets\/sweepWorker-.*\.js$/.test(f))).toBe(true);
    expect(precache.files).not.toContain('sw.js');
    expect(precache.files).not.toContain('_headers');
    expect(readFileSync(join(relativeDir, '_headers'), 'utf8')).toMatch(/Cross-Origin-Embedder-Policy: require-corp/);
    // nothing addressed at the site root: every URL of the relative build is relative
    const html = readFileSync(join(relativeDir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="\/(?!\/)/);
    expect(readFileSync(join(absoluteDir, 'index.html'), 'utf8')).toMatch(/src="\/lab\/assets\/index-/);
    report.precache = { files: precache.files.length, bytes: precache.bytes, kB: Math.round(precache.bytes / 1024) };
    console.log(`precache: ${precache.files.length} files, ${(precache.bytes / 1024).toFixed(0)} kB`);
  });

  it('under /lab/ without COOP/COEP: draws, reloads once into isolation with threads, works offline, offers a new version', async () => {
    await withStaticHost(relativeDir, '/lab/', false, async (host, context) => {
      // first visit: drawn before or after the one reload; the reloaded page is isolated and runs threads
      const page = await newStopwatchPage(context);
      const errors = collectErrors(page);
      // no request leaves the origin (data: and blob: URLs are the page's own)
      const elsewhere: string[] = [];
      context.on('request', (r) => {
        if (!r.url().startsWith(host.origin) && !/^(data|blob):/.test(r.url())) elsewhere.push(r.url());
      });
      const t0 = Date.now();
      await page.goto(`${host.origin}/lab/`);
      const first = await firstPoint(page);
      const reloaded = await firstPoint(page, (p) => p.isolated);
      const toIsolatedPointMs = Date.now() - t0;
      await page.waitForLoadState('load');
      // at most one document before the isolated one: the one reload
      const points = await firstPoints(page);
      expect(points.findIndex((p) => p.isolated)).toBeLessThanOrEqual(1);
      expect(await navigationType(page)).toBe('reload');
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      const { threads, text } = await cpuThreads(page);
      expect(text).not.toMatch(/SharedArrayBuffer/);
      // no second reload
      await expectNoReload(page);
      await page.screenshot({ path: `${OUT}/static-subpath.png` });
      expect(errors).toEqual([]);
      expect(elsewhere).toEqual([]);
      await page.close();

      // second visit with the network off: everything from the precache, still isolated, a deep link kept
      await context.setOffline(true);
      const before = host.requests.length;
      const offline = await newStopwatchPage(context);
      const offlineErrors = collectErrors(offline);
      await offline.goto(`${host.origin}/lab/`);
      const offlinePoint = await firstPoint(offline);
      expect(offlinePoint.isolated).toBe(true);
      expect(offlinePoint.navigation).toBe('navigate');
      expect((await cpuThreads(offline)).threads).toBe(threads);
      await offline.goto(`${host.origin}/lab/#v=1&n=12&k=2&seed=3`);
      await offline.reload();
      await firstPoint(offline, (p) => p.navigation === 'reload');
      expect(await offline.inputValue('#field-n')).toBe('12');
      expect(offline.url()).toContain('seed=3');
      expect(host.requests.length).toBe(before);
      expect(offlineErrors).toEqual([]);
      await offline.close();
      await context.setOffline(false);

      // a new deploy (another sw.js): the banner offers it, a click switches to it
      const sw = join(relativeDir, 'sw.js');
      const old = precacheOf(relativeDir).version;
      writeFileSync(sw, readFileSync(sw, 'utf8').replace(`"version":"${old}"`, `"version":"${old}-next"`));
      const updated = await newStopwatchPage(context);
      const updateErrors = collectErrors(updated);
      await updated.goto(`${host.origin}/lab/`);
      await firstPoint(updated);
      // paused: Chromium runs the update check at low priority, which a run on every core of this
      // 2-core machine starves for tens of seconds
      await expect.poll(() => updated.getAttribute('[data-testid=run-line]', 'data-status'), { timeout: 30_000 }).toBe('running');
      await updated.keyboard.press('Space');
      await expect.poll(() => updated.getAttribute('[data-testid=run-line]', 'data-status')).toBe('paused');
      const banner = updated.getByTestId('update-banner');
      await banner.waitFor({ timeout: 90_000 });
      expect(await banner.textContent()).toMatch(/A new version is ready — ?reload/);
      await updated.screenshot({ path: `${OUT}/static-update-banner.png` });
      await banner.getByRole('button', { name: 'reload' }).click();
      await firstPoint(updated, (p) => p.navigation === 'reload');
      const keys = await updated.evaluate(() => caches.keys());
      expect(keys.filter((k) => k.startsWith('sparse-rtrl-lab '))).toEqual([expect.stringMatching(new RegExp(`${old}-next$`))]);
      expect(await updated.getByTestId('update-banner').count()).toBe(0);
      expect(updateErrors).toEqual([]);
      await updated.close();

      report.subpathWithoutHeaders = {
        firstPointMs: first.ms,
        firstPointIsolated: first.isolated,
        afterReloadMs: reloaded.ms,
        navigationToIsolatedPointMs: toIsolatedPointMs,
        threads,
        offlineMs: offlinePoint.ms,
      };
      console.log(
        `/lab/ without headers: first point ${first.ms.toFixed(0)} ms (isolated: ${first.isolated}), after the reload ${reloaded.ms.toFixed(0)} ms ` +
          `(${toIsolatedPointMs} ms from the first navigation), ${threads} threads; offline ${offlinePoint.ms.toFixed(0)} ms`,
      );
    });
  });

  it('at the root with COOP/COEP: isolated at once, threads, no reload; the worker registers after the first point', async () => {
    await withStaticHost(relativeDir, '/', true, async (host, context) => {
      const page = await newStopwatchPage(context);
      const errors = collectErrors(page);
      await page.goto(`${host.origin}/`);
      const { ms, isolated: isolatedAtOnce } = await firstPoint(page);
      expect(isolatedAtOnce).toBe(true);
      const { threads } = await cpuThreads(page);
      await expectNoReload(page, () => page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined)));
      expect(await navigationType(page)).toBe('navigate');
      expect(errors).toEqual([]);
      report.rootWithHeaders = { firstPointMs: ms, threads };
      console.log(`/ with headers: first point ${ms.toFixed(0)} ms, ${threads} threads, no reload`);
    });
  });

  it('an absolute base (LAB_BASE=/lab/, as the Pages workflow builds): /lab redirects, draws, reloads into threads', async () => {
    await withStaticHost(absoluteDir, '/lab/', false, async (host, context) => {
      const page = await newStopwatchPage(context);
      const errors = collectErrors(page);
      await page.goto(`${host.origin}/lab#v=1&n=16&k=2`);
      await firstPoint(page, (p) => p.isolated);
      await page.waitForLoadState('load');
      expect(page.url()).toContain('/lab/#v=1&');
      expect(await page.inputValue('#field-n')).toBe('16');
      await cpuThreads(page);
      expect(host.requests.some((r) => r.startsWith('/lab/pretrained/') || r.startsWith('/lab/assets/'))).toBe(true);
      expect(host.requests.filter((r) => !r.startsWith('/lab'))).toEqual([]);
      expect(errors).toEqual([]);
    });
  });

  it('from file:// the page says it needs a web server instead of staying blank', async () => {
    const page = await chromium.browser.newPage();
    await page.goto(pathToFileURL(join(relativeDir, 'index.html')).href);
    await expect.poll(() => page.textContent('#root')).toMatch(/needs a web server/);
    await page.close();
  });
});
